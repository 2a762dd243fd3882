/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernel lines this module builds against
 * lives here, so that the rest of the source reads as one kernel.
 */
#ifndef _MUTEX_COMPAT_H
#define _MUTEX_COMPAT_H

#include <linux/version.h>
#include <net/dropreason.h>
#include <net/genetlink.h>

/*
 * The kfree_skb tracepoint: 6.11 added the receiving socket (rx_sk), which
 * the caller knows where skb->sk is not set yet.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define MUTEX_KFREE_SKB_PROTO(data, skb, location, reason, rx_sk)		\
	void *data, struct sk_buff *skb, void *location,			\
	enum skb_drop_reason reason, struct sock *rx_sk
#define MUTEX_KFREE_SKB_RX_SK(rx_sk)	(rx_sk)
#else
#define MUTEX_KFREE_SKB_PROTO(data, skb, location, reason, rx_sk)		\
	void *data, struct sk_buff *skb, void *location,			\
	enum skb_drop_reason reason
#define MUTEX_KFREE_SKB_RX_SK(rx_sk)	NULL
#endif

/*
 * The name the running kernel gives a core drop reason ("NO_SOCKET"), or
 * NULL.  6.1 keeps one array; 6.4 moved it into per-subsystem lists.
 */
static inline const char *mutex_drop_reason_name(unsigned int reason)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	const struct drop_reason_list *list;
	const char *name = NULL;

	rcu_read_lock();
	list = rcu_dereference(drop_reasons_by_subsys[SKB_DROP_REASON_SUBSYS_CORE]);
	if (list && reason < list->n_reasons)
		name = list->reasons[reason];
	rcu_read_unlock();
	return name;
#else
	return reason < SKB_DROP_REASON_MAX ? drop_reasons[reason] : NULL;
#endif
}

/* The attributes of a dump request (genl_info_dump() since 6.2). */
static inline struct nlattr **mutex_dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#endif /* _MUTEX_COMPAT_H */
