// SPDX-License-Identifier: GPL-2.0
/*
 * What kernel/compat.h cannot do inline.  Before 5.17: which segment a
 * TIME_WAIT socket took last, on each CPU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/percpu.h>

#include "mutex.h"

#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 17, 0)
/*
 * Compared with a freed packet, never dereferenced.  The free follows
 * tcp_timewait_state_process() in the same softirq on the same CPU.
 */
static DEFINE_PER_CPU(const struct sk_buff *, time_wait_skb);

/* tcp_timewait_state_process(tw, skb, th) */
static int time_wait_seen(struct kprobe *kp, struct pt_regs *regs)
{
	this_cpu_write(time_wait_skb,
		       (const struct sk_buff *)regs_get_kernel_argument(regs, 1));
	return 0;
}

static struct kprobe time_wait_kprobe = {
	.symbol_name = "tcp_timewait_state_process",
	.pre_handler = time_wait_seen,
};

static bool time_wait_probed;

/* Was skb, freed now, the segment a TIME_WAIT socket took last here? */
bool mutex_time_wait_took(const struct sk_buff *skb)
{
	if (this_cpu_read(time_wait_skb) != skb)
		return false;
	this_cpu_write(time_wait_skb, NULL);
	return true;
}

/*
 * Without the kprobe (no CONFIG_KPROBES) the module still runs: such
 * segments then count as NO_SOCKET, as the site alone says.
 */
void mutex_compat_probes_start(void)
{
	int err;

	/* A kprobe registers again only with what the last one set cleared. */
	time_wait_kprobe.addr = NULL;
	time_wait_kprobe.flags = 0;
	err = register_kprobe(&time_wait_kprobe);
	if (err)
		pr_warn_once("no kprobe on tcp_timewait_state_process (%d): TIME_WAIT segments count as NO_SOCKET drops\n",
			     err);
	time_wait_probed = !err;
}

void mutex_compat_probes_stop(void)
{
	if (time_wait_probed)
		unregister_kprobe(&time_wait_kprobe);
	time_wait_probed = false;
}
#endif
