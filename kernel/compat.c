// SPDX-License-Identifier: GPL-2.0
/*
 * What kernel/compat.h cannot do inline.  Before 5.17: which segment a
 * TIME_WAIT socket took last, on each CPU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/percpu.h>
#include <linux/tcp.h>

#include "mutex.h"

#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 17, 0)
/*
 * Compared with a freed packet, never dereferenced.  A segment other than a
 * SYN that a TIME_WAIT socket took is freed next, in tcp_v4_rcv() or
 * tcp_v6_rcv() on the same CPU with bottom halves off; a SYN may go to a
 * listener instead, and is not marked.
 */
static DEFINE_PER_CPU(const struct sk_buff *, time_wait_skb);

/* tcp_timewait_state_process(tw, skb, th) */
static int time_wait_seen(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sk_buff *skb = (void *)regs_get_kernel_argument(regs, 1);
	const struct tcphdr *th = (void *)regs_get_kernel_argument(regs, 2);

	if (th->syn)
		skb = NULL;
	this_cpu_write(time_wait_skb, skb);
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
	return this_cpu_cmpxchg(time_wait_skb, skb, NULL) == skb;
}

/*
 * Without the kprobe (no CONFIG_KPROBES) the module still runs: such
 * segments then count as NO_SOCKET, as the site alone says.
 */
void mutex_compat_probes_start(void)
{
	int cpu, err;

	for_each_possible_cpu(cpu)
		per_cpu(time_wait_skb, cpu) = NULL;
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
