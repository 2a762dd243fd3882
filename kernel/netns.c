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

/*
 * Switching the hooks and probes off waits a second after the last context
 * closed, so a program that opens and closes its only context in a loop does
 * not re-register them (and re-patch the tracepoint sites) each time.
 */
#define MUTEX_IDLE_DELAY	HZ

static void mutex_probes_idle(struct work_struct *work)
{
	mutex_lock(&mutex_ctx_lock);
	if (!atomic_read(&mutex_active_netns))
		mutex_probes_stop();
	mutex_unlock(&mutex_ctx_lock);
}

static DECLARE_DELAYED_WORK(probes_idle_work, mutex_probes_idle);

static void mutex_net_idle(struct work_struct *work)
{
	struct mutex_net *mn = container_of(to_delayed_work(work),
					    struct mutex_net, idle_work);

	mutex_lock(&mutex_ctx_lock);
	if (!mn->nr_ctx)
		mutex_hooks_unregister(mn);
	mutex_unlock(&mutex_ctx_lock);
}

static void mutex_net_free(struct mutex_net *mn)
{
	cancel_delayed_work_sync(&mn->idle_work);
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
	INIT_DELAYED_WORK(&mn->idle_work, mutex_net_idle);
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
 * A context joins mn.  The first one anywhere registers the tracepoint
 * probes; the first one in mn its netfilter hooks, starts its workers and
 * gives it its share of the flow table.  Until then, and a second after the
 * last one leaves, the module costs the packet path nothing.  Caller holds
 * mutex_ctx_lock.
 */
int mutex_net_ctx_added(struct mutex_net *mn)
{
	int err;

	if (!mn->nr_ctx) {
		err = mutex_probes_start();
		if (!err)
			err = mutex_hooks_register(mn);
		if (err) {
			if (!atomic_read(&mutex_active_netns))
				mod_delayed_work(system_wq, &probes_idle_work,
						 MUTEX_IDLE_DELAY);
			return err;
		}
	}
	WRITE_ONCE(mn->nr_ctx, mn->nr_ctx + 1);
	if (mn->nr_ctx > 1)
		return 0;
	atomic_inc(&mutex_active_netns);
	mutex_rates_start(mn);
	mutex_eval_start(mn);
	mutex_flow_gc_start();
	return 0;
}

/* The last context left: the workers stop at their next run. */
void mutex_net_ctx_removed(struct mutex_net *mn)
{
	WRITE_ONCE(mn->nr_ctx, mn->nr_ctx - 1);
	if (mn->nr_ctx)
		return;
	mod_delayed_work(system_wq, &mn->idle_work, MUTEX_IDLE_DELAY);
	if (atomic_dec_and_test(&mutex_active_netns))
		mod_delayed_work(system_wq, &probes_idle_work, MUTEX_IDLE_DELAY);
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
	cancel_delayed_work_sync(&probes_idle_work);
}
