// SPDX-License-Identifier: GPL-2.0
/*
 * The state of a network namespace: made when the namespace first needs it
 * (a context, a threshold), charged to that task's memory cgroup, and kept
 * until the namespace goes, so its counters never restart.  Its workers run
 * only while it has a context.
 */
#include <linux/percpu.h>
#include <linux/slab.h>

#include "mutex.h"

static void mutex_net_free(struct mutex_net *mn)
{
	mutex_hooks_unregister(mn);
	cancel_delayed_work_sync(&mn->rate_work);
	mutex_alerts_net_exit(mn);
	free_percpu(mn->pcpu);
	kfree(mn);
}

/* Caller holds mutex_ctx_lock (which makes the state once). */
struct mutex_net *mutex_pernet_create(struct net *net)
{
	struct mutex_net_slot *slot = net_generic(net, mutex_net_id);
	struct mutex_net *mn = slot->mn;
	int cpu;

	lockdep_assert_held(&mutex_ctx_lock);
	if (mn)
		return mn;
	mn = kzalloc(sizeof(*mn), GFP_KERNEL_ACCOUNT);
	if (!mn)
		return NULL;
	mn->net = net;
	INIT_LIST_HEAD(&mn->ctxs);
	spin_lock_init(&mn->rates_lock);
	INIT_DEFERRABLE_WORK(&mn->rate_work, mutex_rate_work);
	mn->pcpu = alloc_percpu_gfp(struct mutex_net_pcpu, GFP_KERNEL_ACCOUNT);
	if (!mn->pcpu || mutex_alerts_net_init(mn)) {
		free_percpu(mn->pcpu);
		kfree(mn);
		return NULL;
	}
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(mn->pcpu, cpu)->syncp);
	/* Initialised before it is seen: pairs with mutex_pernet(). */
	smp_store_release(&slot->mn, mn);
	return mn;
}

/*
 * A context joined mn: the first one starts the namespace's workers and
 * gives it its share of the flow table.  Caller holds mutex_ctx_lock.
 */
void mutex_net_ctx_added(struct mutex_net *mn)
{
	WRITE_ONCE(mn->nr_ctx, mn->nr_ctx + 1);
	if (mn->nr_ctx > 1)
		return;
	atomic_inc(&mutex_active_netns);
	mutex_rates_start(mn);
	mutex_eval_start(mn);
	mutex_flow_gc_start();
}

/* The last context left: the workers stop at their next run. */
void mutex_net_ctx_removed(struct mutex_net *mn)
{
	WRITE_ONCE(mn->nr_ctx, mn->nr_ctx - 1);
	if (!mn->nr_ctx)
		atomic_dec(&mutex_active_netns);
}

/* Contexts hold a reference on their netns, so none is left here. */
static void __net_exit mutex_net_exit(struct net *net)
{
	struct mutex_net_slot *slot = net_generic(net, mutex_net_id);

	if (slot->mn)
		mutex_net_free(slot->mn);
	slot->mn = NULL;
}

static struct pernet_operations mutex_net_ops = {
	.exit	= mutex_net_exit,
	.id	= &mutex_net_id,
	.size	= sizeof(struct mutex_net_slot),
};

int __init mutex_netns_init(void)
{
	return register_pernet_subsys(&mutex_net_ops);
}

void mutex_netns_exit(void)
{
	unregister_pernet_subsys(&mutex_net_ops);
}
