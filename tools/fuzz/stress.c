// SPDX-License-Identifier: GPL-2.0
/*
 * mutexfuzz stress SECS: in a fresh netns, on every vCPU, parallel UDP and
 * TCP traffic, full and abandoned dumps, threshold changes and contexts that
 * live for one exact burst, for SECS seconds.  No counter goes backwards
 * meanwhile; afterwards global = live contexts + the closed ones, exactly.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attacks.h"
#include "common.h"
#include "nl.h"
#include "stress.h"
#include "util.h"

static atomic_int stop_all;
static int long_fd[LONG_CTXS];
int long_id[LONG_CTXS];
static atomic_ullong churn_bytes, churn_packets, churn_conns, churn_count;
static atomic_ullong churn_rx_bytes, churn_rx_packets, churn_lost;
static atomic_ullong dumps_done, dumps_intr, thr_changes, samples_taken, traffic_pkts;

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

/* UDP traffic to the long-lived contexts' ports, from many sources. */
void *traffic_thread(void *arg)
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
void *tcp_thread(void *arg)
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
void *dump_thread(void *arg)
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

int cmd_stress(int secs)
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
