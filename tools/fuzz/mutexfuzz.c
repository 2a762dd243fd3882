// SPDX-License-Identifier: GPL-2.0
/*
 * mutexfuzz: attacks mutex.ko from user space the way a hostile local user
 * and a syscall fuzzer would, and checks that it still answers correctly.
 *
 *   mutexfuzz nl N [SEED]      N fuzzed generic netlink messages
 *   mutexfuzz dev N [SEED]     N abusive /dev/mutex operations + races
 *   mutexfuzz pkt N [SEED]     N malformed IPv4/IPv6 packets through the hooks
 *   mutexfuzz stress SECS      parallel traffic, dumps, thresholds, churn
 *   mutexfuzz priv             privilege and netns isolation checks
 *   mutexfuzz flows N LIMIT    N new flows past a per-netns limit of LIMIT
 *   mutexfuzz storm SECS CTXS  alert storm: ring and notification bounds
 *   mutexfuzz load SECS        background load for the unload test
 *
 * Built on the host (tools/fuzz/Makefile) and run inside the QEMU guest.
 * Every check that fails prints "FAIL ..." and makes the exit status 1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <grp.h>
#include <sys/syscall.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"
#include "nl.h"
#include "util.h"

enum { AT_PAD, AT_U8, AT_U16, AT_U32, AT_U64, AT_STR, AT_BIN, AT_FLAG };

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

/* ------------------------------------------------- netlink fuzzing */

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
	if (pick < 45 && d) {
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

static int cmd_nl(long count, uint64_t seed)
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

/* ------------------------------------------------- /dev/mutex abuse */

static const char *const sel_valid[] = {
	"name=web scope=all proto=tcp port=443,8000-8080 peer=10.0.0.0/8",
	"scope=all",
	"name=a",
	"scope=uid:0 proto=udp,icmp",
	"scope=cgroup:/sys/fs/cgroup",
	"scope=cgroup:/",
	"port=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16",
	"peer=::1/128,fe80::/10,0.0.0.0/0,255.255.255.255/32",
	"name=0123456789012345678901234567890",
	"scope=pid:1 port=0-65535",
	"\tscope=all\t proto=tcp,udp,icmp  \n",
	"peer=1.2.3.4,1.2.3.5,1.2.3.6,1.2.3.7,1.2.3.8,1.2.3.9,1.2.3.10,1.2.3.11,"
	"1.2.3.12,1.2.3.13,1.2.3.14,1.2.3.15,1.2.3.16,1.2.3.17,1.2.3.18,1.2.3.19",
};

static const char *const sel_invalid[] = {
	"", " ", "\n", "=", "name=", "name", "scope=", "scope=pid:", "scope=pid:0",
	"scope=pid:4194305", "scope=pid:-1", "scope=uid:4294967295", "scope=all:1",
	"scope=cgroup:relative", "scope=cgroup:/no/such/cgroup", "scope=bogus:1",
	"proto=sctp", "proto=tcp,", "port=65536", "port=2-1", "port=-1", "port=1-",
	"port=,", "port=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17",
	"peer=1.2.3.4/33", "peer=::/129", "peer=/8", "peer=1.2.3", "peer=,",
	"name=01234567890123456789012345678901", "name=a name=b", "scope=all scope=all",
	"unknown=1", "name=\x01", "name=\xff\xfe", "port=99999999999999999999",
	"peer=1.2.3.4,1.2.3.5,1.2.3.6,1.2.3.7,1.2.3.8,1.2.3.9,1.2.3.10,1.2.3.11,"
	"1.2.3.12,1.2.3.13,1.2.3.14,1.2.3.15,1.2.3.16,1.2.3.17,1.2.3.18,1.2.3.19,1.2.3.20",
};

static const char *const sel_tokens[] = {
	"name=", "scope=", "proto=", "port=", "peer=", "all", "pid:", "uid:", "cgroup:",
	"/sys/fs/cgroup", "/", "..", "tcp", "udp", "icmp", ",", "-", "/", ":", "=", " ",
	"\t", "\n", "0", "1", "65535", "65536", "4294967295", "-1", "::", "::ffff:1.2.3.4",
	"10.0.0.0/8", "%s%n%x", "\\", "\"", "\xc3\xa9", "\x7f", "a",
};

/* A random selector: token soup, a mutated valid one, or random bytes. */
static size_t gen_selector(char *buf, size_t cap)
{
	size_t len = 0;

	switch (rnd(4)) {
	case 0: {
		int n = 1 + rnd(30);

		for (int i = 0; i < n; i++) {
			const char *t = sel_tokens[rnd(sizeof(sel_tokens) / sizeof(*sel_tokens))];
			size_t l = strlen(t);

			if (len + l >= cap)
				break;
			memcpy(buf + len, t, l);
			len += l;
		}
		break;
	}
	case 1: {
		const char *v = sel_valid[rnd(sizeof(sel_valid) / sizeof(*sel_valid))];

		len = strlen(v);
		memcpy(buf, v, len);
		for (int i = rnd(4); i > 0 && len; i--) {
			size_t at = rnd(len);

			switch (rnd(3)) {
			case 0: buf[at] = rnd(256); break;
			case 1: memmove(buf + at, buf + at + 1, len - at - 1); len--; break;
			default: if (len + 1 < cap) { memmove(buf + at + 1, buf + at, len - at); buf[at] = 32 + rnd(95); len++; }
			}
		}
		break;
	}
	case 2:
		len = rnd(3) ? rnd(64) : rnd(cap);
		for (size_t i = 0; i < len; i++)
			buf[i] = rnd(4) ? 32 + rnd(95) : rnd(256);
		break;
	default: {
		/* Long but legal-looking lists. */
		len = snprintf(buf, cap, "port=");
		while (len + 16 < cap && rnd(50))
			len += snprintf(buf + len, cap - len, "%u,", rnd(70000));
		if (len)
			len--;
	}
	}
	return len;
}

static char *selector_line(int fd, char *out, size_t cap)
{
	char buf[4096];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *p, *e;

	out[0] = 0;
	if (n <= 0)
		return out;
	buf[n] = 0;
	p = strstr(buf, "\nselector ");
	if (!p)
		return out;
	p += 10;
	e = strchr(p, '\n');
	if (e)
		*e = 0;
	snprintf(out, cap, "%s", p);
	return out;
}

/* Known-good and known-bad selectors behave exactly as documented. */
static void dev_semantics(void)
{
	char before[2048], after[2048];
	int fd = dev_open(NULL);

	if (fd < 0) {
		FAIL("open /dev/mutex: %s", strerror(errno));
		return;
	}
	for (size_t i = 0; i < sizeof(sel_valid) / sizeof(*sel_valid); i++) {
		ssize_t n = write(fd, sel_valid[i], strlen(sel_valid[i]));

		if (n != (ssize_t)strlen(sel_valid[i]))
			FAIL("valid selector '%s' refused: %s", sel_valid[i], strerror(errno));
	}
	selector_line(fd, before, sizeof(before));
	for (size_t i = 0; i < sizeof(sel_invalid) / sizeof(*sel_invalid); i++) {
		ssize_t n = write(fd, sel_invalid[i], strlen(sel_invalid[i]));

		if (n >= 0 || errno != EINVAL)
			FAIL("bad selector '%s' gave %zd/%s, not EINVAL", sel_invalid[i], n, strerror(errno));
		if (strcmp(selector_line(fd, after, sizeof(after)), before))
			FAIL("bad selector '%s' changed the selector to '%s'", sel_invalid[i], after);
	}
	close(fd);
}

static atomic_long dev_ops;
static atomic_int race_stop;
static int race_fds[64];

static void dev_random_op(int *fds, int nfds)
{
	static __thread char *big;
	char sel[8192], rbuf[9000];
	int i = rnd(nfds), fd = fds[i];
	ssize_t r;

	if (!big) {
		big = malloc(1 << 20);
		memset(big, 'a', 1 << 20);
		memcpy(big, "name=", 5);
	}
	switch (rnd(14)) {
	case 0:
		if (fd >= 0 && rnd(2))
			close(fd);
		fds[i] = open("/dev/mutex", rnd(2) ? O_RDWR : (rnd(2) ? O_RDONLY : O_WRONLY));
		break;
	case 1: case 2: case 3: {
		size_t len = gen_selector(sel, sizeof(sel));

		r = write(fd, sel, len);
		(void)r;
		break;
	}
	case 4:
		r = write(fd, big, rnd(2) ? 4095 + rnd(3) : 1U << (12 + rnd(9)));
		(void)r;
		break;
	case 5:	/* unmapped and partly mapped buffers */
		r = syscall(SYS_write, fd, 16L, 10L);
		r = syscall(SYS_read, fd, 16L, 10L);
		r = pread(fd, (void *)(uintptr_t)-4096, 100, 0);
		(void)r;
		break;
	case 6: case 7:
		r = pread(fd, rbuf + rnd(7), rnd(3) ? rnd(64) : rnd(8192), rnd(3) ? rnd(700) : rnd64() >> rnd(64));
		(void)r;
		break;
	case 8:
		r = lseek(fd, (off_t)(rnd64() >> rnd(64)) * (rnd(2) ? -1 : 1), rnd(3));
		r = read(fd, rbuf, rnd(9000));
		(void)r;
		break;
	case 9: {
		struct iovec iov[4] = {
			{ rbuf, rnd(8) }, { rbuf + 100, rnd(300) }, { NULL, 0 }, { rbuf + 500, rnd(2000) },
		};

		r = preadv(fd, iov, 4, rnd(600));
		iov[0].iov_base = (void *)"scope=";
		iov[0].iov_len = 6;
		iov[1].iov_base = (void *)"all";
		iov[1].iov_len = 3;
		r = writev(fd, iov, 2);	/* two writes: "scope=" fails, "all" fails */
		(void)r;
		break;
	}
	case 10: {
		void *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);

		if (p != MAP_FAILED) {
			FAIL("mmap of /dev/mutex succeeded");
			munmap(p, 4096);
		}
		r = ioctl(fd, rnd64(), rnd64());
		(void)r;
		break;
	}
	case 11: {
		struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

		poll(&p, 1, 0);
		r = fcntl(fd, F_SETFL, O_NONBLOCK | O_APPEND);
		(void)r;
		break;
	}
	case 12: {
		int d = dup(fd);

		if (d >= 0) {
			r = write(d, "scope=all", 9);
			close(d);
		}
		(void)r;
		break;
	}
	default:
		if (fd >= 0)
			close(fd);
		fds[i] = -1;
	}
	atomic_fetch_add(&dev_ops, 1);
}

static void *race_thread(void *arg)
{
	long seed = (long)arg;

	rnd_seed(seed);
	while (!atomic_load(&race_stop))
		dev_random_op(race_fds, 64);
	return NULL;
}

/* The fd handed to children and over SCM_RIGHTS, closed in every order. */
static void dev_share(int rounds)
{
	for (int i = 0; i < rounds; i++) {
		int sp[2], fd = dev_open("scope=all proto=udp port=47999");
		char cbuf[CMSG_SPACE(sizeof(int) * 3)];
		struct msghdr mh = { 0 };
		struct iovec iov = { (void *)"x", 1 };
		struct cmsghdr *c;
		pid_t pid;

		if (fd < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp))
			die("share setup: %s", strerror(errno));
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * 3);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * 3);
		((int *)CMSG_DATA(c))[0] = fd;
		((int *)CMSG_DATA(c))[1] = fd;
		((int *)CMSG_DATA(c))[2] = sp[0];	/* a cycle for the unix GC */
		if (sendmsg(sp[0], &mh, 0) < 0)
			die("sendmsg: %s", strerror(errno));
		switch (rnd(4)) {
		case 0:	/* never received: freed by the unix socket GC */
			close(fd);
			close(sp[0]);
			close(sp[1]);
			break;
		case 1:	/* received by a child that uses it after we closed ours */
			pid = fork();
			if (pid == 0) {
				char buf[512];
				struct msghdr rh = { 0 };

				rh.msg_iov = &iov;
				rh.msg_iovlen = 1;
				rh.msg_control = buf;
				rh.msg_controllen = sizeof(buf);
				if (recvmsg(sp[1], &rh, 0) == 1 && CMSG_FIRSTHDR(&rh)) {
					int got = ((int *)CMSG_DATA(CMSG_FIRSTHDR(&rh)))[0];

					if (write(got, "scope=all", 9) != 9 || pread(got, buf, sizeof(buf), 3) <= 0)
						_exit(3);
				}
				_exit(0);
			}
			close(fd);
			close(sp[0]);
			close(sp[1]);
			waitpid(pid, NULL, 0);
			break;
		default:	/* inherited by a child that exits first, or last */
			pid = fork();
			if (pid == 0) {
				char buf[256];

				if (rnd(2))
					usleep(rnd(3000));
				if (pread(fd, buf, sizeof(buf), 0) <= 0)
					_exit(2);
				_exit(0);
			}
			if (rnd(2))
				close(fd);
			waitpid(pid, NULL, 0);
			if (fcntl(fd, F_GETFD) >= 0)
				close(fd);
			close(sp[0]);
			close(sp[1]);
		}
		atomic_fetch_add(&dev_ops, 1);
	}
}

static int cmd_dev(long count, uint64_t seed)
{
	int fds[16];
	double t0 = now_s();
	pthread_t th[8];
	int nthreads = 8;
	long single = count / 2, races;
	int before_active = -1, after_active;
	struct sum s = { 0 };
	int nl = nl_socket(0);

	if (nl_resolve(nl))
		die("the mutex family is not registered");
	nl_request(nl, mreq(MUTEX_CMD_STATS_GET, 0), MUTEX_A_STATS_MAX, count_cb, &s);
	before_active = s.v[MUTEX_A_STATS_FDS_ACTIVE];

	dev_semantics();
	rnd_seed(seed);
	for (int i = 0; i < 16; i++)
		fds[i] = -1;
	for (long i = 0; i < single; i++)
		dev_random_op(fds, 16);
	for (int i = 0; i < 16; i++)
		if (fds[i] >= 0)
			close(fds[i]);

	/* Threads racing open/close/write/read on one shared table of fds. */
	for (int i = 0; i < 64; i++)
		race_fds[i] = open("/dev/mutex", O_RDWR);
	races = atomic_load(&dev_ops);
	for (int i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, race_thread, (void *)(long)(seed + i + 1));
	while (atomic_load(&dev_ops) - races < count / 2 - count / 20)
		usleep(20000);
	atomic_store(&race_stop, 1);
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 64; i++)
		if (race_fds[i] >= 0)
			close(race_fds[i]);

	dev_share(count / 20 < 2000 ? count / 20 : 2000);
	dev_semantics();
	/* The random ops drop fds on the floor on purpose: close them all. */
	for (int fd = 3; fd < 4096; fd++)
		if (fd != nl)
			close(fd);

	memset(&s, 0, sizeof(s));
	nl_request(nl, mreq(MUTEX_CMD_STATS_GET, 0), MUTEX_A_STATS_MAX, count_cb, &s);
	after_active = s.v[MUTEX_A_STATS_FDS_ACTIVE];
	printf("dev: %ld operations in %.1f s (%d racing threads, seed %llu); contexts active before %d, after %d\n",
	       atomic_load(&dev_ops), now_s() - t0, nthreads, (unsigned long long)seed,
	       before_active, after_active);
	if (after_active != before_active)
		FAIL("%d contexts leaked", after_active - before_active);
	check_answers("after dev");
	close(nl);
	return 0;
}

struct ctx_counters {
	uint64_t bytes_sent, bytes_received, packets_sent, packets_received, conns_total;
};

static void read_counters(int fd, struct ctx_counters *c)
{
	char buf[4096], *p;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	memset(c, 0, sizeof(*c));
	if (n <= 0)
		return;
	buf[n] = 0;
#define GETC(name) if ((p = strstr(buf, "\n" #name " "))) c->name = strtoull(p + strlen(#name) + 2, NULL, 10)
	GETC(bytes_sent);
	GETC(bytes_received);
	GETC(packets_sent);
	GETC(packets_received);
	GETC(conns_total);
#undef GETC
}

/* ---------------------------------------------------- concurrency */

#define LONG_CTXS 4
static atomic_int stop_all;
static int long_fd[LONG_CTXS], long_id[LONG_CTXS];
static atomic_ullong churn_bytes, churn_packets, churn_conns, churn_count;
static atomic_ullong churn_rx_bytes, churn_rx_packets, churn_lost;
static atomic_ullong dumps_done, dumps_intr, thr_changes, samples_taken, traffic_pkts;

/* UDP traffic to the long-lived contexts' ports, from many sources. */
static void *traffic_thread(void *arg)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int socks[16];
	char payload[1200] = { 0 };

	rnd_seed((long)arg);
	for (int i = 0; i < 16; i++)
		socks[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	while (!atomic_load(&stop_all)) {
		int i = rnd(16);

		to.sin_port = htons(41000 + rnd(200));
		sendto(socks[i], payload, rnd(1200), MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to));
		atomic_fetch_add(&traffic_pkts, 1);
		if (rnd(200) == 0) {	/* new flows now and then */
			close(socks[i]);
			socks[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		}
	}
	for (int i = 0; i < 16; i++)
		close(socks[i]);
	return NULL;
}

/* Short TCP connections to a local listener: flows that come and go. */
static void *tcp_thread(void *arg)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				  .sin_port = htons(42000 + (long)arg) };
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 64))
		die("tcp listen: %s", strerror(errno));
	while (!atomic_load(&stop_all)) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), a;
		char buf[4096] = { 0 };

		if (connect(c, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			a = accept(l, NULL, NULL);
			if (write(c, buf, sizeof(buf)) > 0 && a >= 0 && read(a, buf, sizeof(buf)) > 0)
				atomic_fetch_add(&traffic_pkts, 1);
			if (a >= 0)
				close(a);
		}
		close(c);
	}
	close(l);
	return NULL;
}

/* Complete and abandoned dumps of contexts and flows. */
static void *dump_thread(void *arg)
{
	int nl = nl_socket(0);
	struct sum s;

	rnd_seed((long)arg);
	while (!atomic_load(&stop_all)) {
		int cmd = rnd(2) ? MUTEX_CMD_CONN_GET : MUTEX_CMD_FD_GET;
		struct nlmsg *m = mreq(cmd, NLM_F_DUMP);
		int err;

		if (rnd(4) == 0) {	/* start one, read a little, walk away */
			struct fuzz_stats st = { 0 };
			int ab;

			msg_finish(m);
			msg_send(nl, m);
			drain(nl, &st, &ab);
			close(nl);
			nl = nl_socket(0);
			continue;
		}
		memset(&s, 0, sizeof(s));
		err = nl_request(nl, m, cmd == MUTEX_CMD_CONN_GET ? MUTEX_A_CONN_MAX : MUTEX_A_FD_MAX,
				 count_cb, &s);
		if (err == -EINTR)
			atomic_fetch_add(&dumps_intr, 1);
		else if (err)
			FAIL("dump %d: %s", cmd, strerror(-err));
		atomic_fetch_add(&dumps_done, 1);
	}
	close(nl);
	return NULL;
}

/* Threshold changes, global and per context, all valid. */
static void *thresholds_thread(void *arg)
{
	int nl = nl_socket(0);

	rnd_seed((long)arg);
	while (!atomic_load(&stop_all)) {
		uint32_t id = rnd(2) ? long_id[rnd(LONG_CTXS)] : 0;
		int err;

		switch (rnd(6)) {
		case 0: err = thresholds_set(nl, id, MUTEX_A_THRESHOLDS_CONN_RATE, 1 + rnd(50)); break;
		case 1: err = thresholds_set(nl, id, MUTEX_A_THRESHOLDS_BANDWIDTH_BPS, 1 + rnd(10000000)); break;
		case 2: err = thresholds_set(nl, id, MUTEX_A_THRESHOLDS_DISABLED, rnd(32)); break;
		case 3: err = thresholds_set(nl, 0, MUTEX_A_THRESHOLDS_INTERVAL_MS, 100 + rnd(900)); break;
		case 4: err = thresholds_set(nl, id, MUTEX_A_THRESHOLDS_RESET, 0); break;
		default: err = thresholds_set(nl, id, MUTEX_A_THRESHOLDS_LATENCY_US, 1 + rnd(1000)); break;
		}
		if (err)
			FAIL("thresholds-set: %s", strerror(-err));
		atomic_fetch_add(&thr_changes, 1);
		usleep(2000);
	}
	close(nl);
	return NULL;
}

static void print_conn_cb(int cmd, const struct nlattr *tb[], int max, void *arg)
{
	(void)cmd; (void)max; (void)arg;
	fprintf(stderr, "  conn %llu fd %llu proto %llu %llu -> %llu dir %llu pkts %llu/%llu\n",
		(unsigned long long)nla_u64(tb[MUTEX_A_CONN_ID]), (unsigned long long)nla_u64(tb[MUTEX_A_CONN_FD_ID]),
		(unsigned long long)nla_u64(tb[MUTEX_A_CONN_PROTOCOL]),
		(unsigned long long)nla_u64(tb[MUTEX_A_CONN_LOCAL_PORT]),
		(unsigned long long)nla_u64(tb[MUTEX_A_CONN_REMOTE_PORT]),
		(unsigned long long)nla_u64(tb[MUTEX_A_CONN_DIRECTION]),
		(unsigned long long)nla_u64(tb[MUTEX_A_CONN_PACKETS_SENT]),
		(unsigned long long)nla_u64(tb[MUTEX_A_CONN_PACKETS_RECEIVED]));
}

/*
 * A context opened with no selector yet counts its opener's traffic (the
 * default scope is pid:opener), so the churn contexts come from a helper
 * process that sends nothing: it opens, writes the selector and hands the fd
 * back over SCM_RIGHTS.
 */
static int opener_sock = -1;
static pthread_mutex_t opener_lock = PTHREAD_MUTEX_INITIALIZER;

static void start_opener(void)
{
	int sp[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp))
		die("socketpair: %s", strerror(errno));
	if (fork() == 0) {
		char sel[512];
		ssize_t n;

		close(sp[0]);
		while ((n = recv(sp[1], sel, sizeof(sel) - 1, 0)) > 0) {
			char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
			struct iovec iov = { (void *)"k", 1 };
			struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
					     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
			struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
			int fd;

			sel[n] = 0;
			fd = dev_open(sel);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &fd, sizeof(int));
			if (sendmsg(sp[1], &mh, 0) < 0)
				_exit(1);
			close(fd);
		}
		_exit(0);
	}
	close(sp[1]);
	opener_sock = sp[0];
}

static int open_via_helper(const char *sel)
{
	char cbuf[CMSG_SPACE(sizeof(int))], b;
	struct iovec iov = { &b, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	int fd = -1;

	pthread_mutex_lock(&opener_lock);
	if (send(opener_sock, sel, strlen(sel), 0) > 0 && recvmsg(opener_sock, &mh, 0) > 0 &&
	    CMSG_FIRSTHDR(&mh))
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(int));
	pthread_mutex_unlock(&opener_lock);
	return fd;
}

/*
 * Contexts that live for a moment, carry a known amount of traffic (sent
 * and received by this thread itself, so it is exact) and are closed.
 */
static void *churn_thread(void *arg)
{
	long t = (long)arg;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char sel[128], payload[1000] = { 0 };

	rnd_seed(t);
	for (unsigned int round = 0; !atomic_load(&stop_all); round++) {
		int port = 50000 + t * 1000 + round % 1000;
		int rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		int tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		int n = 1 + rnd(20), size = rnd(1000), fd, got;
		struct ctx_counters c;
		struct timeval tv = { 3, 0 };

		snprintf(sel, sizeof(sel), "name=churn%ld scope=all proto=udp port=%d", t, port);
		fd = open_via_helper(sel);
		if (fd < 0)
			die("churn open failed");
		sa.sin_port = htons(port);
		setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (bind(rx, (struct sockaddr *)&sa, sizeof(sa)))
			die("churn bind %d: %s", port, strerror(errno));
		got = 0;
		for (int i = 0; i < n; i++) {
			if (sendto(tx, payload, size, 0, (struct sockaddr *)&sa, sizeof(sa)) != size)
				FAIL("churn send");
			/*
			 * lo's backlog drops datagrams when the traffic threads
			 * flood it: what the socket got is the oracle for LOCAL_IN.
			 */
			if (recv(rx, payload, sizeof(payload), 0) == size)
				got++;
		}
		/* A late one (a starved vCPU) may still come: wait a little. */
		for (int tries = 0; got < n && tries < 5; tries++) {
			struct pollfd pfd = { .fd = rx, .events = POLLIN };

			if (poll(&pfd, 1, 100) > 0 && recv(rx, payload, sizeof(payload), MSG_DONTWAIT) == size)
				got++;
		}
		read_counters(fd, &c);
		if (c.conns_total != 1 && getenv("MUTEXFUZZ_DEBUG")) {
			int nl = nl_socket(0);
			struct nlmsg *m = mreq(MUTEX_CMD_CONN_GET, NLM_F_DUMP);

			msg_put_u32(m, MUTEX_A_CONN_FD_ID, ctx_id(fd));
			nl_request(nl, m, MUTEX_A_CONN_MAX, print_conn_cb, NULL);
			close(nl);
		}
		/*
		 * Sent is exact; received lies between what the socket got
		 * and what was sent (a datagram can be dropped before LOCAL_IN
		 * by lo's backlog, or after it by the socket).
		 */
		if (c.packets_sent != (uint64_t)n || c.bytes_sent != (uint64_t)n * (28 + size) ||
		    c.packets_received < (uint64_t)got || c.packets_received > (uint64_t)n ||
		    c.bytes_received != c.packets_received * (28 + size) || c.conns_total != 1)
			FAIL("churn context: %d datagrams of %d: sent %llu/%llu received %llu/%llu conns %llu",
			     n, size, (unsigned long long)c.packets_sent, (unsigned long long)c.bytes_sent,
			     (unsigned long long)c.packets_received, (unsigned long long)c.bytes_received,
			     (unsigned long long)c.conns_total);
		atomic_fetch_add(&churn_bytes, c.bytes_sent);
		atomic_fetch_add(&churn_packets, c.packets_sent);
		atomic_fetch_add(&churn_rx_bytes, c.bytes_received);
		atomic_fetch_add(&churn_rx_packets, c.packets_received);
		atomic_fetch_add(&churn_lost, n - c.packets_received);
		atomic_fetch_add(&churn_conns, c.conns_total);
		atomic_fetch_add(&churn_count, 1);
		close(fd);
		close(rx);
		close(tx);
	}
	return NULL;
}

/* Counters that may only grow, sampled all along. */
static const int monotonic_stats[] = {
	MUTEX_A_STATS_FDS_TOTAL, MUTEX_A_STATS_CONNS_TOTAL, MUTEX_A_STATS_BYTES_SENT,
	MUTEX_A_STATS_BYTES_RECEIVED, MUTEX_A_STATS_PACKETS_SENT, MUTEX_A_STATS_PACKETS_RECEIVED,
	MUTEX_A_STATS_RETRANSMITS, MUTEX_A_STATS_ERRORS, MUTEX_A_STATS_DROPS,
	MUTEX_A_STATS_RTT_SAMPLES, MUTEX_A_STATS_RTT_SUM_US, MUTEX_A_STATS_LOOKUPS_HIT,
	MUTEX_A_STATS_LOOKUPS_MISS, MUTEX_A_STATS_FLOWS_EVICTED, MUTEX_A_STATS_FLOWS_UNTRACKED,
	MUTEX_A_STATS_UNMATCHED_PACKETS, MUTEX_A_STATS_ALERTS_RAISED, MUTEX_A_STATS_ALERTS_CLEARED,
	MUTEX_A_STATS_ALERTS_OVERWRITTEN, MUTEX_A_STATS_ALERTS_NOTIFY_DROPPED,
	MUTEX_A_STATS_SENT_BYTES_PER_SEC_PEAK, MUTEX_A_STATS_CONNS_PER_SEC_PEAK,
};

static const int monotonic_fd[] = {
	MUTEX_A_FD_CONNS_TOTAL, MUTEX_A_FD_BYTES_SENT, MUTEX_A_FD_BYTES_RECEIVED,
	MUTEX_A_FD_PACKETS_SENT, MUTEX_A_FD_PACKETS_RECEIVED, MUTEX_A_FD_RTT_SAMPLES,
	MUTEX_A_FD_SENT_BYTES_PER_SEC_PEAK,
};

static void *monitor_thread(void *arg)
{
	int nl = nl_socket(0);
	struct sum prev = { 0 }, cur, fprev[LONG_CTXS], fcur;
	int first = 1;

	(void)arg;
	memset(fprev, 0, sizeof(fprev));
	while (!atomic_load(&stop_all)) {
		if (stats_get(nl, &cur))
			FAIL("stats-get failed");
		for (size_t i = 0; !first && i < sizeof(monotonic_stats) / sizeof(int); i++)
			if (cur.v[monotonic_stats[i]] < prev.v[monotonic_stats[i]])
				FAIL("global attr %d went backwards: %llu -> %llu", monotonic_stats[i],
				     (unsigned long long)prev.v[monotonic_stats[i]],
				     (unsigned long long)cur.v[monotonic_stats[i]]);
		if (!first && cur.v[MUTEX_A_STATS_INSTANCE_ID] != prev.v[MUTEX_A_STATS_INSTANCE_ID])
			FAIL("instance id changed");
		for (int c = 0; c < LONG_CTXS; c++) {
			struct nlmsg *m = mreq(MUTEX_CMD_FD_GET, 0);

			msg_put_u32(m, MUTEX_A_FD_ID, long_id[c]);
			memset(&fcur, 0, sizeof(fcur));
			if (nl_request(nl, m, MUTEX_A_FD_MAX, count_cb, &fcur))
				FAIL("fd-get %d", long_id[c]);
			for (size_t i = 0; !first && i < sizeof(monotonic_fd) / sizeof(int); i++)
				if (fcur.v[monotonic_fd[i]] < fprev[c].v[monotonic_fd[i]])
					FAIL("fd %d attr %d went backwards", long_id[c], monotonic_fd[i]);
			fprev[c] = fcur;
		}
		prev = cur;
		first = 0;
		atomic_fetch_add(&samples_taken, 1);
		usleep(20000);
	}
	close(nl);
	return NULL;
}

static int cmd_stress(int secs)
{
	static const char *const long_sel[LONG_CTXS] = {
		"name=long-udp-a scope=all proto=udp port=41000-41099",
		"name=long-udp-b scope=all proto=udp port=41100-41199",
		"name=long-tcp scope=all proto=tcp",
		"name=long-pid proto=udp port=41000-41199",	/* this process: wins over the two above */
	};
	pthread_t th[32];
	int n = 0, nl, ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct sum g, live;
	uint64_t exp;

	fresh_netns();	/* global counters start at zero here */
	/* Ephemeral ports clear of every port a selector below names. */
	set_port_range("20000 29999");
	nl = nl_socket(0);
	if (nl_resolve(nl))
		die("the mutex family is not registered");
	start_opener();	/* first: it must not inherit the long-lived contexts */
	for (int i = 0; i < LONG_CTXS; i++) {
		long_fd[i] = dev_open(long_sel[i]);
		long_id[i] = ctx_id(long_fd[i]);
	}
	for (long i = 0; i < ncpu; i++)
		pthread_create(&th[n++], NULL, traffic_thread, (void *)(i + 1));
	for (long i = 0; i < 2; i++)
		pthread_create(&th[n++], NULL, tcp_thread, (void *)i);
	for (long i = 0; i < 2; i++)
		pthread_create(&th[n++], NULL, dump_thread, (void *)(i + 100));
	for (long i = 0; i < ncpu; i++)
		pthread_create(&th[n++], NULL, churn_thread, (void *)i);
	pthread_create(&th[n++], NULL, thresholds_thread, (void *)200);
	pthread_create(&th[n++], NULL, monitor_thread, NULL);
	sleep(secs);
	atomic_store(&stop_all, 1);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	usleep(300000);	/* the last datagrams reach LOCAL_IN */
	close(opener_sock);
	wait(NULL);

	/* Global = live contexts + those destroyed (exactly known here). */
	if (stats_get(nl, &g) || fd_sum(nl, &live))
		FAIL("final reads");
	printf("stress: %d s on %d CPUs: %llu packets/connections sent, %llu dumps (%llu interrupted and retried), "
	       "%llu threshold changes, %llu contexts churned, %llu samples checked for monotonicity\n",
	       secs, ncpu, (unsigned long long)traffic_pkts, (unsigned long long)dumps_done,
	       (unsigned long long)dumps_intr, (unsigned long long)thr_changes,
	       (unsigned long long)churn_count, (unsigned long long)samples_taken);
	exp = live.v[MUTEX_A_FD_BYTES_SENT] + churn_bytes;
	printf("stress: %llu churn datagrams dropped by lo's backlog (counted as such)\n",
	       (unsigned long long)churn_lost);
	printf("stress: bytes sent global %llu = live fds %llu + closed fds %llu: %s\n",
	       (unsigned long long)g.v[MUTEX_A_STATS_BYTES_SENT],
	       (unsigned long long)live.v[MUTEX_A_FD_BYTES_SENT], (unsigned long long)churn_bytes,
	       g.v[MUTEX_A_STATS_BYTES_SENT] == exp ? "equal" : "DIFFERENT");
#define SAME(gattr, fattr, extra) \
	if (g.v[gattr] != live.v[fattr] + (extra)) \
		FAIL(#gattr ": global %llu != sum over fds %llu + closed %llu", (unsigned long long)g.v[gattr], \
		     (unsigned long long)live.v[fattr], (unsigned long long)(extra))
	SAME(MUTEX_A_STATS_BYTES_SENT, MUTEX_A_FD_BYTES_SENT, churn_bytes);
	SAME(MUTEX_A_STATS_BYTES_RECEIVED, MUTEX_A_FD_BYTES_RECEIVED, churn_rx_bytes);
	SAME(MUTEX_A_STATS_PACKETS_SENT, MUTEX_A_FD_PACKETS_SENT, churn_packets);
	SAME(MUTEX_A_STATS_PACKETS_RECEIVED, MUTEX_A_FD_PACKETS_RECEIVED, churn_rx_packets);
	SAME(MUTEX_A_STATS_CONNS_TOTAL, MUTEX_A_FD_CONNS_TOTAL, churn_conns);
	/* conns-open and flows-tracked are gauges the GC moves between two reads: checked at 0 below. */
	if (g.v[MUTEX_A_STATS_FDS_TOTAL] != LONG_CTXS + churn_count || live.n != LONG_CTXS)
		FAIL("fds total %llu, expected %llu; live %ld", (unsigned long long)g.v[MUTEX_A_STATS_FDS_TOTAL],
		     (unsigned long long)(LONG_CTXS + churn_count), live.n);
	/* Closing the long-lived ones moves their totals, never loses them. */
	for (int i = 0; i < LONG_CTXS; i++)
		close(long_fd[i]);
	{
		struct sum g2;

		stats_get(nl, &g2);
		for (size_t i = 0; i < sizeof(monotonic_stats) / sizeof(int); i++)
			if (g2.v[monotonic_stats[i]] < g.v[monotonic_stats[i]])
				FAIL("attr %d went backwards when the contexts closed", monotonic_stats[i]);
		if (g2.v[MUTEX_A_STATS_FDS_ACTIVE] || g2.v[MUTEX_A_STATS_FLOWS_TRACKED] ||
		    g2.v[MUTEX_A_STATS_CONNS_OPEN])
			FAIL("contexts, flows or open connections left: %llu/%llu/%llu",
			     (unsigned long long)g2.v[MUTEX_A_STATS_FDS_ACTIVE],
			     (unsigned long long)g2.v[MUTEX_A_STATS_FLOWS_TRACKED],
			     (unsigned long long)g2.v[MUTEX_A_STATS_CONNS_OPEN]);
	}
	close(nl);
	return 0;
}

/* ------------------------------------------ privilege and isolation */

static int expect_err(int nl, struct nlmsg *m, int want, const char *what)
{
	int err = nl_request(nl, m, 0, NULL, NULL);

	if (err != want) {
		FAIL("%s: got %d (%s), expected %d", what, err, strerror(-err), want);
		return 1;
	}
	return 0;
}

static void write_file(const char *path, const char *text)
{
	int f = open(path, O_WRONLY);

	if (f < 0 || write(f, text, strlen(text)) < 0)
		die("%s: %s", path, strerror(errno));
	close(f);
}

/* Runs fn in a child; returns its exit status (0: all its checks passed). */
static int in_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		fn(arg);
		_exit(atomic_load(&failures) ? 1 : 0);
	}
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		atomic_fetch_add(&failures, 1);
		return 1;
	}
	return 0;
}

static int as_nobody(void *arg)
{
	int nl, g, id = *(int *)arg;
	struct sum s;
	struct nlmsg *m;

	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		die("drop privileges: %s", strerror(errno));
	nl = nl_socket(0);
	if (nl_resolve(nl))
		die("resolve as nobody");
	/* Reads are for everyone. */
	if (stats_get(nl, &s) || !s.v[MUTEX_A_STATS_FDS_ACTIVE])
		FAIL("nobody cannot read the statistics");
	if (fd_sum(nl, &s) || s.n < 1)
		FAIL("nobody cannot dump contexts");
	m = mreq(MUTEX_CMD_THRESHOLDS_GET, 0);
	msg_put_u32(m, MUTEX_A_THRESHOLDS_FD_ID, id);
	expect_err(nl, m, 0, "thresholds-get as nobody");
	if (open("/proc/mutex/stats", O_RDONLY) < 0)
		FAIL("nobody cannot read /proc/mutex/stats");
	/* Changes are not. */
	m = mreq(MUTEX_CMD_THRESHOLDS_SET, 0);
	msg_put_u32(m, MUTEX_A_THRESHOLDS_CONN_RATE, 5);
	expect_err(nl, m, -EPERM, "global thresholds-set as nobody");
	m = mreq(MUTEX_CMD_THRESHOLDS_SET, 0);
	msg_put_u32(m, MUTEX_A_THRESHOLDS_FD_ID, id);
	msg_put(m, MUTEX_A_THRESHOLDS_RESET, NULL, 0);
	expect_err(nl, m, -EPERM, "per-fd thresholds-set as nobody");
	expect_err(nl, mreq(MUTEX_CMD_ALERT_CLEAR, 0), -EPERM, "alert-clear as nobody");
	if (open("/dev/mutex", O_RDWR) >= 0 || errno != EPERM)
		FAIL("nobody opened /dev/mutex (%s)", strerror(errno));
	if (open("/dev/mutex", O_RDONLY) >= 0 || errno != EPERM)
		FAIL("nobody opened /dev/mutex read-only (%s)", strerror(errno));
	/* The only group carries what alert-get shows anyone: not privileged. */
	g = mutex_alerts_group;
	if (setsockopt(nl, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)))
		FAIL("nobody cannot follow alerts: %s", strerror(errno));
	printf("priv: nobody reads stats, contexts, thresholds and follows alerts; "
	       "thresholds-set, alert-clear and /dev/mutex give EPERM\n");
	return 0;
}

/*
 * The guest runs us chrooted, and a chrooted process may not create a user
 * namespace: move to the real root of the mount namespace (init's).
 */
static void unchroot(void)
{
	if (chroot("/proc/1/root") || chdir("/"))
		die("leaving the chroot: %s", strerror(errno));
}

/* A user namespace over the init netns: root there is nobody here. */
static int userns_only(void *arg)
{
	int nl;
	struct nlmsg *m;

	(void)arg;
	unchroot();
	if (setgid(65534) || setuid(65534) || unshare(CLONE_NEWUSER))
		die("userns: %s", strerror(errno));
	nl = nl_socket(0);
	nl_resolve(nl);
	m = mreq(MUTEX_CMD_THRESHOLDS_SET, 0);
	msg_put_u32(m, MUTEX_A_THRESHOLDS_CONN_RATE, 5);
	expect_err(nl, m, -EPERM, "thresholds-set from a userns over the init netns");
	expect_err(nl, mreq(MUTEX_CMD_ALERT_CLEAR, 0), -EPERM, "alert-clear from a userns over the init netns");
	if (open("/dev/mutex", O_RDWR) >= 0 || errno != EPERM)
		FAIL("userns root opened /dev/mutex for the init netns (%s)", strerror(errno));
	printf("priv: root of a user namespace sharing the init netns gets EPERM for changes and /dev/mutex\n");
	return 0;
}

struct iso {
	int init_ctx, init_port;
	uint64_t init_flow;
};

static void port_cb(int cmd, const struct nlattr *tb[], int max, void *arg)
{
	int *hits = arg;

	(void)cmd; (void)max;
	if (nla_u64(tb[MUTEX_A_CONN_LOCAL_PORT]) == (uint64_t)hits[1] ||
	    nla_u64(tb[MUTEX_A_CONN_REMOTE_PORT]) == (uint64_t)hits[1])
		hits[0]++;
	hits[2]++;
}

static void flow_id_cb(int cmd, const struct nlattr *tb[], int max, void *arg)
{
	uint64_t *id = arg;

	(void)cmd; (void)max;
	*id = nla_u64(tb[MUTEX_A_CONN_ID]);
}

/* Another netns, owned by a user namespace of an unprivileged user. */
static int other_netns(void *arg)
{
	struct iso *iso = arg;
	int nl, fd, hits[3] = { 0, iso->init_port, 0 }, mine;
	struct sum s, init_thr = { 0 }, thr = { 0 };
	struct nlmsg *m;
	char map[64];

	unchroot();
	if (setgid(65534) || setuid(65534))
		die("drop privileges: %s", strerror(errno));
	prctl(PR_SET_DUMPABLE, 1);	/* setuid cleared it: /proc/self would stay root's */
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		die("userns+netns: %s", strerror(errno));
	write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 65534 1");
	write_file("/proc/self/uid_map", map);
	write_file("/proc/self/gid_map", map);
	lo_up();
	nl = nl_socket(0);
	nl_resolve(nl);

	/* None of the init netns' contexts or flows. */
	if (stats_get(nl, &s))
		FAIL("stats-get in another netns");
	if (s.v[MUTEX_A_STATS_FDS_ACTIVE] || s.v[MUTEX_A_STATS_FLOWS_TRACKED] || s.v[MUTEX_A_STATS_BYTES_SENT])
		FAIL("another netns sees %llu contexts, %llu flows, %llu bytes",
		     (unsigned long long)s.v[MUTEX_A_STATS_FDS_ACTIVE],
		     (unsigned long long)s.v[MUTEX_A_STATS_FLOWS_TRACKED],
		     (unsigned long long)s.v[MUTEX_A_STATS_BYTES_SENT]);
	if (fd_sum(nl, &s) || s.n)
		FAIL("another netns dumps %ld contexts", s.n);
	nl_request(nl, mreq(MUTEX_CMD_CONN_GET, NLM_F_DUMP), MUTEX_A_CONN_MAX, port_cb, hits);
	if (hits[2])
		FAIL("another netns dumps %d flows", hits[2]);
	m = mreq(MUTEX_CMD_FD_GET, 0);
	msg_put_u32(m, MUTEX_A_FD_ID, iso->init_ctx);
	expect_err(nl, m, -ENOENT, "fd-get of the init netns' context");
	m = mreq(MUTEX_CMD_CONN_GET, 0);
	msg_put_u64(m, MUTEX_A_CONN_ID, iso->init_flow);
	expect_err(nl, m, -ENOENT, "conn-get of the init netns' flow");
	m = mreq(MUTEX_CMD_THRESHOLDS_SET, 0);
	msg_put_u32(m, MUTEX_A_THRESHOLDS_FD_ID, iso->init_ctx);
	msg_put_u32(m, MUTEX_A_THRESHOLDS_CONN_RATE, 3);
	expect_err(nl, m, -ENOENT, "thresholds-set on the init netns' context");

	/* Root of its own user namespace manages its own netns, and only it. */
	fd = dev_open("name=userns scope=all proto=udp port=47555");
	if (fd < 0)
		FAIL("userns root cannot open /dev/mutex in its own netns: %s", strerror(errno));
	mine = ctx_id(fd);
	udp_burst(47555, 1, 5, 10);
	if (fd_sum(nl, &s) || s.n != 1 || s.v[MUTEX_A_FD_PACKETS_SENT] != 5)
		FAIL("own netns: %ld contexts, %llu packets", s.n, (unsigned long long)s.v[MUTEX_A_FD_PACKETS_SENT]);
	m = mreq(MUTEX_CMD_THRESHOLDS_SET, 0);
	msg_put_u32(m, MUTEX_A_THRESHOLDS_CONN_RATE, 7);
	expect_err(nl, m, 0, "thresholds-set in its own netns");
	nl_request(nl, mreq(MUTEX_CMD_THRESHOLDS_GET, 0), MUTEX_A_THRESHOLDS_MAX, count_cb, &thr);
	if (thr.v[MUTEX_A_THRESHOLDS_CONN_RATE] != 7)
		FAIL("own netns threshold not set");
	(void)init_thr;
	printf("priv: another netns sees 0 of the init netns' contexts and flows; its userns root "
	       "created context %d and set its own thresholds\n", mine);
	return 0;
}

static int cmd_priv(void)
{
	int nl = nl_socket(0), fd, hits[3] = { 0 }, g;
	struct iso iso = { 0 };
	struct sum thr = { 0 }, s;
	uint64_t conn_rate;
	struct nlmsg *m;

	if (nl_resolve(nl))
		die("the mutex family is not registered");
	g = mutex_alerts_group;
	(void)g;
	fd = dev_open("name=priv scope=all proto=udp port=47444");
	iso.init_ctx = ctx_id(fd);
	iso.init_port = 47444;
	udp_burst(47444, 1, 3, 10);
	m = mreq(MUTEX_CMD_CONN_GET, NLM_F_DUMP);
	msg_put_u32(m, MUTEX_A_CONN_FD_ID, iso.init_ctx);
	nl_request(nl, m, MUTEX_A_CONN_MAX, flow_id_cb, &iso.init_flow);
	if (!iso.init_flow)
		FAIL("no flow for the priv context");
	nl_request(nl, mreq(MUTEX_CMD_THRESHOLDS_GET, 0), MUTEX_A_THRESHOLDS_MAX, count_cb, &thr);
	conn_rate = thr.v[MUTEX_A_THRESHOLDS_CONN_RATE];
	memset(&thr, 0, sizeof(thr));

	in_child(as_nobody, &iso.init_ctx);
	in_child(userns_only, NULL);
	in_child(other_netns, &iso);

	/* Nothing the others did changed this netns. */
	nl_request(nl, mreq(MUTEX_CMD_THRESHOLDS_GET, 0), MUTEX_A_THRESHOLDS_MAX, count_cb, &thr);
	if (thr.v[MUTEX_A_THRESHOLDS_CONN_RATE] != conn_rate)
		FAIL("init netns conn-rate threshold is %llu, was %llu",
		     (unsigned long long)thr.v[MUTEX_A_THRESHOLDS_CONN_RATE], (unsigned long long)conn_rate);
	hits[1] = 47555;
	nl_request(nl, mreq(MUTEX_CMD_CONN_GET, NLM_F_DUMP), MUTEX_A_CONN_MAX, port_cb, hits);
	if (hits[0])
		FAIL("the init netns dumps %d flows of the other netns", hits[0]);
	(void)s;
	printf("priv: init netns unchanged (conn-rate %llu), none of the other netns' flows among its %d\n",
	       (unsigned long long)thr.v[MUTEX_A_THRESHOLDS_CONN_RATE], hits[2]);
	close(fd);
	close(nl);
	return 0;
}

/* ------------------------------------------------ malformed packets */

/*
 * Root of a user namespace has CAP_NET_RAW in its own netns, and may open
 * /dev/mutex there: any packet it can craft reaches the hooks with a context
 * to match.  Templates (TCP, UDP, ICMP echo, ICMP errors quoting a packet)
 * are mutated: header lengths, fragment fields, protocols, truncation.
 */
static size_t build_v4(uint8_t *p, size_t cap)
{
	static const uint8_t protos[] = { 6, 17, 1, 136, 0, 58, 255 };
	size_t len = 20, l4;
	int proto = protos[rnd(sizeof(protos))], inner = 0;

	memset(p, 0, cap < 200 ? cap : 200);
	p[0] = 0x45;
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, (uint8_t[]){ 127, 0, 0, 1 + rnd(3) }, 4);
	memcpy(p + 16, (uint8_t[]){ 127, 0, 0, 1 + rnd(3) }, 4);
	if (proto == 1 && rnd(2)) {	/* an ICMP error quoting a packet */
		p[20] = rnd(2) ? 3 : 11;
		p[21] = rnd(16);
		inner = 1;
		len = 28;
		p[len] = 0x45;
		p[len + 9] = rnd(2) ? 6 : 17;
		memcpy(p + len + 12, p + 16, 4);
		memcpy(p + len + 16, p + 12, 4);
		len += 20;
	}
	l4 = len;
	p[l4] = rnd(256);
	p[l4 + 1] = rnd(256);
	p[l4 + 2] = rnd(256);
	p[l4 + 3] = rnd(256);
	if (!inner && proto == 1)
		p[l4] = rnd(2) ? 8 : 0;	/* echo request/reply */
	if (proto == 6 || (inner && p[28 + 9] == 6))
		p[l4 + 13] = rnd(256);	/* TCP flags */
	len = l4 + (rnd(4) ? 20 : rnd(8));
	/* Mutations. */
	for (int i = rnd(4); i > 0; i--) {
		switch (rnd(6)) {
		case 0: p[0] = (p[0] & 0xf0) | rnd(16); break;		/* IHL */
		case 1: p[6] = rnd(256); p[7] = rnd(256); break;	/* frag */
		case 2: p[rnd(len)] = rnd(256); break;
		case 3: len = 20 + rnd(len - 19); break;		/* truncated */
		case 4: if (inner) p[28] = (p[28] & 0xf0) | rnd(16); break;
		default: p[9] = rnd(256);
		}
	}
	if ((p[0] & 0x0f) * 4 > (int)len)
		p[0] = 0x45;	/* the raw socket refuses a header past the end */
	return len;
}

static size_t build_v6(uint8_t *p, size_t cap)
{
	static const uint8_t nexthdrs[] = { 6, 17, 58, 0, 43, 44, 60, 59, 1 };
	size_t len = 40;

	memset(p, 0, cap < 200 ? cap : 200);
	p[0] = 0x60;
	p[6] = nexthdrs[rnd(sizeof(nexthdrs))];
	p[7] = 64;
	p[23] = 1;	/* ::1 */
	p[39] = 1;
	if (p[6] == 0 || p[6] == 43 || p[6] == 44 || p[6] == 60) {	/* an extension header */
		p[40] = rnd(2) ? 6 : rnd(256);
		p[41] = rnd(3);
		if (p[6] == 44)
			p[42] = rnd(256), p[43] = rnd(256);
		len += 8 * (1 + p[41]);
	}
	if (p[6] == 58 && rnd(2)) {	/* ICMPv6 error quoting a packet */
		p[len] = 1 + rnd(4);
		len += 8;
		p[len] = 0x60;
		p[len + 6] = rnd(2) ? 6 : 17;
		p[len + 23] = 1;
		p[len + 39] = 1;
		len += 40;
	}
	for (int i = 0; i < 20; i++)
		p[len + i] = rnd(256);
	len += rnd(4) ? 20 : rnd(8);
	for (int i = rnd(4); i > 0; i--) {
		switch (rnd(3)) {
		case 0: p[rnd(len)] = rnd(256); break;
		case 1: len = 40 + rnd(len - 39); break;
		default: p[6] = rnd(256);
		}
	}
	p[4] = (len - 40) >> 8;
	p[5] = (len - 40) & 0xff;
	return len;
}

static int cmd_pkt(long count, uint64_t seed)
{
	struct sockaddr_in to4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 to6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int r4, r6, nl, fd, one = 1;
	uint8_t pkt[600];
	long sent4 = 0, sent6 = 0, refused = 0;
	double t0 = now_s();

	rnd_seed(seed);
	fresh_netns();
	nl = nl_socket(0);
	if (nl_resolve(nl))
		die("the mutex family is not registered");
	fd = dev_open("name=pkt scope=all");
	r4 = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	r6 = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (r4 < 0 || r6 < 0)
		die("raw sockets: %s", strerror(errno));
	setsockopt(r4, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one));
	for (long i = 0; i < count; i++) {
		size_t len;

		if (rnd(3)) {
			len = build_v4(pkt, sizeof(pkt));
			if (sendto(r4, pkt, len, MSG_DONTWAIT, (struct sockaddr *)&to4, sizeof(to4)) >= 0)
				sent4++;
			else
				refused++;
		} else {
			len = build_v6(pkt, sizeof(pkt));
			if (sendto(r6, pkt, len, MSG_DONTWAIT, (struct sockaddr *)&to6, sizeof(to6)) >= 0)
				sent6++;
			else
				refused++;
		}
	}
	usleep(200000);
	printf("pkt: %ld malformed packets in %.1f s (%ld IPv4, %ld IPv6 sent, %ld refused by the stack)\n",
	       count, now_s() - t0, sent4, sent6, refused);
	check_answers("after pkt");
	close(fd);
	return 0;
}

/* ------------------------------------------------- resource bounds */

static long meminfo_kb(const char *key)
{
	char line[256];
	FILE *f = fopen("/proc/meminfo", "r");
	long v = -1;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			v = atol(line + strlen(key) + 1);
	if (f)
		fclose(f);
	return v;
}

static int set_param(const char *name, long v)
{
	char path[128], text[32];
	int f;

	snprintf(path, sizeof(path), "/sys/module/mutex/parameters/%s", name);
	snprintf(text, sizeof(text), "%ld", v);
	f = open(path, O_WRONLY);
	if (f < 0 || write(f, text, strlen(text)) < 0) {
		printf("%s: %s\n", path, strerror(errno));
		if (f >= 0)
			close(f);
		return -1;
	}
	close(f);
	return 0;
}

/* count new UDP flows: distinct destinations 127.x.y.z:port from one socket. */
static void flood(long count)
{
	static struct sockaddr_in to[256];
	static struct mmsghdr msgs[256];
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	/* sendmmsg: a syscall per 256 flows, as system calls are dear under TCG. */
	for (long i = 0; i < count;) {
		int n = 0;

		for (; n < 256 && i < count; n++, i++) {
			to[n].sin_family = AF_INET;
			to[n].sin_addr.s_addr = htonl(0x7f000000 | (uint32_t)(1 + (i >> 10)));
			to[n].sin_port = htons(10000 + (i & 1023));
			memset(&msgs[n], 0, sizeof(msgs[n]));
			msgs[n].msg_hdr.msg_name = &to[n];
			msgs[n].msg_hdr.msg_namelen = sizeof(to[n]);
		}
		for (int done = 0; done < n;) {
			int r = sendmmsg(s, msgs + done, n - done, 0);

			if (r <= 0) {
				done++;	/* skip one that fails (e.g. a queued ICMP error) */
				continue;
			}
			done += r;
		}
	}
	close(s);
}

struct flood_result {
	struct sum s;
	long slab_kb;
};

/*
 * Floods a fresh netns from a child, which keeps its flows (its context
 * open) until *hold is closed; returns the child's pid.
 */
static pid_t flood_netns(long count, struct flood_result *out, int *hold)
{
	int p[2], h[2];
	pid_t pid;

	if (pipe(p) || pipe(h))
		die("pipe");
	pid = fork();
	if (pid == 0) {
		struct flood_result r = { 0 };
		int nl, fd;
		char c;

		close(p[0]);
		close(h[1]);
		fresh_netns();
		nl = nl_socket(0);
		nl_resolve(nl);
		fd = dev_open("name=flood scope=all proto=udp");
		flood(count);
		stats_get(nl, &r.s);
		r.slab_kb = meminfo_kb("Slab");
		if (write(p[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		if (read(h[0], &c, 1) < 0)
			_exit(1);
		close(fd);
		_exit(0);
	}
	close(p[1]);
	close(h[0]);
	if (read(p[0], out, sizeof(*out)) != sizeof(*out))
		FAIL("flood child died");
	close(p[0]);
	*hold = h[1];
	return pid;
}

static int cmd_flows(long count, long limit)
{
	struct flood_result a, b;
	int hold_a, hold_b;
	pid_t pa, pb;
	long slab0 = meminfo_kb("Slab"), avail0 = meminfo_kb("MemAvailable");
	double t0 = now_s();
	uint64_t tracked, untracked, mem;

	/* The global limit has room for two namespaces' worth; one fills only its share. */
	set_param("max_flows", 2 * limit);
	set_param("max_flows_per_netns", limit);
	set_param("timeout_udp", 36000);	/* no flow ends during a slow flood */
	pa = flood_netns(count, &a, &hold_a);
	tracked = a.s.v[MUTEX_A_STATS_FLOWS_TRACKED];
	untracked = a.s.v[MUTEX_A_STATS_FLOWS_UNTRACKED];
	mem = a.s.v[MUTEX_A_STATS_MEMORY_BYTES];
	printf("flows: %ld new flows in %.1f s into one netns with a limit of %ld: %llu tracked, %llu untracked packets, "
	       "flow table %llu KiB; slab %ld -> %ld KiB (+%ld), MemAvailable %ld KiB before\n",
	       count, now_s() - t0, limit, (unsigned long long)tracked, (unsigned long long)untracked,
	       (unsigned long long)mem / 1024, slab0, a.slab_kb, a.slab_kb - slab0, avail0);
	/* Each packet of a flow left out counts (no state is kept for it): out and in on lo. */
	if (tracked != (uint64_t)limit || untracked != 2 * (uint64_t)(count - limit))
		FAIL("tracked %llu + untracked %llu != %ld new flows, limit %ld", (unsigned long long)tracked,
		     (unsigned long long)untracked, count, limit);
	if (a.s.v[MUTEX_A_STATS_FLOW_LIMIT] != (uint64_t)limit)
		FAIL("flow-limit says %llu", (unsigned long long)a.s.v[MUTEX_A_STATS_FLOW_LIMIT]);
	/* ~0.5 KiB a flow with slub_debug's red zones and tracking; never count-proportional. */
	if (a.slab_kb - slab0 > limit / 2 + 16384)
		FAIL("slab grew by %ld KiB for %ld tracked flows", a.slab_kb - slab0, limit);

	/* A second netns is not starved by the first, which still holds its flows. */
	pb = flood_netns(limit / 2, &b, &hold_b);
	close(hold_a);
	close(hold_b);
	waitpid(pa, NULL, 0);
	waitpid(pb, NULL, 0);
	printf("flows: a second netns then tracks %llu of %ld new flows (untracked %llu)\n",
	       (unsigned long long)b.s.v[MUTEX_A_STATS_FLOWS_TRACKED], limit / 2,
	       (unsigned long long)b.s.v[MUTEX_A_STATS_FLOWS_UNTRACKED]);
	if (b.s.v[MUTEX_A_STATS_FLOWS_TRACKED] != (uint64_t)limit / 2)
		FAIL("second netns tracked %llu", (unsigned long long)b.s.v[MUTEX_A_STATS_FLOWS_TRACKED]);
	set_param("max_flows", 262144);
	set_param("max_flows_per_netns", 262144);
	set_param("timeout_udp", 60);
	return 0;
}

struct storm_listener {
	int fd;
	uint64_t got, gaps, last_seq;
};

static void *listen_thread(void *arg)
{
	struct storm_listener *l = arg;
	static uint8_t buf[NL_BUF];

	while (!atomic_load(&stop_all)) {
		struct pollfd p = { .fd = l->fd, .events = POLLIN };
		ssize_t n;
		struct nlmsghdr *h;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recv(l->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			continue;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			const struct nlattr *tb[MUTEX_A_ALERT_MAX + 1];
			uint64_t seq;

			if (h->nlmsg_type != mutex_family || nl_parse(h, tb, MUTEX_A_ALERT_MAX))
				continue;
			seq = nla_u64(tb[MUTEX_A_ALERT_SEQ]);
			if (l->last_seq && seq != l->last_seq + 1)
				l->gaps++;
			l->last_seq = seq;
			l->got++;
		}
	}
	return NULL;
}

static int cmd_storm(int secs, int nctx)
{
	int nl, *fds = calloc(nctx, sizeof(int)), g, ring = 0, rate = 0;
	struct storm_listener fast = { 0 }, slow = { 0 };
	struct sum before, after, alerts = { 0 };
	pthread_t lt;
	char path[128], text[32];
	double t0;
	FILE *f;

	fresh_netns();
	set_port_range("20000 29999");
	nl = nl_socket(0);
	if (nl_resolve(nl))
		die("the mutex family is not registered");
	f = fopen("/sys/module/mutex/parameters/alert_ring_size", "r");
	if (f && fscanf(f, "%d", &ring) != 1)
		ring = 0;
	if (f)
		fclose(f);
	f = fopen("/sys/module/mutex/parameters/alert_notify_rate", "r");
	if (f && fscanf(f, "%d", &rate) != 1)
		rate = 0;
	if (f)
		fclose(f);
	thresholds_set(nl, 0, MUTEX_A_THRESHOLDS_CONN_RATE, 1);
	thresholds_set(nl, 0, MUTEX_A_THRESHOLDS_INTERVAL_MS, 100);
	for (int i = 0; i < nctx; i++) {
		snprintf(path, sizeof(path), "name=storm%d scope=all proto=udp port=%d", i, 30000 + i);
		fds[i] = dev_open(path);
	}
	fast.fd = nl_socket(8 << 20);
	slow.fd = nl_socket(1);		/* never read: every notification to it fails */
	g = mutex_alerts_group;
	setsockopt(fast.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g));
	setsockopt(slow.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g));
	pthread_create(&lt, NULL, listen_thread, &fast);
	stats_get(nl, &before);
	t0 = now_s();
	/* Every context: >1 new flow a second for 2 s (raise), then quiet for 2 s (clear). */
	while (now_s() - t0 < secs) {
		double phase = now_s();

		while (now_s() - phase < 2)
			for (int i = 0; i < nctx; i++)
				udp_flows(30000 + i, 1);
		usleep(2200000);
	}
	usleep(1500000);
	atomic_store(&stop_all, 1);
	pthread_join(lt, NULL);
	stats_get(nl, &after);
	nl_request(nl, mreq(MUTEX_CMD_ALERT_GET, NLM_F_DUMP), MUTEX_A_ALERT_MAX, count_cb, &alerts);
	{
		uint64_t events = after.v[MUTEX_A_STATS_ALERTS_RAISED] + after.v[MUTEX_A_STATS_ALERTS_CLEARED] -
				  before.v[MUTEX_A_STATS_ALERTS_RAISED] - before.v[MUTEX_A_STATS_ALERTS_CLEARED];
		uint64_t dropped = after.v[MUTEX_A_STATS_ALERTS_NOTIFY_DROPPED] -
				   before.v[MUTEX_A_STATS_ALERTS_NOTIFY_DROPPED];
		double took = now_s() - t0;

		printf("storm: %d contexts, %.0f s: %llu alert events, ring holds %ld (size %d, %llu overwritten); "
		       "listener got %llu notifications (%llu gaps in seq), %llu counted as not delivered "
		       "(rate limit %d/s)\n",
		       nctx, took, (unsigned long long)events, alerts.n, ring,
		       (unsigned long long)after.v[MUTEX_A_STATS_ALERTS_OVERWRITTEN],
		       (unsigned long long)fast.got, (unsigned long long)fast.gaps,
		       (unsigned long long)dropped, rate);
		if (alerts.n > ring || (events > (uint64_t)ring && alerts.n != ring))
			FAIL("ring holds %ld of %llu events, size %d", alerts.n, (unsigned long long)events, ring);
		if (after.v[MUTEX_A_STATS_ALERTS_OVERWRITTEN] !=
		    (events > (uint64_t)ring ? events - ring : 0) + before.v[MUTEX_A_STATS_ALERTS_OVERWRITTEN])
			FAIL("overwritten %llu", (unsigned long long)after.v[MUTEX_A_STATS_ALERTS_OVERWRITTEN]);
		if (fast.got > (uint64_t)rate * (took + 2))
			FAIL("%llu notifications in %.0f s: not rate-limited", (unsigned long long)fast.got, took);
		if (fast.got + dropped < events)
			FAIL("losses not counted: %llu delivered + %llu dropped < %llu events",
			     (unsigned long long)fast.got, (unsigned long long)dropped, (unsigned long long)events);
		if (events > (uint64_t)rate * (took + 2) && !fast.gaps)
			FAIL("the listener saw no gap in the sequence numbers");
	}
	snprintf(text, sizeof(text), "%d", nctx);
	(void)text;
	for (int i = 0; i < nctx; i++)
		close(fds[i]);
	close(fast.fd);
	close(slow.fd);
	close(nl);
	return 0;
}

/* ----------------------------------------------------- unload load */

/*
 * Load for the unload test: traffic, dumps (some abandoned), followers
 * and open contexts for phase1 s, then the contexts close and the rest goes
 * on for phase2 s while the module is removed underneath.
 */
static int cmd_load(int phase1, int phase2)
{
	pthread_t th[8];
	int n = 0, fds[8], nl, follower, g, proc;

	/* Its own netns: its TIME_WAIT sockets go with it, not into the slab figures. */
	fresh_netns();
	nl = nl_socket(0);
	if (nl_resolve(nl))
		die("the mutex family is not registered");
	for (int i = 0; i < 8; i++)
		fds[i] = dev_open(i % 2 ? "scope=all" : "scope=all proto=tcp");
	for (int i = 0; i < 8; i++)
		if (fds[i] < 0)
			die("load: open /dev/mutex: %s", strerror(errno));
	proc = open("/proc/mutex/stats", O_RDONLY);	/* held across the unload */
	if (proc < 0)
		die("/proc/mutex/stats: %s", strerror(errno));
	for (int i = 0; i < LONG_CTXS; i++)
		long_id[i] = ctx_id(fds[i]);
	follower = nl_socket(1 << 20);
	g = mutex_alerts_group;
	setsockopt(follower, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g));
	thresholds_set(nl, 0, MUTEX_A_THRESHOLDS_CONN_RATE, 1);
	thresholds_set(nl, 0, MUTEX_A_THRESHOLDS_INTERVAL_MS, 100);
	pthread_create(&th[n++], NULL, traffic_thread, (void *)1);
	pthread_create(&th[n++], NULL, tcp_thread, (void *)7);
	pthread_create(&th[n++], NULL, dump_thread, (void *)3);
	printf("load: contexts open\n");
	fflush(stdout);
	sleep(phase1);
	for (int i = 0; i < 8; i++)
		close(fds[i]);
	printf("load: contexts closed\n");
	fflush(stdout);
	/* Keep reading /proc/mutex/stats through the removal (EIO after it). */
	for (double end = now_s() + phase2; now_s() < end; usleep(20000)) {
		char buf[4096];

		if (pread(proc, buf, sizeof(buf), 0) < 0 && errno != EIO)
			printf("load: /proc/mutex/stats: %s\n", strerror(errno));
	}
	/* Errors are expected now: the family goes away underneath. */
	atomic_store(&failures, 0);
	_exit(0);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	long a = argc > 2 ? atol(argv[2]) : 0, b = argc > 3 ? atol(argv[3]) : 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(cmd, "nl"))
		cmd_nl(a ? a : 100000, b ? (uint64_t)b : (uint64_t)time(NULL));
	else if (!strcmp(cmd, "pkt"))
		cmd_pkt(a ? a : 100000, b ? (uint64_t)b : (uint64_t)time(NULL));
	else if (!strcmp(cmd, "dev"))
		cmd_dev(a ? a : 100000, b ? (uint64_t)b : (uint64_t)time(NULL));
	else if (!strcmp(cmd, "stress"))
		cmd_stress(a ? a : 60);
	else if (!strcmp(cmd, "priv"))
		cmd_priv();
	else if (!strcmp(cmd, "flows"))
		cmd_flows(a ? a : 1000000, b ? b : 20000);
	else if (!strcmp(cmd, "storm"))
		cmd_storm(a ? a : 12, b ? b : 300);
	else if (!strcmp(cmd, "load"))
		cmd_load(a ? a : 5, b ? b : 10);
	else
		die("usage: mutexfuzz nl|dev|pkt|stress|priv|flows|storm|load ARGS (see the source)");
	if (atomic_load(&failures)) {
		printf("%s: %d check(s) FAILED\n", cmd, atomic_load(&failures));
		return 1;
	}
	printf("%s: all checks passed\n", cmd);
	return 0;
}
