/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What several attacks of mutexfuzz share (common.c): reading the module's
 * statistics and checking its answers, /dev/mutex contexts, traffic on lo,
 * network namespaces.  Above nl.c and util.c, below the attacks.
 */
#ifndef MUTEXFUZZ_COMMON_H
#define MUTEXFUZZ_COMMON_H

#include <stdint.h>

#include "nl.h"

/* Replies counted by drain() (and summed over the netlink fuzz workers). */
struct fuzz_stats {
	uint64_t sent, replies, errors, dumps_abandoned, socks_closed_mid_dump;
	uint64_t busy, eperm, einval, ok;
};

/* Reads what is queued without blocking; sometimes stops half-way. */
void drain(int fd, struct fuzz_stats *st, int *abandoned);

/* Sums of the u64/u32 attributes of the messages of a reply or dump. */
struct sum {
	uint64_t v[MUTEX_A_STATS_MAX + 1];
	long n;
	int fields[8];
	int nfields;
};

/* nl_attr_cb adding each message's attributes into a struct sum. */
void count_cb(int cmd, const struct nlattr *tb[], int max, void *arg);
/* Do the module's answers still make sense?  Returns the number of flaws. */
int check_answers(const char *when);
/* stats-get into s; 0 or -errno. */
int stats_get(int nl, struct sum *s);
/* The contexts' dump summed into s (retried while interrupted); 0 or -errno. */
int fd_sum(int nl, struct sum *s);
/* thresholds-set of one attribute (fd_id 0: global); 0 or -errno. */
int thresholds_set(int nl, uint32_t fd_id, int attr, uint64_t v);

/* Opens /dev/mutex and writes sel (if not NULL); the fd or -1. */
int dev_open(const char *sel);
/* The id of the context open on fd, or -1. */
int ctx_id(int fd);

/* per_port datagrams of size bytes to each of nports ports from first_port. */
void udp_burst(int first_port, int nports, int per_port, int size);
/* Many UDP flows: one source socket per flow, to a fixed port. */
void udp_flows(int port, int count);

/* Brings lo up in this netns. */
void lo_up(void);
/* Moves this process into a new netns with lo up. */
void fresh_netns(void);
/* Writes /proc/sys/net/ipv4/ip_local_port_range ("LOW HIGH"). */
void set_port_range(const char *range);

#endif
