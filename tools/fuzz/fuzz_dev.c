// SPDX-License-Identifier: GPL-2.0
/*
 * mutexfuzz dev N [SEED]: N abusive /dev/mutex operations (random and
 * mutated selectors, huge writes, unmapped buffers, odd reads and seeks,
 * mmap/ioctl/poll/dup), threads racing on one table of fds, fds shared over
 * fork and SCM_RIGHTS; documented selectors behave as documented and no
 * context leaks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attacks.h"
#include "common.h"
#include "nl.h"
#include "util.h"

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

int cmd_dev(long count, uint64_t seed)
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
