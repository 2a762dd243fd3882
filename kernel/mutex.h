/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MUTEX statistics module: shared definitions.
 *
 * Object lifetimes:
 *  - struct mutex_net: the state of one network namespace, allocated (and
 *    charged to the opener's memory cgroup) when its first context opens or
 *    its thresholds are first set, freed with the namespace.  A namespace
 *    that never has a context costs one pointer and no timers.
 *  - struct mutex_ctx: one per open file description of /dev/mutex; lives on
 *    its netns' RCU list, freed after a grace period once its last file
 *    reference is closed and its flows are gone.
 *  - struct mutex_flow: in the global RCU hash table; points to its ctx,
 *    which outlives every flow that references it.
 */
#ifndef _MUTEX_H
#define _MUTEX_H

#include <linux/in6.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <linux/uidgid.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "compat.h"
#include "mutex_figures_gen.h"
#include "mutex_nl_gen.h"

#define MUTEX_DIR_SENT		0
#define MUTEX_DIR_RECV		1
#define MUTEX_RTT_BUCKETS	32
#define MUTEX_FLOW_STATES	(MUTEX_FLOW_STATE_MAX + 1)
#define MUTEX_EVAL_INTERVAL_MS	1000	/* default evaluation interval */
/* Drops counted by reason: each core reason, then all others in one. */
#define MUTEX_DROP_SLOTS	(SKB_DROP_REASON_MAX + 1)

/* Hot counters of a context, one copy per CPU. */
struct mutex_ctx_pcpu {
	u64_stats_t bytes[2];
	u64_stats_t packets[2];
	struct u64_stats_sync syncp;
};

/* Hot counters of a netns that belong to no context. */
struct mutex_net_pcpu {
	u64_stats_t unmatched;
	u64_stats_t lookups_hit;
	u64_stats_t lookups_miss;
	u64_stats_t untracked;
	struct u64_stats_sync syncp;
};

/* Totals of a context or a whole netns (sums, not rates). */
struct mutex_totals {
	u64 bytes[2];
	u64 packets[2];
	u64 conns_total;
	u64 events[MUTEX_EVENTS];	/* enum mutex_event */
	u64 rtt_samples;	/* the sum of rtt_hist: one snapshot */
	u64 rtt_sum_us;
	u64 rtt_min_us;
	u64 rtt_max_us;
	u64 rtt_hist[MUTEX_RTT_BUCKETS];
};

/* Rates computed once a second by the netns worker (single writer). */
struct mutex_rates {
	u64 last_bytes[2];
	u64 last_conns;
	u64 bytes_per_sec[2];
	u64 bytes_per_sec_peak[2];
	u64 conns_per_sec;
	u64 conns_per_sec_peak;
};

/* Alert thresholds; a context keeps overrides with a mask of those set. */
struct mutex_thresholds {
	u64 latency_us;
	u64 bandwidth_bps;
	u32 error_rate_ppm;
	u32 conn_rate;
	u32 drop_rate_ppm;
	u32 disabled;		/* BIT(alert type) */
};

#define MUTEX_THR_LATENCY	BIT(0)
#define MUTEX_THR_ERROR_RATE	BIT(1)
#define MUTEX_THR_BANDWIDTH	BIT(2)
#define MUTEX_THR_CONN_RATE	BIT(3)
#define MUTEX_THR_DROP_RATE	BIT(4)
#define MUTEX_THR_DISABLED	BIT(5)

#define MUTEX_ALERT_MSG_LEN	128

struct mutex_alert {
	u64 seq;
	u64 time_ns;
	u64 value;
	u64 threshold;
	u32 fd_id;
	u8 type;
	u8 severity;
	u8 state;
	char message[MUTEX_ALERT_MSG_LEN];
};

/* Ring of the latest alerts of a netns; seq n lives at (n - 1) % size. */
struct mutex_alert_ring {
	spinlock_t lock;
	struct mutex_alert *slots;
	u32 size;
	u64 next_seq;		/* seq of the next alert, from 1 */
	u64 first_seq;		/* oldest seq still kept */
	u64 raised;
	u64 cleared;
	u64 overwritten;
	u64 notify_dropped;
	unsigned long notify_stamp;	/* jiffies of the last token refill */
	u32 notify_tokens;		/* notifications allowed before refill */
};

/* What the evaluator saw last time, to measure over one interval. */
struct mutex_eval_state {
	u64 packets[2];
	u64 errors;
	u64 drops;
	u64 rtt_sum_us;
	u64 rtt_samples;
	u64 conns;
	u64 stamp_ns;			/* ktime_get_ns() of the evaluation */
};

enum mutex_scope {
	MUTEX_SCOPE_PID,
	MUTEX_SCOPE_CGROUP,
	MUTEX_SCOPE_UID,
	MUTEX_SCOPE_ALL,
};

#define MUTEX_SEL_MAX_PORTS	16
#define MUTEX_SEL_MAX_PEERS	16
#define MUTEX_SEL_NAME_LEN	32
#define MUTEX_SEL_TEXT_LEN	1024
#define MUTEX_SEL_PROTO_TCP	BIT(0)
#define MUTEX_SEL_PROTO_UDP	BIT(1)
#define MUTEX_SEL_PROTO_ICMP	BIT(2)

struct mutex_port_range {
	u16 lo, hi;
};

struct mutex_cidr {
	u8 family;
	u8 prefix;
	struct in6_addr addr;
};

/* A parsed selector; replaced as a whole under RCU. */
struct mutex_selector {
	struct rcu_head rcu;
	enum mutex_scope scope;
	struct pid *pid;
	struct cgroup *cgrp;
	kuid_t uid;
	u8 protos;		/* MUTEX_SEL_PROTO_*, 0 = any */
	u8 nports, npeers;
	struct mutex_port_range ports[MUTEX_SEL_MAX_PORTS];
	struct mutex_cidr peers[MUTEX_SEL_MAX_PEERS];
	char name[MUTEX_SEL_NAME_LEN];
};

struct mutex_net;
struct mem_cgroup;
struct nf_hook_ops;
struct sock;

struct mutex_ctx {
	struct list_head node;		/* mutex_net.ctxs, RCU */
	struct rcu_head rcu;
	u32 id;
	bool dead;			/* no new flows once set */
	struct mutex_net *mn;
	struct net *net;		/* reference held */
	struct mem_cgroup *memcg;	/* the opener's: flows are charged here */
	struct mutex_selector __rcu *sel;
	struct pid *owner_pid;		/* shown in the reader's pid namespace */
	kuid_t owner_uid;
	char owner_comm[TASK_COMM_LEN];
	u64 created_real_ns;
	u64 created_mono_ns;
	struct mutex_ctx_pcpu __percpu *pcpu;
	atomic64_t conns_total;
	atomic64_t events[MUTEX_EVENTS];	/* enum mutex_event */
	atomic64_t rtt_sum_us;
	atomic64_t rtt_min_us;		/* U64_MAX until the first sample */
	atomic64_t rtt_max_us;
	atomic64_t rtt_hist[MUTEX_RTT_BUCKETS];
	atomic_t flows_state[MUTEX_FLOW_STATES];	/* its flows by state */
	atomic64_t *drop_reasons;	/* [MUTEX_DROP_SLOTS], see reasons.c */
	spinlock_t rates_lock;		/* rates: a consistent pair for readers */
	struct mutex_rates rates;
	struct mutex_thresholds thr;	/* overrides, under mutex_ctx_lock */
	u32 thr_mask;			/* MUTEX_THR_* set in thr */
	u32 alerts_active;		/* BIT(alert type) raised now */
	u8 quiet[MUTEX_ALERT_TYPE_MAX + 1];	/* intervals without data, per type */
	struct mutex_eval_state eval;
};

struct mutex_net {
	struct net *net;
	struct list_head ctxs;		/* RCU; writers hold mutex_ctx_lock */
	unsigned int nr_ctx;		/* contexts alive; the hooks' gate */
	unsigned int pid_scopes;	/* of them with a pid scope */
	/*
	 * Generations of the socket cache's answers (skcache.c): [0] "no
	 * context wants it" moves with contexts, selectors and new flows; [1]
	 * "this flow" with contexts, selectors and flows leaving the table.
	 */
	atomic_t sk_gen[2];
	struct nf_hook_ops *nf_ops;	/* registered in this netns, or NULL */
	struct delayed_work idle_work;	/* unregisters them after the last */
	struct mutex_net_pcpu __percpu *pcpu;
	u64 fds_total;			/* under mutex_ctx_lock */
	u64 ctx_gen;			/* bumped on add/remove, for dumps */
	struct mutex_totals dead;	/* of destroyed contexts, same lock */
	atomic64_t evicted;		/* flows ended by timeout or fair share */
	atomic_t flow_count;		/* flows of this netns in the table */
	atomic_t flow6_count;		/* of which IPv6 (a larger object) */
	spinlock_t rates_lock;
	struct mutex_rates rates;	/* global, worker only */
	u64 rates_stamp_ns;
	struct delayed_work rate_work;
	struct mutex_thresholds thr;	/* global, under mutex_ctx_lock */
	u32 eval_interval_ms;
	struct delayed_work eval_work;
	struct mutex_alert_ring alerts;
};

/*
 * Flow key, as a packet is parsed: both directions of a connection normalise
 * to one key.  netid is the namespace's inode number: unique among live
 * namespaces, and a flow never outlives its namespace (its context holds a
 * reference).
 */
struct mutex_flow_key {
	u32 netid;
	__be16 port[2];
	u8 proto;
	u8 family;
	struct in6_addr addr[2];	/* IPv4 in s6_addr32[0] */
};

/* flow->flags */
#define MUTEX_FLOW_PENDING	BIT(0)	/* owner not confirmed yet (pid scope) */
#define MUTEX_FLOW_NOBODY	BIT(1)	/* no context claimed it */
#define MUTEX_FLOW_MIDSTREAM	BIT(2)	/* picked up after its start */
#define MUTEX_FLOW_UNLINKED	BIT(3)	/* out of the table: counts are final */
#define MUTEX_FLOW_UNOWNED	(MUTEX_FLOW_PENDING | MUTEX_FLOW_NOBODY)

/* flow->retrans_seen[]: the low 15 bits of tcpi_total_retrans, once seen. */
#define MUTEX_RETRANS_SEEN	BIT(15)
#define MUTEX_RETRANS_MASK	(MUTEX_RETRANS_SEEN - 1)

/*
 * A tracked flow.  Its direction and local endpoint never change once it is
 * made (bit-fields).  The first cache line holds what a lookup and every packet
 * read (the key, flags, state, owner), the second what every packet counts;
 * RTT figures and times, touched at most once a tick, come last.  An IPv4
 * flow ends there (MUTEX_FLOW_V4_SIZE, from its own slab cache); an IPv6
 * flow keeps its full addresses after it, and the last word of each in
 * addr4, so a lookup rejects other flows without leaving the first line.
 */
struct mutex_flow {
	union {
		struct hlist_node node;		/* in its bucket, RCU */
		struct {
			/* RCU walkers may still follow node.next... */
			struct hlist_node *node_next;
			/* ...but not node.pprev: the free list, once unlinked */
			struct llist_node free;
		};
	};
	u32 netid;			/* key */
	__be16 port[2];			/* key */
	__be32 addr4[2];		/* key (IPv4), or filter (IPv6) */
	u8 proto;			/* key */
	u8 family;			/* key */
	u8 local:1;			/* index of the local endpoint in key */
	u8 direction:1;			/* enum mutex_direction */
	u8 state;			/* enum mutex_flow_state */
	u8 tcp_seen;			/* MUTEX_TCP_* bits */
	u8 flags;			/* MUTEX_FLOW_* */
	u16 rtt_jiffies;		/* low bits of jiffies at the last RTT sample */
	spinlock_t lock;		/* state, flags, tcp_seen, RTT figures */
	u32 last_jiffies;		/* the latest packet's */
	struct mutex_ctx *ctx;		/* owner, or candidate while pending */
	u32 seq;			/* id: (seq << buckets_log) | bucket */
	pid_t tgid;			/* the last process that sent (init ns) */

	atomic64_t bytes[2];
	atomic64_t packets[2];
	atomic_t events[MUTEX_EVENTS];	/* enum mutex_event */
	u16 rtt_una[2];			/* snd_una folded, at the last sample */
	u16 retrans_seen[2];		/* MUTEX_RETRANS_SEEN | total, per side */

	u32 start_jiffies;
	u32 rtt_samples;
	u32 rtt_min_us;
	u32 rtt_max_us;
	u64 rtt_sum_us;
	u64 start_real_ns;		/* wall clock at the first packet */
	struct in6_addr addr6[];	/* key (IPv6 only): two addresses */
};

#define MUTEX_FLOW_V4_SIZE	sizeof(struct mutex_flow)
#define MUTEX_FLOW_V6_SIZE	(sizeof(struct mutex_flow) + 2 * sizeof(struct in6_addr))

/* A flow's RTT figures, read together under its lock. */
struct mutex_flow_rtt {
	u32 samples;
	u32 min_us;
	u32 max_us;
	u64 sum_us;
};

/*
 * The latest packet's time, from the first packet's wall-clock time and the
 * jiffies between them: it moves only with a packet, never precedes the
 * start, and reads the same every time.
 */
static inline u64 mutex_flow_last_ns(const struct mutex_flow *flow)
{
	return flow->start_real_ns +
	       jiffies_to_nsecs((u32)(READ_ONCE(flow->last_jiffies) -
				      flow->start_jiffies));
}

/* Endpoint i's address of a flow, as 16 bytes (IPv4 in the first four). */
static inline void mutex_flow_addr(const struct mutex_flow *flow, int i,
				   struct in6_addr *addr)
{
	if (flow->family == AF_INET6) {
		*addr = flow->addr6[i];
	} else {
		memset(addr, 0, sizeof(*addr));
		addr->s6_addr32[0] = flow->addr4[i];
	}
}

#define MUTEX_TCP_SYN		BIT(0)
#define MUTEX_TCP_SYNACK	BIT(1)
#define MUTEX_TCP_FIN0		BIT(2)	/* FIN from endpoint 0 */
#define MUTEX_TCP_FIN1		BIT(3)
#define MUTEX_UDP_REPLY		BIT(4)	/* both endpoints have sent */

static inline bool mutex_state_open(u8 state)
{
	return state == MUTEX_FLOW_STATE_NEW ||
	       state == MUTEX_FLOW_STATE_ESTABLISHED ||
	       state == MUTEX_FLOW_STATE_CLOSING;
}

/* Module-wide state. */
extern u64 mutex_instance_id;
extern u64 mutex_load_time_ns;
extern unsigned int mutex_max_flows;
extern unsigned int mutex_max_flows_netns;
extern struct mutex mutex_ctx_lock;
extern atomic_t mutex_active_netns;	/* namespaces with a context */

extern unsigned int mutex_net_id;

/* core.c */
struct mutex_net_slot {
	struct mutex_net *mn;		/* NULL until the namespace needs it */
};

struct mutex_net *mutex_pernet(const struct net *net);
void mutex_core_init(void);

/* netns.c */
struct mutex_net *mutex_pernet_create(struct net *net);
int mutex_net_ctx_added(struct mutex_net *mn);
void mutex_net_ctx_removed(struct mutex_net *mn);
int mutex_netns_init(void);
void mutex_netns_exit(void);

/* stats.c */
void mutex_ctx_totals(struct mutex_ctx *ctx, struct mutex_totals *t);
void mutex_totals_add(struct mutex_totals *sum, const struct mutex_totals *t);
u64 mutex_hist_percentile(const struct mutex_totals *t, unsigned int pct);
void mutex_rate_work(struct work_struct *work);
void mutex_rates_start(struct mutex_net *mn);
void mutex_net_totals(struct mutex_net *mn, struct mutex_totals *sum,
		      u64 *open, u64 *tracked);

/* report.c */
void mutex_stats_snapshot(struct net *net, struct mutex_stats *s);
void mutex_rates_read(spinlock_t *lock, const struct mutex_rates *r,
		      struct mutex_rates *out);
u64 mutex_ctx_flows(struct mutex_ctx *ctx, bool open_only);

/* selector.c */
struct mutex_pkt;
int mutex_selector_parse(const char *buf, struct mutex_selector *sel);
bool mutex_selector_filters(const struct mutex_selector *sel,
			    const struct mutex_pkt *pkt, u8 local);
bool mutex_selector_scope(const struct mutex_selector *sel, struct sock *sk,
			  bool task_decides);
int mutex_selector_rank(const struct mutex_selector *sel);
int mutex_selector_render(const struct mutex_selector *sel, char *buf,
			  size_t len);
void mutex_selector_free(struct mutex_selector *sel);

/* ctx.c */
int mutex_dev_init(void);
void mutex_dev_exit(void);
struct mutex_ctx *mutex_ctx_find(struct mutex_net *mn, u32 id);

/* flow.c */
int mutex_flow_init(void);
void mutex_flow_exit(void);
struct mutex_flow *mutex_flow_lookup(const struct mutex_flow_key *key);
struct mutex_flow *mutex_flow_create(const struct mutex_flow_key *key,
				     struct mutex_ctx *ctx, u8 local,
				     u8 direction, u8 state, u8 flags);
bool mutex_flow_claim(struct mutex_flow *flow, struct mutex_ctx *ctx);
void mutex_flow_disown(struct mutex_flow *flow);
void mutex_flow_set_state(struct mutex_flow *flow, u8 state);
void mutex_flow_flush_ctx(struct mutex_ctx *ctx);
void mutex_flow_gc_start(void);
unsigned int mutex_flow_buckets(void);
unsigned int mutex_flow_limit(const struct mutex_net *mn);
u64 mutex_flow_bytes(const struct mutex_net *mn);
u64 mutex_flow_id(const struct mutex_flow *flow);
u64 mutex_flow_table_bytes(void);

typedef int (*mutex_flow_visit_t)(struct mutex_flow *flow, void *arg);
int mutex_flow_walk(unsigned long *bucket, u64 *done,
		    mutex_flow_visit_t visit, void *arg);
struct mutex_flow *mutex_flow_find_id(struct net *net, u64 id);

/* account.c: each updates a flow and its owner together */
bool mutex_flow_count_packet(struct mutex_flow *flow, int dir,
			     unsigned int len);
void mutex_flow_event(struct mutex_flow *flow, enum mutex_event ev, u32 n);
void mutex_flow_drop(struct mutex_flow *flow, unsigned int reason);
void mutex_flow_retrans(struct mutex_flow *flow, u8 side, u32 total);
void mutex_rtt_sample(struct mutex_flow *flow, u32 rtt_us);
void mutex_net_count(struct mutex_net *mn, size_t field, u64 n);
void mutex_net_unmatched(struct mutex_net *mn, u64 packets);

/* The socket cache's answers of kind (0: none wanted, 1: a flow) are stale. */
static inline void mutex_sk_cache_stale(struct mutex_net *mn, int kind)
{
	/* After the change it reports: a reader seeing the new one sees it. */
	atomic_inc_return_release(&mn->sk_gen[kind]);
}

/* reasons.c */
unsigned int mutex_drop_slot(unsigned int reason);
void mutex_reasons_count(struct mutex_flow *flow, struct mutex_ctx *ctx,
			 unsigned int slot);
void mutex_reasons_forget(const struct mutex_flow *flow);
size_t mutex_reasons_ctx_max_size(void);
int mutex_reasons_put_ctx(struct sk_buff *skb, int attr,
			  const struct mutex_ctx *ctx);
int mutex_reasons_put_flow(struct sk_buff *skb, int attr,
			   const struct mutex_flow *flow);
void mutex_reasons_init(void);

/* skcache.c */
struct sock *mutex_sk_cache_sock(const struct sk_buff *skb);
bool mutex_sk_cache_get(struct mutex_net *mn, const struct sk_buff *skb,
			const struct sock *sk, bool out,
			struct mutex_flow **flow, u8 *local, u8 *tcp_flags);
void mutex_sk_cache_put(struct sock *sk, const struct sk_buff *skb, bool out,
			u32 gen, struct mutex_flow *flow, u8 local);
int mutex_sk_cache_init(void);
void mutex_sk_cache_exit(void);

/* hooks.c, probes.c */
int mutex_hooks_register(struct mutex_net *mn);
void mutex_hooks_unregister(struct mutex_net *mn);
u32 mutex_rx_netid(const struct sk_buff *skb);
int mutex_probes_init(void);
int mutex_probes_start(void);
void mutex_probes_stop(void);
void mutex_probes_exit(void);

/* parse.c */
struct mutex_pkt {
	struct mutex_flow_key key;
	u8 src;			/* endpoint index of the packet's source */
	u8 tcp_flags;		/* TCPHDR_* of a TCP segment */
	bool has_ports;
	bool icmp_error;	/* key describes the packet it refers to */
};

bool mutex_parse(const struct sk_buff *skb, int off, u8 family, u32 netid,
		 struct mutex_pkt *pkt);
void mutex_flow_key_normalise(struct mutex_flow_key *key, u8 *src_index);

/* alerts.c */
int mutex_alerts_net_init(struct mutex_net *mn);
void mutex_alerts_net_exit(struct mutex_net *mn);
void mutex_thresholds_defaults(struct mutex_thresholds *thr);
void mutex_thresholds_effective(const struct mutex_net *mn,
				const struct mutex_ctx *ctx,
				struct mutex_thresholds *thr);
void mutex_alert_ring_stats(struct mutex_net *mn, struct mutex_stats *s);
bool mutex_alert_ring_get(struct mutex_net *mn, u64 seq,
			  struct mutex_alert *out, u64 *next);
void mutex_alert_ring_clear(struct mutex_net *mn);

/* Where alert notifications go (the netlink layer). */
struct mutex_alert_sink {
	bool (*listening)(struct net *net);
	int (*send)(struct net *net, const struct mutex_alert *a);
};

void mutex_alerts_set_sink(const struct mutex_alert_sink *sink);
void mutex_eval_reschedule(struct mutex_net *mn);
void mutex_eval_start(struct mutex_net *mn);

/* netlink.c, proc.c */
int mutex_netlink_init(void);
void mutex_netlink_exit(void);
int mutex_proc_init(void);
void mutex_proc_exit(void);

#endif /* _MUTEX_H */
