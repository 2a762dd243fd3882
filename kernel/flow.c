// SPDX-License-Identifier: GPL-2.0
/*
 * The flow table: an RCU hash table keyed by netns and normalised 5-tuple,
 * with per-bucket locks, a random seed, a limit on tracked flows shared
 * fairly between the namespaces that use it, and a GC that runs in process
 * context only while there is something to collect.
 *
 * Locking: a bucket's lock guards its chain; a flow's lock guards its state,
 * flags and RTT fields.  Where both are taken, the bucket's comes first.
 */
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/memcontrol.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <net/ipv6.h>

#include "mutex.h"

struct mutex_bucket {
	spinlock_t lock;
	struct hlist_head head;
};

static unsigned int flow_buckets_log = 16;
module_param(flow_buckets_log, uint, 0444);
MODULE_PARM_DESC(flow_buckets_log, "log2 of the flow hash table size (10..22)");

unsigned int mutex_max_flows = 262144;
module_param_named(max_flows, mutex_max_flows, uint, 0644);
MODULE_PARM_DESC(max_flows, "most flows tracked at once; more are counted as untracked");

/*
 * A hard cap per network namespace, on top of the fair share: each namespace
 * with a context is guaranteed max_flows / (namespaces with a context).
 */
unsigned int mutex_max_flows_netns = 262144;
module_param_named(max_flows_per_netns, mutex_max_flows_netns, uint, 0644);
MODULE_PARM_DESC(max_flows_per_netns, "most flows tracked at once for one network namespace");

static unsigned int timeout_tcp_new = 60;
static unsigned int timeout_tcp_established = 3600;
static unsigned int timeout_tcp_closing = 120;
static unsigned int timeout_tcp_closed = 10;
static unsigned int timeout_udp = 60;
static unsigned int timeout_udp_idle = 10;
static unsigned int timeout_other = 30;
module_param(timeout_tcp_new, uint, 0644);
module_param(timeout_tcp_established, uint, 0644);
module_param(timeout_tcp_closing, uint, 0644);
module_param(timeout_tcp_closed, uint, 0644);
module_param(timeout_udp, uint, 0644);
module_param(timeout_udp_idle, uint, 0644);
module_param(timeout_other, uint, 0644);
MODULE_PARM_DESC(timeout_tcp_established, "idle seconds before an established TCP flow ends");
MODULE_PARM_DESC(timeout_udp_idle,
		 "seconds without a packet before a UDP or ICMP flow stops counting as open");

static struct mutex_bucket *flow_table;
static unsigned int flow_mask;
static u32 flow_seed __read_mostly;
static struct kmem_cache *flow_cache4, *flow_cache6;
static atomic_t flow_count = ATOMIC_INIT(0);
static atomic_t flow_next_seq = ATOMIC_INIT(0);
static struct delayed_work flow_gc_work;

/*
 * Unlinked flows wait here for a grace period before they are freed, in
 * batches: one synchronize_rcu() for many flows, and no rcu_head in each.
 */
static LLIST_HEAD(flow_free_list);
static struct work_struct flow_free_work;

#define MUTEX_GC_INTERVAL	HZ
/*
 * Buckets searched for a flow to end when a namespace claims its share.  A
 * full table holds several flows per bucket and the first bucket nearly
 * always has one; a table limited far below its bucket count is sparse, and
 * the search peeks at empty buckets without taking their locks.
 */
#define MUTEX_EVICT_RANGE	1024

unsigned int mutex_flow_buckets(void)
{
	return flow_mask + 1;
}

/* What mn's flows take: objects of two sizes, by family. */
u64 mutex_flow_bytes(const struct mutex_net *mn)
{
	u64 v6 = atomic_read(&mn->flow6_count);
	u64 all = atomic_read(&mn->flow_count);

	return (all - min(v6, all)) * kmem_cache_size(flow_cache4) +
	       v6 * kmem_cache_size(flow_cache6);
}

u64 mutex_flow_table_bytes(void)
{
	return (u64)(flow_mask + 1) * sizeof(struct mutex_bucket);
}

/* What each namespace with a context is guaranteed. */
static unsigned int flow_share(void)
{
	return READ_ONCE(mutex_max_flows) /
	       max(atomic_read(&mutex_active_netns), 1);
}

/* The most flows mn may hold now (as if it had a context, if it has none). */
unsigned int mutex_flow_limit(const struct mutex_net *mn)
{
	int active = atomic_read(&mutex_active_netns);

	if (!mn || !READ_ONCE(mn->nr_ctx))
		active++;
	return min(READ_ONCE(mutex_max_flows) / max(active, 1),
		   READ_ONCE(mutex_max_flows_netns));
}

/* The address words a flow keeps in its first cache line. */
static __be32 key_addr4(const struct mutex_flow_key *key, int i)
{
	return key->addr[i].s6_addr32[key->family == AF_INET6 ? 3 : 0];
}

static u32 hash_addr4(u32 netid, __be16 port[2], __be32 addr4[2], u8 proto,
		      u8 family)
{
	return jhash_3words((__force u32)addr4[0], (__force u32)addr4[1],
			    (__force u32)port[0] << 16 | (__force u32)port[1],
			    flow_seed ^ netid ^ ((u32)proto << 8 | family));
}

/* An IPv6 flow's full addresses count too; the last words already do. */
static u32 flow_hash(const struct mutex_flow_key *key)
{
	__be32 addr4[2] = { key_addr4(key, 0), key_addr4(key, 1) };
	__be16 port[2] = { key->port[0], key->port[1] };
	u32 h = hash_addr4(key->netid, port, addr4, key->proto, key->family);

	if (key->family == AF_INET6)
		h = jhash2((const u32 *)key->addr, 8, h);
	return h;
}

static void flow_key(const struct mutex_flow *flow, struct mutex_flow_key *key)
{
	key->netid = flow->netid;
	key->port[0] = flow->port[0];
	key->port[1] = flow->port[1];
	key->proto = flow->proto;
	key->family = flow->family;
	mutex_flow_addr(flow, 0, &key->addr[0]);
	mutex_flow_addr(flow, 1, &key->addr[1]);
}

static unsigned int flow_bucket_index(const struct mutex_flow *flow)
{
	struct mutex_flow_key key;

	flow_key(flow, &key);
	return flow_hash(&key) & flow_mask;
}

static bool flow_key_equal(const struct mutex_flow *flow,
			   const struct mutex_flow_key *key)
{
	return flow->netid == key->netid && flow->proto == key->proto &&
	       flow->family == key->family &&
	       flow->port[0] == key->port[0] && flow->port[1] == key->port[1] &&
	       flow->addr4[0] == key_addr4(key, 0) &&
	       flow->addr4[1] == key_addr4(key, 1) &&
	       (flow->family != AF_INET6 ||
		(ipv6_addr_equal(&flow->addr6[0], &key->addr[0]) &&
		 ipv6_addr_equal(&flow->addr6[1], &key->addr[1])));
}

static struct mutex_bucket *flow_bucket(const struct mutex_flow *flow)
{
	return &flow_table[flow_bucket_index(flow)];
}

u64 mutex_flow_id(const struct mutex_flow *flow)
{
	return (u64)flow->seq << flow_buckets_log | flow_bucket_index(flow);
}

/* Caller holds rcu_read_lock(). */
struct mutex_flow *mutex_flow_lookup(const struct mutex_flow_key *key)
{
	struct mutex_bucket *b = &flow_table[flow_hash(key) & flow_mask];
	struct mutex_flow *flow;

	hlist_for_each_entry_rcu(flow, &b->head, node)
		if (flow_key_equal(flow, key))
			return flow;
	return NULL;
}

static void flow_free_batch(struct work_struct *work)
{
	struct llist_node *batch;
	struct mutex_flow *flow, *tmp;

	while ((batch = llist_del_all(&flow_free_list))) {
		synchronize_rcu();
		llist_for_each_entry_safe(flow, tmp, batch, free)
			kmem_cache_free(flow->family == AF_INET6 ? flow_cache6 :
								   flow_cache4,
					flow);
	}
}

/* After hlist_del_rcu(): readers may hold it until a grace period ends. */
static void flow_free(struct mutex_flow *flow)
{
	if (llist_add(&flow->free, &flow_free_list))
		queue_work(system_unbound_wq, &flow_free_work);
}

static u64 flow_packets(const struct mutex_flow *flow)
{
	return atomic64_read(&flow->packets[MUTEX_DIR_SENT]) +
	       atomic64_read(&flow->packets[MUTEX_DIR_RECV]);
}

static bool flow_owned(const struct mutex_flow *flow)
{
	return !(flow->flags & (MUTEX_FLOW_UNOWNED | MUTEX_FLOW_UNLINKED));
}

/* Caller holds flow->lock. */
void mutex_flow_set_state(struct mutex_flow *flow, u8 state)
{
	u8 old = flow->state;

	if (old == state)
		return;
	WRITE_ONCE(flow->state, state);
	if (flow_owned(flow)) {
		atomic_dec(&flow->ctx->flows_state[old]);
		atomic_inc(&flow->ctx->flows_state[state]);
	}
}

/* Caller holds the flow's bucket lock. */
static void flow_unlink(struct mutex_flow *flow, bool evicted)
{
	struct mutex_net *mn = flow->ctx->mn;

	hlist_del_rcu(&flow->node);
	mutex_sk_cache_stale(mn, 1);
	spin_lock(&flow->lock);
	if (flow_owned(flow))
		atomic_dec(&flow->ctx->flows_state[flow->state]);
	else if (flow->flags & MUTEX_FLOW_PENDING)
		mutex_net_unmatched(mn, flow_packets(flow));
	WRITE_ONCE(flow->flags, flow->flags | MUTEX_FLOW_UNLINKED);
	spin_unlock(&flow->lock);
	mutex_reasons_forget(flow);
	if (evicted)
		atomic64_inc(&mn->evicted);
	if (flow->family == AF_INET6)
		atomic_dec(&mn->flow6_count);
	atomic_dec(&mn->flow_count);
	atomic_dec(&flow_count);
	flow_free(flow);
}

/*
 * The table is full and a namespace below its share wants a flow: end one
 * flow of a namespace above its share, preferring one that is not open,
 * from the bucket the new flow goes to onwards (as conntrack's early drop
 * does, but far enough to find one in a sparse table).
 */
static bool flow_evict_over_share(unsigned int start, unsigned int share)
{
	unsigned int i;

	for (i = 0; i < MUTEX_EVICT_RANGE; i++) {
		struct mutex_bucket *b = &flow_table[(start + i) & flow_mask];
		struct mutex_flow *flow, *victim = NULL;

		if (hlist_empty(&b->head))
			continue;
		spin_lock_bh(&b->lock);
		hlist_for_each_entry(flow, &b->head, node) {
			if (atomic_read(&flow->ctx->mn->flow_count) <= share)
				continue;
			victim = flow;
			if (!mutex_state_open(READ_ONCE(flow->state)))
				break;
		}
		if (victim) {
			flow_unlink(victim, true);
			spin_unlock_bh(&b->lock);
			return true;
		}
		spin_unlock_bh(&b->lock);
	}
	return false;
}

/*
 * Create a flow for ctx, or return the one another CPU created first.
 * Returns NULL when this namespace has used its share of the table or
 * memory is short (the opener's memory cgroup is charged); the caller counts
 * that as untracked.  A pending flow (MUTEX_FLOW_PENDING) is held for ctx
 * but counts for nobody until a context claims it.  Caller holds
 * rcu_read_lock().
 */
struct mutex_flow *mutex_flow_create(const struct mutex_flow_key *key,
				     struct mutex_ctx *ctx, u8 local,
				     u8 direction, u8 state, u8 flags)
{
	unsigned int bi = flow_hash(key) & flow_mask, share = flow_share();
	struct mutex_bucket *b = &flow_table[bi];
	atomic_t *netns_count = &ctx->mn->flow_count;
	struct mutex_flow *flow, *other;
	struct mem_cgroup *memcg;

	if (atomic_inc_return(netns_count) >
	    min(share, READ_ONCE(mutex_max_flows_netns)))
		goto err_netns;
	if (atomic_inc_return(&flow_count) > READ_ONCE(mutex_max_flows) &&
	    !flow_evict_over_share(bi, share))
		goto err_count;
	memcg = mutex_set_active_memcg(ctx->memcg);
	flow = kmem_cache_zalloc(key->family == AF_INET6 ? flow_cache6 :
							   flow_cache4,
				 GFP_ATOMIC | __GFP_NOWARN);
	mutex_set_active_memcg(memcg);
	if (!flow)
		goto err_count;

	flow->netid = key->netid;
	flow->port[0] = key->port[0];
	flow->port[1] = key->port[1];
	flow->addr4[0] = key_addr4(key, 0);
	flow->addr4[1] = key_addr4(key, 1);
	flow->proto = key->proto;
	flow->family = key->family;
	if (key->family == AF_INET6) {
		flow->addr6[0] = key->addr[0];
		flow->addr6[1] = key->addr[1];
	}
	flow->ctx = ctx;
	flow->local = local;
	flow->direction = direction;
	flow->state = state;
	flow->flags = flags;
	flow->rtt_min_us = U32_MAX;
	/* From its SYN on, the sockets' retransmissions are all the flow's. */
	if (!(flags & MUTEX_FLOW_MIDSTREAM)) {
		flow->retrans_seen[0] = MUTEX_RETRANS_SEEN;
		flow->retrans_seen[1] = MUTEX_RETRANS_SEEN;
	}
	flow->start_real_ns = ktime_get_real_ns();
	flow->start_jiffies = jiffies;
	flow->last_jiffies = flow->start_jiffies;
	spin_lock_init(&flow->lock);

	spin_lock_bh(&b->lock);
	hlist_for_each_entry(other, &b->head, node)
		if (flow_key_equal(other, key))
			goto err_unlock;
	/* Checked under the bucket lock: see mutex_flow_flush_ctx(). */
	if (READ_ONCE(ctx->dead)) {
		other = NULL;
		goto err_unlock;
	}
	flow->seq = atomic_inc_return(&flow_next_seq);
	if (!(flags & MUTEX_FLOW_UNOWNED)) {
		atomic_inc(&ctx->flows_state[state]);
		if (!(flags & MUTEX_FLOW_MIDSTREAM))
			atomic64_inc(&ctx->conns_total);
	}
	if (key->family == AF_INET6)
		atomic_inc(&ctx->mn->flow6_count);
	hlist_add_head_rcu(&flow->node, &b->head);
	mutex_sk_cache_stale(ctx->mn, 0);
	spin_unlock_bh(&b->lock);
	return flow;

err_unlock:
	spin_unlock_bh(&b->lock);
	kmem_cache_free(key->family == AF_INET6 ? flow_cache6 : flow_cache4,
			flow);
	atomic_dec(&flow_count);
	atomic_dec(netns_count);
	return other;

err_count:
	atomic_dec(&flow_count);
err_netns:
	atomic_dec(netns_count);
	return NULL;
}

/*
 * ctx claims a pending flow: from here on the flow counts for it, and what
 * the flow counted while pending is added to it once.  Packets counted on a
 * pending flow hold its lock (see flow_count_packet()), so nothing is lost
 * or counted twice.  False when the flow is no longer pending or ctx is
 * closing.
 */
bool mutex_flow_claim(struct mutex_flow *flow, struct mutex_ctx *ctx)
{
	struct mutex_bucket *b = flow_bucket(flow);
	struct mutex_ctx_pcpu *p;
	unsigned long irqflags;
	bool claimed = false;
	int dir;

	spin_lock_bh(&b->lock);
	if ((flow->flags & MUTEX_FLOW_UNLINKED) || READ_ONCE(ctx->dead))
		goto out;
	spin_lock(&flow->lock);
	if (flow->flags & MUTEX_FLOW_PENDING) {
		p = get_cpu_ptr(ctx->pcpu);
		irqflags = u64_stats_update_begin_irqsave(&p->syncp);
		for (dir = 0; dir < 2; dir++) {
			u64_stats_add(&p->bytes[dir], atomic64_read(&flow->bytes[dir]));
			u64_stats_add(&p->packets[dir], atomic64_read(&flow->packets[dir]));
		}
		u64_stats_update_end_irqrestore(&p->syncp, irqflags);
		put_cpu_ptr(ctx->pcpu);
		if (!(flow->flags & MUTEX_FLOW_MIDSTREAM))
			atomic64_inc(&ctx->conns_total);
		atomic_inc(&ctx->flows_state[flow->state]);
		WRITE_ONCE(flow->ctx, ctx);
		/* The owner before the flag: see flow_owner() in account.c. */
		smp_store_release(&flow->flags, flow->flags & ~MUTEX_FLOW_PENDING);
		claimed = true;
	}
	spin_unlock(&flow->lock);
out:
	spin_unlock_bh(&b->lock);
	return claimed;
}

/* No context wants a pending flow: its packets count as unmatched. */
void mutex_flow_disown(struct mutex_flow *flow)
{
	spin_lock_bh(&flow->lock);
	if (flow->flags & MUTEX_FLOW_PENDING) {
		WRITE_ONCE(flow->flags, (flow->flags & ~MUTEX_FLOW_PENDING) |
					MUTEX_FLOW_NOBODY);
		mutex_net_unmatched(flow->ctx->mn, flow_packets(flow));
	}
	spin_unlock_bh(&flow->lock);
}

/*
 * Remove every flow of a dying context.  ctx->dead is set before the walk,
 * so an insert racing with it either lands in a bucket not yet visited (and
 * is removed here) or sees dead under the bucket lock and gives up.
 */
void mutex_flow_flush_ctx(struct mutex_ctx *ctx)
{
	struct mutex_flow *flow;
	struct hlist_node *tmp;
	unsigned int i;

	WRITE_ONCE(ctx->dead, true);
	/* Every bucket under its lock: an empty-looking one may be filling. */
	for (i = 0; i <= flow_mask; i++) {
		struct mutex_bucket *b = &flow_table[i];

		spin_lock_bh(&b->lock);
		hlist_for_each_entry_safe(flow, tmp, &b->head, node)
			if (flow->ctx == ctx)
				flow_unlink(flow, false);
		spin_unlock_bh(&b->lock);
		if (!(i & 1023))
			cond_resched();
	}
}

static unsigned long flow_timeout(const struct mutex_flow *flow)
{
	unsigned int secs;

	if (flow->proto == IPPROTO_TCP) {
		switch (READ_ONCE(flow->state)) {
		case MUTEX_FLOW_STATE_NEW:
			secs = READ_ONCE(timeout_tcp_new);
			break;
		case MUTEX_FLOW_STATE_ESTABLISHED:
			secs = READ_ONCE(timeout_tcp_established);
			break;
		case MUTEX_FLOW_STATE_CLOSING:
			secs = READ_ONCE(timeout_tcp_closing);
			break;
		default:
			secs = READ_ONCE(timeout_tcp_closed);
		}
	} else if (flow->proto == IPPROTO_UDP) {
		secs = READ_ONCE(timeout_udp);
	} else {
		secs = READ_ONCE(timeout_other);
	}
	/* last_jiffies is 32 bits: no timeout may reach half its range. */
	return min_t(unsigned long, (unsigned long)secs * HZ, U32_MAX / 4);
}

/*
 * Jiffies since the flow's latest packet.  The GC reads now once before its
 * walk, and a packet counted since (another CPU, a later tick) leaves
 * last_jiffies ahead of it: that flow is not idle at all, not 2^32 - 1
 * jiffies idle.  Timeouts stay below 2^30, so the sign tells the two apart.
 */
static u32 flow_idle(const struct mutex_flow *flow, u32 now)
{
	s32 idle = (s32)(now - READ_ONCE(flow->last_jiffies));

	return idle > 0 ? idle : 0;
}

/* A UDP or ICMP flow without a packet for a while is idle, not open. */
static void flow_gc_idle(struct mutex_flow *flow, u32 now)
{
	unsigned long idle = min_t(unsigned long, U32_MAX / 4,
				   (unsigned long)READ_ONCE(timeout_udp_idle) * HZ);

	if (flow->proto == IPPROTO_TCP ||
	    !mutex_state_open(READ_ONCE(flow->state)))
		return;
	spin_lock(&flow->lock);
	if (mutex_state_open(flow->state) && flow_idle(flow, now) >= idle)
		mutex_flow_set_state(flow, MUTEX_FLOW_STATE_IDLE);
	spin_unlock(&flow->lock);
}

/*
 * The GC runs while any namespace has a context or any flow is left, and
 * stops by itself after that: a host that does not use the module pays no
 * timer.  mutex_flow_gc_start() restarts it.
 */
static void flow_gc(struct work_struct *work)
{
	struct mutex_flow *flow;
	struct hlist_node *tmp;
	u32 now = jiffies;
	unsigned int i;

	for (i = 0; i <= flow_mask; i++) {
		struct mutex_bucket *b = &flow_table[i];

		if (hlist_empty(&b->head))
			continue;
		spin_lock_bh(&b->lock);
		hlist_for_each_entry_safe(flow, tmp, &b->head, node) {
			if (flow_idle(flow, now) < flow_timeout(flow))
				flow_gc_idle(flow, now);
			else
				flow_unlink(flow, true);
		}
		spin_unlock_bh(&b->lock);
		if (!(i & 1023))
			cond_resched();
	}
	if (atomic_read(&flow_count) || atomic_read(&mutex_active_netns))
		queue_delayed_work(system_power_efficient_wq, &flow_gc_work,
				   MUTEX_GC_INTERVAL);
}

void mutex_flow_gc_start(void)
{
	queue_delayed_work(system_power_efficient_wq, &flow_gc_work,
			   MUTEX_GC_INTERVAL);
}

/*
 * Visit flows from a resumable cursor: buckets in order, and inside a bucket
 * flows by ascending id (all ids of a bucket differ in seq only), so a dump
 * neither repeats nor skips a flow that stays in the table.  *done is one
 * more than the seq of the last flow visited in *bucket, 0 for none.
 * visit() returning non-zero stops the walk with the cursor on that flow;
 * it runs under rcu_read_lock(), which the walk leaves every 1024 buckets to
 * let others run (a namespace without flows still walks the whole table, at
 * any user's request).  The cursor stays valid across that.
 */
int mutex_flow_walk(unsigned long *bucket, u64 *done,
		    mutex_flow_visit_t visit, void *arg)
{
	int err = 0;

	rcu_read_lock();
	for (; *bucket <= flow_mask; (*bucket)++, *done = 0) {
		struct mutex_bucket *b = &flow_table[*bucket];

		if (!(*bucket & 1023) && *bucket) {
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
		}
		for (;;) {
			struct mutex_flow *flow, *next = NULL;

			hlist_for_each_entry_rcu(flow, &b->head, node)
				if (flow->seq + 1ULL > *done &&
				    (!next || flow->seq < next->seq))
					next = flow;
			if (!next)
				break;
			err = visit(next, arg);
			if (err)
				goto out;
			*done = next->seq + 1ULL;
		}
	}
out:
	rcu_read_unlock();
	return err;
}

/* A flow's id names its bucket: one chain to walk.  Caller holds RCU. */
struct mutex_flow *mutex_flow_find_id(struct net *net, u64 id)
{
	struct mutex_flow *flow;

	if (id >> flow_buckets_log > U32_MAX)
		return NULL;
	hlist_for_each_entry_rcu(flow, &flow_table[id & flow_mask].head, node)
		if (flow->seq == id >> flow_buckets_log &&
		    flow->netid == net->ns.inum)
			return flow;
	return NULL;
}

int __init mutex_flow_init(void)
{
	unsigned int i, n;

	flow_buckets_log = clamp(flow_buckets_log, 10U, 22U);
	n = 1U << flow_buckets_log;
	flow_table = kvmalloc_array(n, sizeof(*flow_table), GFP_KERNEL);
	if (!flow_table)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		spin_lock_init(&flow_table[i].lock);
		INIT_HLIST_HEAD(&flow_table[i].head);
	}
	flow_mask = n - 1;
	flow_seed = get_random_u32();
	mutex_reasons_init();

	/*
	 * Charged to the memory cgroup of the context's opener.  An IPv4 flow
	 * stays within 26 objects a page: 157 bytes a flow with the slab's
	 * own waste.
	 */
	BUILD_BUG_ON(!IS_ENABLED(CONFIG_DEBUG_SPINLOCK) &&
		     !IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC) &&
		     MUTEX_FLOW_V4_SIZE > 156);
	flow_cache4 = kmem_cache_create("mutex_flow", MUTEX_FLOW_V4_SIZE,
					__alignof__(struct mutex_flow),
					SLAB_ACCOUNT, NULL);
	flow_cache6 = kmem_cache_create("mutex_flow6", MUTEX_FLOW_V6_SIZE,
					__alignof__(struct mutex_flow),
					SLAB_ACCOUNT, NULL);
	if (!flow_cache4 || !flow_cache6) {
		kmem_cache_destroy(flow_cache4);
		kmem_cache_destroy(flow_cache6);
		kvfree(flow_table);
		return -ENOMEM;
	}
	INIT_DEFERRABLE_WORK(&flow_gc_work, flow_gc);
	INIT_WORK(&flow_free_work, flow_free_batch);
	return 0;
}

/* Called after every context is gone, so the table is empty. */
void mutex_flow_exit(void)
{
	cancel_delayed_work_sync(&flow_gc_work);
	flush_work(&flow_free_work);
	WARN_ON(atomic_read(&flow_count));
	kmem_cache_destroy(flow_cache4);
	kmem_cache_destroy(flow_cache6);
	kvfree(flow_table);
}
