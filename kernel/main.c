// SPDX-License-Identifier: GPL-2.0
/*
 * MUTEX statistics module: per-connection, per-context and global traffic
 * statistics published over the "mutex" generic netlink family.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "mutex.h"

u64 mutex_instance_id __read_mostly;
u64 mutex_load_time_ns __read_mostly;
atomic_t mutex_active_netns = ATOMIC_INIT(0);
static unsigned int mutex_net_id __read_mostly;

/*
 * What every network namespace carries: one pointer.  The state behind it
 * is made when the namespace first needs it (a context, a threshold) and
 * lives until the namespace goes: its counters never restart.
 */
struct mutex_net_slot {
	struct mutex_net *mn;
};

struct mutex_net *mutex_pernet(const struct net *net)
{
	struct mutex_net_slot *slot = net_generic(net, mutex_net_id);

	return smp_load_acquire(&slot->mn);
}

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

static int __init mutex_module_init(void)
{
	int err;

	mutex_instance_id = get_random_u64();
	mutex_load_time_ns = ktime_get_real_ns();

	err = mutex_flow_init();
	if (err)
		return err;
	err = register_pernet_subsys(&mutex_net_ops);
	if (err)
		goto err_flow;
	err = mutex_probes_init();
	if (err)
		goto err_pernet;
	err = mutex_proc_init();
	if (err)
		goto err_probes;
	err = mutex_netlink_init();
	if (err)
		goto err_proc;
	err = mutex_dev_init();
	if (err)
		goto err_netlink;

	pr_info("loaded, instance %016llx\n", mutex_instance_id);
	return 0;

err_netlink:
	mutex_netlink_exit();
err_proc:
	mutex_proc_exit();
err_probes:
	mutex_probes_exit();
err_pernet:
	unregister_pernet_subsys(&mutex_net_ops);
err_flow:
	mutex_flow_exit();
	return err;
}

/*
 * The misc device holds a module reference while any context is open, so
 * by now every context and flow is gone.
 */
static void __exit mutex_module_exit(void)
{
	mutex_dev_exit();
	mutex_netlink_exit();
	mutex_proc_exit();
	mutex_probes_exit();
	unregister_pernet_subsys(&mutex_net_ops);
	mutex_flow_exit();
}

module_init(mutex_module_init);
module_exit(mutex_module_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("MUTEX per-connection and per-context traffic statistics");
MODULE_AUTHOR("The mutexctl authors");
MODULE_ALIAS_GENL_FAMILY(MUTEX_FAMILY_NAME);
