// SPDX-License-Identifier: GPL-2.0
/*
 * mutexfuzz nl N [SEED]: N fuzzed generic netlink messages, from root, from
 * nobody and from root of a fresh netns in parallel, built from the spec's
 * attribute table (attrs.h, generated from kernel/mutex.yaml); then the
 * module's answers must still make sense.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attacks.h"
#include "common.h"
#include "nl.h"
#include "util.h"

enum { AT_PAD, AT_U8, AT_U16, AT_U32, AT_U64, AT_STR, AT_BIN, AT_FLAG, AT_NEST };

struct attr_desc {
	int type;
	unsigned long long min, max;
};

struct attr_set {
	const char *name;
	const struct attr_desc *attrs;
	int max;
};

#include "attrs.h"

static uint64_t interesting_u64(unsigned long long min, unsigned long long max)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 4, 5, 7, 31, 32, 99, 100, 127, 128, 255, 256, 1000,
		65535, 65536, 60000, 60001, 1000000, 1000001, 0x7fffffff,
		0x80000000, 0xffffffff, 0x100000000ULL, 3600000000ULL,
		3600000001ULL, 10000000000000ULL, 10000000000001ULL,
		0x7fffffffffffffffULL, 0xffffffffffffffffULL,
		0xfffffffffffffffeULL,
	};

	switch (rnd(6)) {
	case 0:
		return min;
	case 1:
		return max ? max : rnd64();
	case 2:
		return max ? max + 1 : 0;
	case 3:
		return min ? min - 1 : 0;
	case 4:
		return rnd64() >> rnd(64);
	default:
		return v[rnd(sizeof(v) / sizeof(v[0]))];
	}
}

/* An attribute of the set, sometimes of the right type, often not. */
static void put_fuzz_attr(struct nlmsg *m, const struct attr_set *set, int depth)
{
	uint8_t data[512];
	uint16_t type;
	size_t len = 0;
	int a = set ? 1 + rnd(set->max) : 1 + rnd(40);
	const struct attr_desc *d = set ? &set->attrs[a] : NULL;
	uint64_t v;
	uint32_t pick = rnd(100);

	type = a;
	v = interesting_u64(d ? d->min : 0, d ? d->max : 0);
	if (pick < 45 && d && d->type == AT_NEST && depth < 3) {
		/* A nest of the right kind holding anything. */
		size_t off = msg_put(m, type | NLA_F_NESTED, NULL, 0);
		int n = rnd(6);

		for (int i = 0; i < n; i++)
			put_fuzz_attr(m, NULL, depth + 1);
		((struct nlattr *)(m->buf + off))->nla_len = m->len - off;
		return;
	} else if (pick < 45 && d) {
		/* The right type, an interesting value. */
		switch (d->type) {
		case AT_U8: len = 1; break;
		case AT_U16: len = 2; break;
		case AT_U32: len = 4; break;
		case AT_U64: len = 8; break;
		case AT_FLAG: len = 0; break;
		case AT_STR:
			len = rnd(3) ? rnd(40) : rnd(400);
			for (size_t i = 0; i < len; i++)
				data[i] = 32 + rnd(95);
			if (len && rnd(3))
				data[len - 1] = 0;	/* NUL-terminated, mostly */
			break;
		default:
			len = rnd(2) ? (rnd(2) ? 4 : 16) : rnd(40);
			break;
		}
		if (d->type != AT_STR && d->type != AT_BIN)
			memcpy(data, &v, sizeof(v));
		else if (d->type == AT_BIN)
			for (size_t i = 0; i < len; i++)
				data[i] = rnd(256);
	} else if (pick < 60) {
		/* Wrong size. */
		len = rnd(3) ? rnd(17) : rnd(300);
		for (size_t i = 0; i < len; i++)
			data[i] = rnd(256);
		if (len >= 8 && rnd(2))
			memcpy(data, &v, 8);
	} else if (pick < 70) {
		/* Unknown attribute. */
		type = rnd(2) ? (set ? set->max + 1 + rnd(4) : 60) : rnd(0x4000);
		len = rnd(20);
		memset(data, 0xa5, len);
	} else if (pick < 82 && depth < 3) {
		/* Nested where a scalar belongs, with or without NLA_F_NESTED. */
		size_t off = msg_put(m, type | (rnd(2) ? NLA_F_NESTED : 0), NULL, 0);
		int n = rnd(5);

		for (int i = 0; i < n; i++)
			put_fuzz_attr(m, rnd(2) ? set : NULL, depth + 1);
		((struct nlattr *)(m->buf + off))->nla_len = m->len - off;
		return;
	} else if (pick < 90) {
		/* Byte-order and nested flags on a scalar. */
		type |= rnd(2) ? NLA_F_NET_BYTEORDER : NLA_F_NESTED;
		len = d && d->type == AT_U64 ? 8 : 4;
		memcpy(data, &v, sizeof(v));
	} else {
		/* Type 0, or an attribute that claims more than it has. */
		type = rnd(2) ? 0 : type;
		len = rnd(12);
		memset(data, 0xff, len);
		msg_put(m, type, data, len);
		if (m->len >= NLA_HDRLEN && rnd(2)) {
			struct nlattr *last = (struct nlattr *)(m->buf + m->len - NLA_HDRLEN - NLA_ALIGN(len));

			last->nla_len = rnd(2) ? 0xffff : rnd(NLA_HDRLEN);
		}
		return;
	}
	msg_put(m, type, data, len);
	if (rnd(12) == 0)	/* duplicated */
		msg_put(m, type, data, len);
}

/* One fuzzed request for cmd (the family's, or anything else). */
static void build_fuzz(struct nlmsg *m, int cmd, int *dump)
{
	int set_idx = cmd > 0 && cmd <= NCMDS ? cmd_set[cmd] : (int)rnd(5);
	const struct attr_set *set = &attr_sets[set_idx];
	int flags = NLM_F_REQUEST;
	int type = mutex_family, n;
	uint32_t r = rnd(100);

	if (rnd(2))
		flags |= NLM_F_ACK;
	if (rnd(3) == 0)
		flags |= NLM_F_DUMP;
	if (rnd(40) == 0)
		flags |= rnd(0x10000);
	if (rnd(60) == 0)
		type = rnd(2) ? rnd(NLMSG_MIN_TYPE) : GENL_ID_CTRL;	/* never another family */
	*dump = !!(flags & NLM_F_DUMP);
	msg_init(m, type, flags, cmd, rnd(10) ? 1 : rnd(256));

	n = rnd(10) ? rnd(6) : rnd(200);	/* sometimes oversized */
	for (int i = 0; i < n; i++)
		put_fuzz_attr(m, rnd(8) ? set : NULL, 0);
	msg_finish(m);

	if (r < 4) {		/* truncated message */
		m->len = NLMSG_HDRLEN + rnd(m->len - NLMSG_HDRLEN + 1);
		if (rnd(2))
			((struct nlmsghdr *)m->buf)->nlmsg_len = m->len;
	} else if (r < 7) {	/* header claims more or less than sent */
		((struct nlmsghdr *)m->buf)->nlmsg_len = rnd(m->len + 64);
	} else if (r < 12) {	/* flipped bytes after the headers */
		int flips = 1 + rnd(4);

		for (int i = 0; i < flips && m->len > NLMSG_HDRLEN + GENL_HDRLEN; i++)
			m->buf[NLMSG_HDRLEN + GENL_HDRLEN +
			       rnd(m->len - NLMSG_HDRLEN - GENL_HDRLEN)] ^= 1 << rnd(8);
	} else if (r < 14) {	/* two requests in one datagram */
		size_t first = NLMSG_ALIGN(m->len);

		if (first * 2 <= sizeof(m->buf)) {
			memset(m->buf + m->len, 0, first - m->len);
			memcpy(m->buf + first, m->buf, m->len);
			m->len = first * 2;
		}
	}
}

#define NSOCKS 6

static void fuzz_nl_loop(long count, uint64_t seed, struct fuzz_stats *st)
{
	struct nlmsg *m = calloc(1, sizeof(*m));
	int socks[NSOCKS];

	rnd_seed(seed);
	for (int i = 0; i < NSOCKS; i++)
		socks[i] = nl_socket(i == 0 ? 1 : 0);	/* 0: the smallest buffer */
	for (long i = 0; i < count; i++) {
		int s = rnd(NSOCKS), dump, abandoned;
		int cmd = rnd(100) < 92 ? 1 + rnd(NCMDS) : rnd(256);

		build_fuzz(m, cmd, &dump);
		if (msg_send(socks[s], m) >= 0)
			st->sent++;
		drain(socks[s], st, &abandoned);
		if (abandoned && rnd(3) == 0) {
			/* Close the socket mid-dump; a request first, sometimes. */
			if (rnd(2)) {
				build_fuzz(m, 1 + rnd(NCMDS), &dump);
				msg_send(socks[s], m);
			}
			close(socks[s]);
			socks[s] = nl_socket(rnd(4) == 0 ? 1 : 0);
			st->socks_closed_mid_dump++;
		}
	}
	for (int i = 0; i < NSOCKS; i++)
		close(socks[i]);
	free(m);
}

/* Restores the global thresholds (the fuzzer sets random ones). */
static void reset_thresholds(void)
{
	int fd = nl_socket(0);
	struct nlmsg *m;

	if (nl_resolve(fd) == 0) {
		m = mreq(MUTEX_CMD_THRESHOLDS_SET, 0);
		msg_put(m, MUTEX_A_THRESHOLDS_RESET, NULL, 0);
		nl_request(fd, m, 0, NULL, NULL);
	}
	close(fd);
}

int cmd_nl(long count, uint64_t seed)
{
	struct fuzz_stats total = { 0 };
	int workers = 3, ctxs[4];
	pid_t pids[8];
	double t0 = now_s();

	if (nl_resolve(nl_socket(0)))
		die("the mutex family is not registered");
	/* Something to dump: contexts, a few thousand flows, alerts. */
	ctxs[0] = dev_open("name=fz-udp scope=all proto=udp port=47000");
	ctxs[1] = dev_open("name=fz-all scope=all");
	ctxs[2] = dev_open("name=fz-pid");
	ctxs[3] = dev_open("name=fz-tcp scope=all proto=tcp");
	udp_flows(47000, 3000);
	udp_burst(47100, 50, 2, 100);
	if (check_answers("before"))
		return 1;

	/*
	 * Parallel fuzzers: root in this netns, an unprivileged user, and
	 * root in a fresh netns (its own view of everything).
	 */
	for (int w = 0; w < workers; w++) {
		int pfd[2];

		if (pipe(pfd))
			die("pipe");
		pids[w] = fork();
		if (pids[w] == 0) {
			struct fuzz_stats st = { 0 };
			long share = w == 0 ? count - 2 * (count / 5) : count / 5;

			close(pfd[0]);
			if (w == 1 && (setgid(65534) || setuid(65534)))
				die("setuid");
			if (w == 2 && unshare(CLONE_NEWNET))
				die("unshare");
			fuzz_nl_loop(share, seed * 31 + w, &st);
			if (write(pfd[1], &st, sizeof(st)) != sizeof(st))
				_exit(1);
			_exit(0);
		}
		close(pfd[1]);
		pids[w + 4] = pfd[0];
	}
	for (int w = 0; w < workers; w++) {
		struct fuzz_stats st = { 0 };
		int status;

		if (read(pids[w + 4], &st, sizeof(st)) != sizeof(st))
			FAIL("fuzz worker %d died", w);
		waitpid(pids[w], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			FAIL("fuzz worker %d exited with %d", w, status);
		total.sent += st.sent;
		total.replies += st.replies;
		total.errors += st.errors;
		total.ok += st.ok;
		total.busy += st.busy;
		total.eperm += st.eperm;
		total.einval += st.einval;
		total.dumps_abandoned += st.dumps_abandoned;
		total.socks_closed_mid_dump += st.socks_closed_mid_dump;
		if (w == 1 && !st.eperm)
			FAIL("the unprivileged fuzzer never got EPERM");
	}
	printf("nl: %llu messages in %.1f s (%d workers, seed %llu): %llu replies, %llu acks ok, "
	       "%llu errors (%llu EINVAL/ERANGE, %llu EPERM, %llu EBUSY), %llu dumps abandoned, "
	       "%llu sockets closed mid-dump\n",
	       (unsigned long long)total.sent, now_s() - t0, workers, (unsigned long long)seed,
	       (unsigned long long)total.replies, (unsigned long long)total.ok,
	       (unsigned long long)total.errors, (unsigned long long)total.einval,
	       (unsigned long long)total.eperm, (unsigned long long)total.busy,
	       (unsigned long long)total.dumps_abandoned,
	       (unsigned long long)total.socks_closed_mid_dump);
	if (total.sent < (unsigned long long)count * 9 / 10)
		FAIL("only %llu of %ld messages went out", (unsigned long long)total.sent, count);
	reset_thresholds();
	check_answers("after");
	for (int i = 0; i < 4; i++)
		close(ctxs[i]);
	return 0;
}

