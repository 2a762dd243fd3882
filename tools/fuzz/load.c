// SPDX-License-Identifier: GPL-2.0
/*
 * mutexfuzz load PHASE1 PHASE2: the background load of tools/fuzz/unload.sh,
 * made of the stress's threads (stress.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attacks.h"
#include "common.h"
#include "nl.h"
#include "stress.h"
#include "util.h"

/*
 * Load for the unload test: traffic, dumps (some abandoned), followers
 * and open contexts for phase1 s, then the contexts close and the rest goes
 * on for phase2 s while the module is removed underneath.
 */
int cmd_load(int phase1, int phase2)
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
