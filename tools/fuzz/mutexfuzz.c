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

#include "attacks.h"
#include "common.h"
#include "nl.h"
#include "util.h"

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
