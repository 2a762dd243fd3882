// SPDX-License-Identifier: GPL-2.0
/*
 * What several attacks of mutexfuzz share (common.h): reading the module's
 * statistics and checking its answers, /dev/mutex contexts, traffic on lo,
 * network namespaces.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"
#include "util.h"

/* ----------------------------------------------------------- replies */


/* Reads what is queued without blocking; sometimes stops half-way. */
void drain(int fd, struct fuzz_stats *st, int *abandoned)
{
	static __thread uint8_t buf[NL_BUF];
	int limit = rnd(8) == 0 ? 1 + rnd(3) : 1 << 30;

	*abandoned = 0;
	for (int i = 0;; i++) {
		ssize_t n;
		struct nlmsghdr *h;

		if (i >= limit) {
			*abandoned = 1;
			st->dumps_abandoned++;
			return;
		}
		n = recv(fd, buf, rnd(50) ? sizeof(buf) : rnd(64), MSG_DONTWAIT);
		if (n < 0)
			return;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			st->replies++;
			if (h->nlmsg_type == NLMSG_ERROR) {
				int err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;

				if (!err)
					st->ok++;
				else
					st->errors++;
				if (err == -EBUSY)
					st->busy++;
				if (err == -EPERM)
					st->eperm++;
				if (err == -EINVAL || err == -ERANGE)
					st->einval++;
			}
		}
	}
}

/* --------------------------------------------- statistics and checks */

void count_cb(int cmd, const struct nlattr *tb[], int max, void *arg)
{
	struct sum *s = arg;

	(void)cmd;
	s->n++;
	for (int i = 0; i <= max && i <= MUTEX_A_STATS_MAX; i++)
		if (tb[i])
			s->v[i] += nla_u64(tb[i]);
}

int stats_get(int nl, struct sum *s)
{
	memset(s, 0, sizeof(*s));
	return nl_request(nl, mreq(MUTEX_CMD_STATS_GET, 0), MUTEX_A_STATS_MAX, count_cb, s);
}

int fd_sum(int nl, struct sum *s)
{
	int err;

	do {
		memset(s, 0, sizeof(*s));
		err = nl_request(nl, mreq(MUTEX_CMD_FD_GET, NLM_F_DUMP), MUTEX_A_FD_MAX, count_cb, s);
	} while (err == -EINTR);
	return err;
}

int thresholds_set(int nl, uint32_t fd_id, int attr, uint64_t v)
{
	struct nlmsg *m = mreq(MUTEX_CMD_THRESHOLDS_SET, 0);

	if (fd_id)
		msg_put_u32(m, MUTEX_A_THRESHOLDS_FD_ID, fd_id);
	if (attr == MUTEX_A_THRESHOLDS_LATENCY_US || attr == MUTEX_A_THRESHOLDS_BANDWIDTH_BPS)
		msg_put_u64(m, attr, v);
	else if (attr == MUTEX_A_THRESHOLDS_RESET)
		msg_put(m, attr, NULL, 0);
	else if (attr)
		msg_put_u32(m, attr, v);
	return nl_request(nl, m, 0, NULL, NULL);
}

/* Do the module's answers still make sense?  Returns the number of flaws. */
int check_answers(const char *when)
{
	int fd = nl_socket(0), err, bad = 0;
	struct sum stats = { 0 }, fds = { 0 }, conns = { 0 }, alerts = { 0 }, thr = { 0 };
	struct nlmsg *m;

	if (nl_resolve(fd)) {
		FAIL("%s: family not found", when);
		return 1;
	}
	err = nl_request(fd, mreq(MUTEX_CMD_STATS_GET, 0), MUTEX_A_STATS_MAX, count_cb, &stats);
	if (err || stats.n != 1 || !stats.v[MUTEX_A_STATS_INSTANCE_ID] ||
	    !stats.v[MUTEX_A_STATS_FLOW_BUCKETS]) {
		FAIL("%s: stats-get err %d n %ld", when, err, stats.n);
		bad++;
	}
	do {
		memset(&fds, 0, sizeof(fds));
		err = nl_request(fd, mreq(MUTEX_CMD_FD_GET, NLM_F_DUMP), MUTEX_A_FD_MAX, count_cb, &fds);
	} while (err == -EINTR);
	if (err || (uint64_t)fds.n != stats.v[MUTEX_A_STATS_FDS_ACTIVE]) {
		FAIL("%s: fd dump err %d: %ld contexts, stats say %llu", when, err, fds.n,
		     (unsigned long long)stats.v[MUTEX_A_STATS_FDS_ACTIVE]);
		bad++;
	}
	do {
		memset(&conns, 0, sizeof(conns));
		err = nl_request(fd, mreq(MUTEX_CMD_CONN_GET, NLM_F_DUMP), MUTEX_A_CONN_MAX, count_cb, &conns);
	} while (err == -EINTR);
	if (err) {
		FAIL("%s: conn dump err %d", when, err);
		bad++;
	}
	err = nl_request(fd, mreq(MUTEX_CMD_ALERT_GET, NLM_F_DUMP), MUTEX_A_ALERT_MAX, count_cb, &alerts);
	if (err) {
		FAIL("%s: alert dump err %d", when, err);
		bad++;
	}
	{
		struct sum none = { 0 };

		/* Nothing follows the last possible sequence number (it used to wrap to "all"). */
		m = mreq(MUTEX_CMD_ALERT_GET, NLM_F_DUMP);
		msg_put_u64(m, MUTEX_A_ALERT_SINCE_SEQ, UINT64_MAX);
		err = nl_request(fd, m, MUTEX_A_ALERT_MAX, count_cb, &none);
		if (err || none.n) {
			FAIL("%s: alert dump since 2^64-1: err %d, %ld alerts", when, err, none.n);
			bad++;
		}
	}
	m = mreq(MUTEX_CMD_THRESHOLDS_GET, 0);
	err = nl_request(fd, m, MUTEX_A_THRESHOLDS_MAX, count_cb, &thr);
	if (err || thr.n != 1 || !thr.v[MUTEX_A_THRESHOLDS_INTERVAL_MS]) {
		FAIL("%s: thresholds-get err %d", when, err);
		bad++;
	}
	/* A clearly bad request gets a clean EINVAL/ERANGE, not a crash. */
	m = mreq(MUTEX_CMD_THRESHOLDS_SET, 0);
	msg_put_u32(m, MUTEX_A_THRESHOLDS_INTERVAL_MS, 5);
	err = nl_request(fd, m, 0, NULL, NULL);
	if (err != -ERANGE && err != -EINVAL && err != -EPERM) {
		FAIL("%s: out-of-range interval answered %d", when, err);
		bad++;
	}
	m = mreq(MUTEX_CMD_FD_GET, 0);
	msg_put_u32(m, MUTEX_A_FD_ID, 0x7ffffff0);
	err = nl_request(fd, m, 0, NULL, NULL);
	if (err != -ENOENT) {
		FAIL("%s: fd-get of a missing id answered %d", when, err);
		bad++;
	}
	printf("%s: stats ok, %ld contexts, %ld flows, %ld alerts dumped\n", when,
	       fds.n, conns.n, alerts.n);
	close(fd);
	return bad;
}

/* -------------------------------------------------------- /dev/mutex */

int dev_open(const char *sel)
{
	int fd = open("/dev/mutex", O_RDWR | O_CLOEXEC);

	if (fd >= 0 && sel && write(fd, sel, strlen(sel)) != (ssize_t)strlen(sel))
		FAIL("selector '%s' refused: %s", sel, strerror(errno));
	return fd;
}

int ctx_id(int fd)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strncmp(buf, "id ", 3) ? -1 : atoi(buf + 3);
}

/* ----------------------------------------------------- traffic on lo */

void udp_burst(int first_port, int nports, int per_port, int size)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char payload[1500] = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	for (int p = 0; p < nports; p++)
		for (int i = 0; i < per_port; i++) {
			to.sin_port = htons(first_port + p);
			sendto(s, payload, size, 0, (struct sockaddr *)&to, sizeof(to));
		}
	close(s);
}

/* Many UDP flows: one source socket per flow, to a fixed port. */
void udp_flows(int port, int count)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				  .sin_port = htons(port) };

	for (int i = 0; i < count; i++) {
		int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		sendto(s, "f", 1, 0, (struct sockaddr *)&to, sizeof(to));
		close(s);
	}
}

/* ------------------------------------------------ network namespaces */

void lo_up(void)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	strcpy(ifr.ifr_name, "lo");
	ioctl(s, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr))
		die("lo up: %s", strerror(errno));
	close(s);
}

void fresh_netns(void)
{
	if (unshare(CLONE_NEWNET))
		die("unshare(CLONE_NEWNET): %s", strerror(errno));
	lo_up();
}

void set_port_range(const char *range)
{
	int f = open("/proc/sys/net/ipv4/ip_local_port_range", O_WRONLY);

	if (f < 0 || write(f, range, strlen(range)) < 0)
		die("ip_local_port_range: %s", strerror(errno));
	close(f);
}
