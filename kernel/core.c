// SPDX-License-Identifier: GPL-2.0
/*
 * Module-wide state every other file may use, and nothing else: this file
 * calls none of the others.
 */
#include <linux/ktime.h>
#include <linux/random.h>

#include "mutex.h"

u64 mutex_instance_id __read_mostly;
u64 mutex_load_time_ns __read_mostly;
unsigned int mutex_net_id __read_mostly;	/* set by the pernet ops (netns.c) */
atomic_t mutex_active_netns = ATOMIC_INIT(0);

/* Serialises contexts, thresholds and the per-netns workers. */
DEFINE_MUTEX(mutex_ctx_lock);

/*
 * What every network namespace carries: one pointer.  The state behind it
 * is made when the namespace first needs it (netns.c).
 */
struct mutex_net *mutex_pernet(const struct net *net)
{
	struct mutex_net_slot *slot = net_generic(net, mutex_net_id);

	/* Pairs with the release in mutex_pernet_create(). */
	return smp_load_acquire(&slot->mn);
}

void mutex_core_init(void)
{
	mutex_instance_id = get_random_u64();
	mutex_load_time_ns = ktime_get_real_ns();
}
