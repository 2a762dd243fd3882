// SPDX-License-Identifier: GPL-2.0
/*
 * The flow table: an RCU hash table keyed by netns and normalised 5-tuple,
 * with per-bucket locks, a random seed, a limit on tracked flows and a GC
 * that runs in process context.
 */
#include <linux/jhash.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <net/ipv6.h>
#include <net/netns/hash.h>

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
 * One network namespace (a container, an unprivileged user's namespace) must
 * not be able to fill the table that every other namespace shares.
 */
unsigned int mutex_max_flows_netns = 131072;
module_param_named(max_flows_per_netns, mutex_max_flows_netns, uint, 0644);
MODULE_PARM_DESC(max_flows_per_netns, "most flows tracked at once for one network namespace");

static unsigned int timeout_tcp_new = 60;
static unsigned int timeout_tcp_established = 3600;
static unsigned int timeout_tcp_closing = 120;
static unsigned int timeout_tcp_closed = 10;
static unsigned int timeout_udp = 60;
static unsigned int timeout_other = 30;
module_param(timeout_tcp_new, uint, 0644);
module_param(timeout_tcp_established, uint, 0644);
module_param(timeout_tcp_closing, uint, 0644);
module_param(timeout_tcp_closed, uint, 0644);
module_param(timeout_udp, uint, 0644);
module_param(timeout_other, uint, 0644);
MODULE_PARM_DESC(timeout_tcp_established, "idle seconds before an established TCP flow ends");

static struct mutex_bucket *flow_table;
static unsigned int flow_mask;
static u32 flow_seed __read_mostly;
static struct kmem_cache *flow_cache;
static atomic_t flow_count = ATOMIC_INIT(0);
static atomic64_t flow_next_id = ATOMIC64_INIT(0);
static struct delayed_work flow_gc_work;

#define MUTEX_GC_INTERVAL	HZ

unsigned int mutex_flow_buckets(void)
{
	return flow_mask + 1;
}

u64 mutex_flow_count(void)
{
	return atomic_read(&flow_count);
}

u64 mutex_flow_memory(void)
{
	return (u64)atomic_read(&flow_count) * kmem_cache_size(flow_cache) +
	       (u64)(flow_mask + 1) * sizeof(struct mutex_bucket);
}

/*
 * Order the two endpoints so that both directions of a connection share a
 * key; *src_index tells which endpoint the packet's source became.
 */
void mutex_flow_key_normalise(struct mutex_flow_key *key, u8 *src_index)
{
	int cmp = memcmp(&key->addr[0], &key->addr[1], sizeof(key->addr[0]));

	if (cmp > 0 || (cmp == 0 && ntohs(key->port[0]) > ntohs(key->port[1]))) {
		swap(key->addr[0], key->addr[1]);
		swap(key->port[0], key->port[1]);
		*src_index = 1;
	} else {
		*src_index = 0;
	}
}

static u32 flow_hash(const struct mutex_flow_key *key)
{
	return jhash2((const u32 *)&key->addr,
		      (sizeof(key->addr) + sizeof(key->port)) / sizeof(u32),
		      flow_seed ^ net_hash_mix(key->net) ^
		      ((u32)key->proto << 8 | key->family));
}

static bool flow_key_equal(const struct mutex_flow_key *a,
			   const struct mutex_flow_key *b)
{
	return a->net == b->net && a->proto == b->proto &&
	       a->family == b->family && a->port[0] == b->port[0] &&
	       a->port[1] == b->port[1] &&
	       ipv6_addr_equal(&a->addr[0], &b->addr[0]) &&
	       ipv6_addr_equal(&a->addr[1], &b->addr[1]);
}

/* Caller holds rcu_read_lock(). */
struct mutex_flow *mutex_flow_lookup(const struct mutex_flow_key *key)
{
	struct mutex_bucket *b = &flow_table[flow_hash(key) & flow_mask];
	struct mutex_flow *flow;

	hlist_for_each_entry_rcu(flow, &b->head, node)
		if (flow_key_equal(&flow->key, key))
			return flow;
	return NULL;
}

/*
 * Create a flow for ctx, or return the one another CPU created first.
 * Returns NULL when the table is full or memory is short; the caller
 * counts that as untracked.  Caller holds rcu_read_lock().
 */
struct mutex_flow *mutex_flow_create(const struct mutex_flow_key *key,
				     struct mutex_ctx *ctx, u8 local,
				     u8 direction)
{
	struct mutex_bucket *b = &flow_table[flow_hash(key) & flow_mask];
	atomic_t *netns_count = &ctx->mn->flow_count;
	struct mutex_flow *flow, *other;

	if (atomic_inc_return(netns_count) > READ_ONCE(mutex_max_flows_netns))
		goto err_netns;
	if (atomic_inc_return(&flow_count) > READ_ONCE(mutex_max_flows))
		goto err_count;
	flow = kmem_cache_zalloc(flow_cache, GFP_ATOMIC | __GFP_NOWARN);
	if (!flow)
		goto err_count;

	flow->key = *key;
	flow->ctx = ctx;
	flow->local = local;
	flow->direction = direction;
	flow->state = MUTEX_FLOW_STATE_NEW;
	flow->rtt_min_us = U32_MAX;
	flow->start_mono_ns = ktime_get_ns();
	flow->last_jiffies = jiffies;
	spin_lock_init(&flow->lock);

	spin_lock_bh(&b->lock);
	hlist_for_each_entry(other, &b->head, node) {
		if (flow_key_equal(&other->key, key)) {
			spin_unlock_bh(&b->lock);
			kmem_cache_free(flow_cache, flow);
			atomic_dec(&flow_count);
			atomic_dec(netns_count);
			return other;
		}
	}
	/* Checked under the bucket lock: see mutex_flow_flush_ctx(). */
	if (READ_ONCE(ctx->dead)) {
		spin_unlock_bh(&b->lock);
		kmem_cache_free(flow_cache, flow);
		atomic_dec(&flow_count);
		atomic_dec(netns_count);
		return NULL;
	}
	flow->id = atomic64_inc_return(&flow_next_id);
	hlist_add_head_rcu(&flow->node, &b->head);
	atomic_inc(&ctx->mn->flow_gen);
	spin_unlock_bh(&b->lock);

	atomic64_inc(&ctx->conns_total);
	atomic64_inc(&ctx->conns_active);
	return flow;

err_count:
	atomic_dec(&flow_count);
err_netns:
	atomic_dec(netns_count);
	return NULL;
}

static void flow_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(flow_cache, container_of(head, struct mutex_flow, rcu));
}

/* Caller holds the bucket lock. */
static void flow_unlink(struct mutex_flow *flow)
{
	hlist_del_rcu(&flow->node);
	atomic_inc(&flow->ctx->mn->flow_gen);
	atomic64_dec(&flow->ctx->conns_active);
	atomic_dec(&flow->ctx->mn->flow_count);
	atomic_dec(&flow_count);
	call_rcu(&flow->rcu, flow_free_rcu);
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
				flow_unlink(flow);
		spin_unlock_bh(&b->lock);
		if (!(i & 1023))
			cond_resched();
	}
}

static unsigned long flow_timeout(const struct mutex_flow *flow)
{
	unsigned int secs;

	if (flow->key.proto == IPPROTO_TCP) {
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
	} else if (flow->key.proto == IPPROTO_UDP) {
		secs = READ_ONCE(timeout_udp);
	} else {
		secs = READ_ONCE(timeout_other);
	}
	return (unsigned long)secs * HZ;
}

static void flow_gc(struct work_struct *work)
{
	struct mutex_flow *flow;
	struct hlist_node *tmp;
	unsigned long now = jiffies;
	unsigned int i;

	for (i = 0; i <= flow_mask; i++) {
		struct mutex_bucket *b = &flow_table[i];

		if (hlist_empty(&b->head))
			continue;
		spin_lock_bh(&b->lock);
		hlist_for_each_entry_safe(flow, tmp, &b->head, node) {
			if (time_before(now, READ_ONCE(flow->last_jiffies) +
					flow_timeout(flow)))
				continue;
			atomic64_inc(&flow->ctx->mn->evicted);
			flow_unlink(flow);
		}
		spin_unlock_bh(&b->lock);
		if (!(i & 1023))
			cond_resched();
	}
	queue_delayed_work(system_power_efficient_wq, &flow_gc_work,
			   MUTEX_GC_INTERVAL);
}

/*
 * Visit flows from a resumable cursor: buckets in order, and inside a bucket
 * flows by ascending id, so a dump neither repeats nor skips a flow that
 * stays in the table.  visit() returning non-zero stops the walk with the
 * cursor on that flow.  Caller holds rcu_read_lock().
 */
int mutex_flow_walk(unsigned long *bucket, u64 *last_id,
		    mutex_flow_visit_t visit, void *arg)
{
	for (; *bucket <= flow_mask; (*bucket)++, *last_id = 0) {
		struct mutex_bucket *b = &flow_table[*bucket];

		for (;;) {
			struct mutex_flow *flow, *next = NULL;
			int err;

			hlist_for_each_entry_rcu(flow, &b->head, node)
				if (flow->id > *last_id &&
				    (!next || flow->id < next->id))
					next = flow;
			if (!next)
				break;
			err = visit(next, arg);
			if (err)
				return err;
			*last_id = next->id;
		}
	}
	return 0;
}

struct mutex_flow *mutex_flow_find_id(struct net *net, u64 id)
{
	struct mutex_flow *flow;
	unsigned int i;

	for (i = 0; i <= flow_mask; i++)
		hlist_for_each_entry_rcu(flow, &flow_table[i].head, node)
			if (flow->id == id && flow->key.net == net)
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

	flow_cache = KMEM_CACHE(mutex_flow, 0);
	if (!flow_cache) {
		kvfree(flow_table);
		return -ENOMEM;
	}
	INIT_DEFERRABLE_WORK(&flow_gc_work, flow_gc);
	queue_delayed_work(system_power_efficient_wq, &flow_gc_work,
			   MUTEX_GC_INTERVAL);
	return 0;
}

/* Called after every context is gone, so the table is empty. */
void mutex_flow_exit(void)
{
	cancel_delayed_work_sync(&flow_gc_work);
	rcu_barrier();
	WARN_ON(atomic_read(&flow_count));
	kmem_cache_destroy(flow_cache);
	kvfree(flow_table);
}
