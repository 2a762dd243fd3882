// SPDX-License-Identifier: GPL-2.0
/*
 * Drops by the kernel's own drop reason, per context and per flow.
 *
 * A context keeps a counter per core reason (and one for every other
 * subsystem's).  A flow has no room for that, and few flows ever see a drop:
 * those that do get an entry in a side table, keyed by the flow, made at
 * their first drop (charged like the flow) and removed when the flow leaves
 * the table.  A flow keeps its first MUTEX_FLOW_REASONS reasons apart; the
 * drops of any further reason count under OTHER.
 */
#include <linux/hash.h>
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <net/genetlink.h>

#include "mutex.h"

#define MUTEX_FLOW_REASONS	4
#define REASONS_BITS		8

struct flow_reasons {
	struct hlist_node node;		/* in reasons_table, RCU */
	struct rcu_head rcu;
	const struct mutex_flow *flow;
	u16 slot[MUTEX_FLOW_REASONS];	/* MUTEX_DROP_SLOTS: none yet */
	atomic_t drops[MUTEX_FLOW_REASONS + 1];	/* the last: any other */
};

struct reasons_bucket {
	spinlock_t lock;
	struct hlist_head head;
};

static struct reasons_bucket reasons_table[1 << REASONS_BITS];

static struct reasons_bucket *bucket_of(const struct mutex_flow *flow)
{
	return &reasons_table[hash_ptr(flow, REASONS_BITS)];
}

/* The counting slot of a drop reason: core reasons each, the rest one. */
unsigned int mutex_drop_slot(unsigned int reason)
{
	return min_t(unsigned int, reason, SKB_DROP_REASON_MAX);
}

/* The name of a slot, as the running kernel names the reason. */
static const char *slot_name(unsigned int slot)
{
	const char *name = NULL;

	if (slot < SKB_DROP_REASON_MAX)
		name = mutex_drop_reason_name(slot);
	return name ?: "OTHER_SUBSYSTEM";
}

static struct flow_reasons *reasons_find(const struct mutex_flow *flow)
{
	struct flow_reasons *r;

	hlist_for_each_entry_rcu(r, &bucket_of(flow)->head, node)
		if (r->flow == flow)
			return r;
	return NULL;
}

/*
 * One drop of reason slot on flow, whose owner is ctx.  A flow whose entry
 * cannot be made (no memory) still counts the drop, without its reason.
 * Caller holds rcu_read_lock().
 */
void mutex_reasons_count(struct mutex_flow *flow, struct mutex_ctx *ctx,
			 unsigned int slot)
{
	struct reasons_bucket *b = bucket_of(flow);
	struct flow_reasons *r, *made;
	struct mem_cgroup *memcg;
	unsigned long irqflags;
	int i;

	atomic64_inc(&ctx->drop_reasons[slot]);
	r = reasons_find(flow);
	if (!r) {
		memcg = mutex_set_active_memcg(ctx->memcg);
		made = kzalloc(sizeof(*made), GFP_ATOMIC | __GFP_NOWARN |
					      __GFP_ACCOUNT);
		mutex_set_active_memcg(memcg);
		if (!made)
			return;
		made->flow = flow;
		for (i = 0; i < MUTEX_FLOW_REASONS; i++)
			made->slot[i] = MUTEX_DROP_SLOTS;
		spin_lock_irqsave(&b->lock, irqflags);
		r = reasons_find(flow);
		/* A flow already out of the table would leave it behind. */
		if (!r && !(READ_ONCE(flow->flags) & MUTEX_FLOW_UNLINKED)) {
			hlist_add_head_rcu(&made->node, &b->head);
			r = made;
			made = NULL;
		}
		spin_unlock_irqrestore(&b->lock, irqflags);
		kfree(made);
		if (!r)
			return;
	}
	for (i = 0; i < MUTEX_FLOW_REASONS; i++) {
		u16 seen = READ_ONCE(r->slot[i]);

		if (seen == MUTEX_DROP_SLOTS &&
		    try_cmpxchg(&r->slot[i], &seen, slot)) {
			seen = slot;
		}
		if (seen == slot)
			break;
	}
	atomic_inc(&r->drops[i]);
}

/* The flow left the table (its bucket lock held): its reasons go too. */
void mutex_reasons_forget(const struct mutex_flow *flow)
{
	struct reasons_bucket *b = bucket_of(flow);
	struct flow_reasons *r;
	unsigned long irqflags;

	/* Under the lock even when empty: it orders this after the flag. */
	spin_lock_irqsave(&b->lock, irqflags);
	r = reasons_find(flow);
	if (r)
		hlist_del_rcu(&r->node);
	spin_unlock_irqrestore(&b->lock, irqflags);
	if (r)
		kfree_rcu(r, rcu);
}

static int put_reason(struct sk_buff *skb, int attr, const char *name,
		      u64 drops)
{
	struct nlattr *nest = nla_nest_start(skb, attr);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, MUTEX_A_DROP_REASON_REASON, name) ||
	    nla_put_u64_64bit(skb, MUTEX_A_DROP_REASON_DROPS, drops,
			      MUTEX_A_DROP_REASON_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* The most room a context's drops by reason can take in a message. */
size_t mutex_reasons_ctx_max_size(void)
{
	unsigned int slot;
	size_t size = 0;

	for (slot = 0; slot < MUTEX_DROP_SLOTS; slot++)
		size += nla_total_size(0) +
			nla_total_size(strlen(slot_name(slot)) + 1) +
			nla_total_size_64bit(sizeof(u64));
	return size;
}

/* A context's drops by reason, one attr nest per reason seen. */
int mutex_reasons_put_ctx(struct sk_buff *skb, int attr,
			  const struct mutex_ctx *ctx)
{
	unsigned int slot;
	u64 drops;

	for (slot = 0; slot < MUTEX_DROP_SLOTS; slot++) {
		drops = atomic64_read(&ctx->drop_reasons[slot]);
		if (drops && put_reason(skb, attr, slot_name(slot), drops))
			return -EMSGSIZE;
	}
	return 0;
}

/* A flow's drops by reason.  Caller holds rcu_read_lock(). */
int mutex_reasons_put_flow(struct sk_buff *skb, int attr,
			   const struct mutex_flow *flow)
{
	struct flow_reasons *r = reasons_find(flow);
	u32 drops;
	int i;

	if (!r)
		return 0;
	for (i = 0; i <= MUTEX_FLOW_REASONS; i++) {
		u16 slot;

		drops = atomic_read(&r->drops[i]);
		if (!drops)
			continue;
		/*
		 * The count before its slot: a drop is counted after its slot
		 * was claimed (a fully ordered cmpxchg), so a count seen has
		 * its reason seen too, never the empty mark.
		 */
		smp_rmb();
		slot = i < MUTEX_FLOW_REASONS ? READ_ONCE(r->slot[i]) : 0;
		if (put_reason(skb, attr, i < MUTEX_FLOW_REASONS ?
				   slot_name(slot) : "OTHER", drops))
			return -EMSGSIZE;
	}
	return 0;
}

void mutex_reasons_init(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(reasons_table); i++) {
		spin_lock_init(&reasons_table[i].lock);
		INIT_HLIST_HEAD(&reasons_table[i].head);
	}
}
