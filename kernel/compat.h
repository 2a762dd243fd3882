/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernel lines this module builds against
 * lives here, so that the rest of the source reads as one kernel.
 */
#ifndef _MUTEX_COMPAT_H
#define _MUTEX_COMPAT_H

#include <linux/cgroup.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/kallsyms.h>
#include <linux/kernfs.h>
#include <linux/nsproxy.h>
#include <linux/sched/mm.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <net/genetlink.h>
#if __has_include(<net/dropreason.h>)
#include <net/dropreason.h>
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 17, 0)
/*
 * Before 5.17 kfree_skb() gives no reason.  The reason is then that of the
 * function that freed the packet, for the drop sites whose meaning is
 * clear (a full receive buffer, no socket, a netfilter verdict); every
 * other kfree_skb() is a plain one, NOT_SPECIFIED, which is not a loss on
 * any kernel (a closing socket's purge, among others).  Numbered as the
 * module's own: only the names reach user space.
 */
enum skb_drop_reason {
	SKB_NOT_DROPPED_YET,
	SKB_DROP_REASON_NOT_SPECIFIED,
	SKB_DROP_REASON_NO_SOCKET,
	SKB_DROP_REASON_SOCKET_RCVBUFF,
	SKB_DROP_REASON_NETFILTER_DROP,
	SKB_DROP_REASON_MAX,
};

static const char * const mutex_drop_reason_names[SKB_DROP_REASON_MAX] = {
	[SKB_DROP_REASON_NOT_SPECIFIED]	= "NOT_SPECIFIED",
	[SKB_DROP_REASON_NO_SOCKET]	= "NO_SOCKET",
	[SKB_DROP_REASON_SOCKET_RCVBUFF]	= "SOCKET_RCVBUFF",
	[SKB_DROP_REASON_NETFILTER_DROP]	= "NETFILTER_DROP",
};

static const struct {
	const char *func;
	enum skb_drop_reason reason;
} mutex_drop_sites[] = {
	{ "__udp4_lib_rcv", SKB_DROP_REASON_NO_SOCKET },
	{ "__udp6_lib_rcv", SKB_DROP_REASON_NO_SOCKET },
	{ "tcp_v4_rcv", SKB_DROP_REASON_NO_SOCKET },
	{ "tcp_v6_rcv", SKB_DROP_REASON_NO_SOCKET },
	{ "__udp_queue_rcv_skb", SKB_DROP_REASON_SOCKET_RCVBUFF },
	{ "udp_queue_rcv_one_skb", SKB_DROP_REASON_SOCKET_RCVBUFF },
	{ "__udpv6_queue_rcv_skb", SKB_DROP_REASON_SOCKET_RCVBUFF },
	{ "udpv6_queue_rcv_one_skb", SKB_DROP_REASON_SOCKET_RCVBUFF },
	{ "nf_hook_slow", SKB_DROP_REASON_NETFILTER_DROP },
};

/* The reason of the function at location, by its name (kallsyms). */
static inline unsigned int mutex_drop_site_reason(void *location)
{
	char func[KSYM_SYMBOL_LEN];
	size_t len;
	int i;

	sprint_symbol_no_offset(func, (unsigned long)location);
	len = strcspn(func, ". ");	/* "tcp_v6_rcv [ipv6]": a module's */
	for (i = 0; i < ARRAY_SIZE(mutex_drop_sites); i++)
		if (strlen(mutex_drop_sites[i].func) == len &&
		    !strncmp(func, mutex_drop_sites[i].func, len))
			return mutex_drop_sites[i].reason;
	return SKB_DROP_REASON_NOT_SPECIFIED;
}

/*
 * tcp_v4_rcv() and tcp_v6_rcv() free at one place both a segment that found
 * no socket and one a TIME_WAIT socket took (its ACK of a peer's FIN, a
 * reset that ended it), which later kernels call NOT_SPECIFIED: no loss.
 * A kprobe on tcp_timewait_state_process() marks, per CPU, the segment a
 * TIME_WAIT socket took last (compat.c).
 */
bool mutex_time_wait_took(const struct sk_buff *skb);

/*
 * The reason of a 5.10 kfree_skb() at location, found only for packets of
 * a tracked flow.  GCC may have split or cloned the function
 * (tcp_v4_rcv.cold, __udp_queue_rcv_skb.isra.0): its name counts up to the
 * first dot.
 *
 * A kallsyms lookup costs microseconds, too much for every packet of a
 * flood, and a kernel frees packets from few places: the first lookup of a
 * location claims a slot that never changes hands again, and publishes the
 * reason after it.  A reader that finds the slot claimed but the reason
 * not yet there, or every slot taken, looks the name up itself.
 */
#define MUTEX_DROP_SITE_SLOTS	64

static inline unsigned int mutex_drop_site_cached(void *location)
{
	static struct {
		unsigned long location;
		unsigned int reason;	/* SKB_NOT_DROPPED_YET: not yet known */
	} sites[MUTEX_DROP_SITE_SLOTS];
	unsigned long where = (unsigned long)location;
	unsigned int h = hash_long(where, ilog2(MUTEX_DROP_SITE_SLOTS));
	unsigned int found;
	int i;

	for (i = 0; i < 4; i++) {
		typeof(sites[0]) *site = &sites[(h + i) % MUTEX_DROP_SITE_SLOTS];
		unsigned long owner = READ_ONCE(site->location);

		if (owner == where) {
			found = smp_load_acquire(&site->reason);
			return found ?: mutex_drop_site_reason(location);
		}
		if (!owner && !cmpxchg(&site->location, 0, where)) {
			found = mutex_drop_site_reason(location);
			smp_store_release(&site->reason, found);
			return found;
		}
	}
	return mutex_drop_site_reason(location);
}

/*
 * A packet that was not for this host is no loss.  reason is that of
 * MUTEX_KFREE_SKB_REASON(): NOT_SPECIFIED for a segment a TIME_WAIT socket
 * took.
 */
static inline unsigned int mutex_drop_reason(const struct sk_buff *skb,
					     u8 proto, void *location,
					     unsigned int reason)
{
	unsigned int site;

	if (skb->pkt_type != PACKET_HOST)
		return SKB_DROP_REASON_NOT_SPECIFIED;
	site = mutex_drop_site_cached(location);
	if (site == SKB_DROP_REASON_NO_SOCKET && proto == IPPROTO_TCP &&
	    reason == SKB_DROP_REASON_NOT_SPECIFIED)
		return SKB_DROP_REASON_NOT_SPECIFIED;
	return site;
}

void mutex_compat_probes_start(void);
void mutex_compat_probes_stop(void);

/* Every kfree_skb() may be a loss until its site is known. */
#define MUTEX_DROP_REASON_EARLY		0
#define MUTEX_KFREE_SKB_PROTO(data, skb, location, reason, rx_sk)		\
	void *data, struct sk_buff *skb, void *location
/*
 * Every free consumes the TIME_WAIT mark of its skb, tracked or not, so
 * that no mark outlives its packet into a reused skb: NOT_SPECIFIED says
 * a TIME_WAIT socket took it.
 */
#define MUTEX_KFREE_SKB_REASON(skb, reason)				\
	(mutex_time_wait_took(skb) ? SKB_DROP_REASON_NOT_SPECIFIED :	\
				     SKB_NOT_DROPPED_YET)
#define MUTEX_KFREE_SKB_RX_SK(rx_sk)	NULL
#else
/* The kernel's reason, known before the packet is parsed. */
#define MUTEX_DROP_REASON_EARLY		1
#define MUTEX_KFREE_SKB_REASON(skb, reason)	(reason)

static inline unsigned int mutex_drop_reason(const struct sk_buff *skb,
					     u8 proto, void *location,
					     unsigned int reason)
{
	return reason;
}

static inline void mutex_compat_probes_start(void)
{
}

static inline void mutex_compat_probes_stop(void)
{
}
#endif

/*
 * The socket of a packet being freed.  Until 6.10 (and in 5.10.y, whose
 * latest still has it) an IP fragment waiting in a reassembly queue keeps
 * its offset in skb->sk's place (ip_defrag_offset, an int), and a queue's
 * purge frees it so: an offset below 64 KiB, in the pointer's low half, or
 * its high half on a big-endian 64-bit kernel.  Never a socket's address.
 */
static inline const struct sock *mutex_freed_skb_sk(const struct sk_buff *skb)
{
	unsigned long v = (unsigned long)skb->sk;

	if (v <= U16_MAX)
		return NULL;
	if (IS_ENABLED(CONFIG_CPU_BIG_ENDIAN) && BITS_PER_LONG == 64 &&
	    !lower_32_bits(v) && upper_32_bits(v) <= U16_MAX)
		return NULL;
	return skb->sk;
}

/*
 * The kfree_skb tracepoint: 6.11 added the receiving socket (rx_sk), which
 * the caller knows where skb->sk is not set yet.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define MUTEX_KFREE_SKB_PROTO(data, skb, location, reason, rx_sk)		\
	void *data, struct sk_buff *skb, void *location,			\
	enum skb_drop_reason reason, struct sock *rx_sk
#define MUTEX_KFREE_SKB_RX_SK(rx_sk)	(rx_sk)
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(5, 17, 0)
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
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(5, 17, 0)
	return reason < SKB_DROP_REASON_MAX ? drop_reasons[reason] : NULL;
#else
	return reason < SKB_DROP_REASON_MAX ? mutex_drop_reason_names[reason] : NULL;
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

/* Commands below this one validate strictly (resv_start_op, since 6.1). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)
#define MUTEX_GENL_RESV_START_OP(cmd)	.resv_start_op = (cmd),
#else
#define MUTEX_GENL_RESV_START_OP(cmd)
#endif

/* A required attribute is missing (6.0+ also names it in the extack). */
#ifndef GENL_REQ_ATTR_CHECK
#define GENL_REQ_ATTR_CHECK(info, attr) ({				\
	const struct genl_info *__info = (info);			\
	bool __missing = !__info->attrs[attr];				\
									\
	if (__missing)							\
		NL_SET_ERR_MSG(__info->extack, "required attribute missing"); \
	__missing;							\
})
#endif

/* nla_strlcpy() became nla_strscpy() in 5.11. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
#define nla_strscpy(dst, nla, dstsize)	nla_strlcpy(dst, nla, dstsize)
#endif

/*
 * Charge __GFP_ACCOUNT allocations to memcg.  Before 5.14 the per-CPU
 * remote memcg of interrupt context (int_active_memcg) is not exported:
 * there, what is allocated in softirq or with bottom halves off (a flow
 * first seen on receive) goes uncharged.
 */
static inline struct mem_cgroup *mutex_set_active_memcg(struct mem_cgroup *memcg)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 14, 0)
	if (in_interrupt())
		return NULL;
#endif
	return set_active_memcg(memcg);
}

/*
 * The cgroup at path as the caller sees it, from the root of its cgroup
 * namespace.  cgroup_get_from_path() resolves from there since 6.0; 5.10's
 * resolves from the global root, so the namespace root's path goes first.
 */
static inline struct cgroup *mutex_cgroup_get_from_path(const char *path)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
	struct cgroup *root = current->nsproxy->cgroup_ns->root_cset->dfl_cgrp;
	struct cgroup *cgrp;
	char *full;
	int len;

	full = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!full)
		return ERR_PTR(-ENOMEM);
	len = kernfs_path_from_node(root->kn, NULL, full, PATH_MAX);
	if (len >= PATH_MAX)
		len = -ENAMETOOLONG;
	if (len == 1)		/* the namespace root is the global root */
		len = 0;
	if (len >= 0 && strscpy(full + len, path, PATH_MAX - len) < 0)
		len = -ENAMETOOLONG;
	cgrp = len < 0 ? ERR_PTR(len) : cgroup_get_from_path(full);
	kfree(full);
	return cgrp;
#else
	return cgroup_get_from_path(path);
#endif
}

#endif /* _MUTEX_COMPAT_H */
