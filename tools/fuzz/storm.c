// SPDX-License-Identifier: GPL-2.0
/*
 * mutexfuzz storm SECS CTXS: CTXS contexts over a 1 conn/s threshold raise
 * and clear alerts for SECS seconds: the ring keeps its size and counts what
 * it overwrote, notifications are rate-limited and their losses counted.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attacks.h"
#include "common.h"
#include "nl.h"
#include "util.h"

/* Stops the listener (this file's own; stress.c has another). */
static atomic_int stop_all;

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

int cmd_storm(int secs, int nctx)
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
