// SPDX-License-Identifier: GPL-2.0
/*
 * MUTEX statistics module: per-connection, per-context and global traffic
 * statistics published over the "mutex" generic netlink family.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "mutex.h"

static int __init mutex_module_init(void)
{
	int err;

	mutex_core_init();
	err = mutex_flow_init();
	if (err)
		return err;
	err = mutex_netns_init();
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
	mutex_netns_exit();
	mutex_sk_cache_exit();
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
	/* Closed contexts and replaced selectors are freed by call_rcu(). */
	rcu_barrier();
	mutex_netlink_exit();
	mutex_proc_exit();
	mutex_probes_exit();
	mutex_netns_exit();
	mutex_sk_cache_exit();
	mutex_flow_exit();
}

module_init(mutex_module_init);
module_exit(mutex_module_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("MUTEX per-connection and per-context traffic statistics");
MODULE_AUTHOR("The mutexctl authors");
MODULE_VERSION("0.1.0");	/* = PACKAGE_VERSION of dkms.conf */
MODULE_ALIAS_GENL_FAMILY(MUTEX_FAMILY_NAME);
