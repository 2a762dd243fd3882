// SPDX-License-Identifier: GPL-2.0
/*
 * MUTEX statistics module: per-connection, per-context and global traffic
 * statistics published over the "mutex" generic netlink family.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/ktime.h>

#include "mutex.h"

u64 mutex_instance_id __read_mostly;
u64 mutex_load_time_ns __read_mostly;
unsigned int mutex_net_id __read_mostly;

static int __net_init mutex_net_init(struct net *net)
{
	struct mutex_net *mn = mutex_pernet(net);
	int cpu, err;

	mn->net = net;
	INIT_LIST_HEAD(&mn->ctxs);
	mn->pcpu = alloc_percpu(struct mutex_net_pcpu);
	if (!mn->pcpu)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(mn->pcpu, cpu)->syncp);
	atomic64_set(&mn->evicted, 0);

	err = mutex_alerts_net_init(mn);
	if (err)
		goto err_pcpu;
	err = mutex_hooks_net_init(net);
	if (err)
		goto err_alerts;
	mn->rates_stamp_ns = ktime_get_ns();
	INIT_DEFERRABLE_WORK(&mn->rate_work, mutex_rate_work);
	queue_delayed_work(system_power_efficient_wq, &mn->rate_work, HZ);
	return 0;

err_alerts:
	mutex_alerts_net_exit(mn);
err_pcpu:
	free_percpu(mn->pcpu);
	return err;
}

/* Contexts hold a reference on their netns, so none is left here. */
static void __net_exit mutex_net_exit(struct net *net)
{
	struct mutex_net *mn = mutex_pernet(net);

	mutex_hooks_net_exit(net);
	cancel_delayed_work_sync(&mn->rate_work);
	mutex_alerts_net_exit(mn);
	free_percpu(mn->pcpu);
}

static struct pernet_operations mutex_net_ops = {
	.init	= mutex_net_init,
	.exit	= mutex_net_exit,
	.id	= &mutex_net_id,
	.size	= sizeof(struct mutex_net),
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
	err = mutex_hooks_init();
	if (err)
		goto err_pernet;
	err = mutex_proc_init();
	if (err)
		goto err_hooks;
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
err_hooks:
	mutex_hooks_exit();
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
	mutex_hooks_exit();
	unregister_pernet_subsys(&mutex_net_ops);
	mutex_flow_exit();
}

module_init(mutex_module_init);
module_exit(mutex_module_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("MUTEX per-connection and per-context traffic statistics");
MODULE_AUTHOR("The mutexctl authors");
MODULE_ALIAS_GENL_FAMILY(MUTEX_FAMILY_NAME);
