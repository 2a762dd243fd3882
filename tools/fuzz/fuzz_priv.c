// SPDX-License-Identifier: GPL-2.0
/*
 * mutexfuzz priv: privilege and network namespace isolation.  nobody may
 * read but not change; the root of a user namespace over the init netns gets
 * EPERM for changes and /dev/mutex; the root of a user namespace with its own
 * netns manages that netns only, and sees nothing of the init netns.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attacks.h"
#include "common.h"
#include "nl.h"
#include "util.h"

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

/* A user namespace over the init netns: root there is nobody here. */
static int userns_only(void *arg)
{
	int nl;
	struct nlmsg *m;

	(void)arg;
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

int cmd_priv(void)
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
