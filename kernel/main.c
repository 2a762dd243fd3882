// SPDX-License-Identifier: GPL-2.0
/*
 * MUTEX statistics module: per-connection, per-context and global traffic
 * statistics published over the "mutex" generic netlink family.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/random.h>
#include <linux/timekeeping.h>

#include "mutex.h"

u64 mutex_instance_id __read_mostly;
u64 mutex_load_time_ns __read_mostly;

static int __init mutex_module_init(void)
{
	int err;

	mutex_instance_id = get_random_u64();
	mutex_load_time_ns = ktime_get_real_ns();

	err = mutex_proc_init();
	if (err)
		return err;
	err = mutex_netlink_init();
	if (err)
		goto err_proc;

	pr_info("loaded, instance %016llx\n", mutex_instance_id);
	return 0;

err_proc:
	mutex_proc_exit();
	return err;
}

static void __exit mutex_module_exit(void)
{
	mutex_netlink_exit();
	mutex_proc_exit();
}

module_init(mutex_module_init);
module_exit(mutex_module_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("MUTEX per-connection and per-context traffic statistics");
MODULE_AUTHOR("The mutexctl authors");
MODULE_ALIAS_GENL_FAMILY(MUTEX_FAMILY_NAME);
