// SPDX-License-Identifier: GPL-2.0
/*
 * mutexfuzz flows N LIMIT: N new UDP flows into one netns whose share of
 * the flow table is LIMIT: exactly LIMIT tracked, the rest counted, memory
 * bounded; a second netns is not starved by the first.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attacks.h"
#include "common.h"
#include "nl.h"
#include "util.h"

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

int cmd_flows(long count, long limit)
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
