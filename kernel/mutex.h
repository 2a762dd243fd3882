/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MUTEX statistics module: shared definitions.
 */
#ifndef _MUTEX_H
#define _MUTEX_H

#include <linux/types.h>
#include <net/net_namespace.h>

#include "mutex_nl_gen.h"

#define MUTEX_STATS_DECLARE(attr, field, type, name) type field;

/* One snapshot of the global statistics of a network namespace. */
struct mutex_stats {
	MUTEX_A_STATS_FOREACH(MUTEX_STATS_DECLARE)
};

extern u64 mutex_instance_id;
extern u64 mutex_load_time_ns;

void mutex_stats_snapshot(struct net *net, struct mutex_stats *s);

int mutex_netlink_init(void);
void mutex_netlink_exit(void);
int mutex_proc_init(void);
void mutex_proc_exit(void);

#endif /* _MUTEX_H */
