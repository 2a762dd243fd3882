// SPDX-License-Identifier: GPL-2.0
/*
 * Accounting: each helper here updates a flow and the context that owns it
 * together, so the two can never disagree.  A flow whose owner is not
 * confirmed yet (pending) counts its packets on itself only; its owner takes
 * them over when it claims the flow (mutex_flow_claim()).  Nothing else is
 * counted for an unowned flow.  Callable from any context but hard IRQ.
 */
#include <linux/log2.h>

#include "mutex.h"

static void ctx_count(struct mutex_ctx *ctx, int dir, unsigned int len)
{
	struct mutex_ctx_pcpu *p = get_cpu_ptr(ctx->pcpu);
	unsigned long flags;

	flags = u64_stats_update_begin_irqsave(&p->syncp);
	u64_stats_add(&p->bytes[dir], len);
	u64_stats_inc(&p->packets[dir]);
	u64_stats_update_end_irqrestore(&p->syncp, flags);
	put_cpu_ptr(ctx->pcpu);
}

/* The flow's owner, or NULL while it has none. */
static struct mutex_ctx *flow_owner(const struct mutex_flow *flow)
{
	/* Pairs with the release in mutex_flow_claim(): a set owner is seen. */
	if (smp_load_acquire(&flow->flags) & MUTEX_FLOW_UNOWNED)
		return NULL;
	return flow->ctx;
}

/*
 * One packet of len L3 bytes in direction dir.  Returns false for a flow
 * that no context claimed (the packet counts as unmatched).
 */
bool mutex_flow_count_packet(struct mutex_flow *flow, int dir, unsigned int len)
{
	struct mutex_ctx *ctx = flow_owner(flow);
	bool counted = true;

	if (likely(ctx)) {
		atomic64_add(len, &flow->bytes[dir]);
		atomic64_inc(&flow->packets[dir]);
		ctx_count(ctx, dir, len);
		return true;
	}
	/* The lock orders this against a claim: see mutex_flow_claim(). */
	spin_lock_bh(&flow->lock);
	if (flow->flags & MUTEX_FLOW_NOBODY) {
		counted = false;
	} else {
		atomic64_add(len, &flow->bytes[dir]);
		atomic64_inc(&flow->packets[dir]);
		if (!(flow->flags & MUTEX_FLOW_PENDING))
			ctx_count(flow->ctx, dir, len);
	}
	spin_unlock_bh(&flow->lock);
	return counted;
}

/* A per-CPU counter of the namespace: field is its offset in mutex_net_pcpu. */
void mutex_net_count(struct mutex_net *mn, size_t field, u64 n)
{
	struct mutex_net_pcpu *p = get_cpu_ptr(mn->pcpu);
	unsigned long flags;

	flags = u64_stats_update_begin_irqsave(&p->syncp);
	u64_stats_add((u64_stats_t *)((char *)p + field), n);
	u64_stats_update_end_irqrestore(&p->syncp, flags);
	put_cpu_ptr(mn->pcpu);
}

/* Packets of a pending flow that no context claimed, counted when it ends. */
void mutex_net_unmatched(struct mutex_net *mn, u64 packets)
{
	mutex_net_count(mn, offsetof(struct mutex_net_pcpu, unmatched), packets);
}

/* n events of kind ev on a flow and its owner (none while it has no owner). */
void mutex_flow_event(struct mutex_flow *flow, enum mutex_event ev, u32 n)
{
	struct mutex_ctx *ctx = flow_owner(flow);

	if (ctx) {
		atomic_add(n, &flow->events[ev]);
		atomic64_add(n, &ctx->events[ev]);
	}
}

/* A packet of flow dropped for reason (enum skb_drop_reason). */
void mutex_flow_drop(struct mutex_flow *flow, unsigned int reason)
{
	struct mutex_ctx *ctx = flow_owner(flow);

	if (!ctx)
		return;
	atomic_inc(&flow->events[MUTEX_EV_DROPS]);
	atomic64_inc(&ctx->events[MUTEX_EV_DROPS]);
	mutex_reasons_count(flow, ctx, mutex_drop_slot(reason));
}

/*
 * Retransmissions as the socket itself counts them (tcpi_total_retrans, which
 * ss shows): the kernel adds to it before transmitting, and a failed
 * transmission does not reach the tracepoint on 6.1, so follow the counter of
 * each side rather than the events.  A flow picked up mid-stream first takes
 * each side's total as its starting point: what the socket retransmitted
 * before the flow existed is not the flow's.  The flow keeps the low 15
 * bits: a socket retransmits far fewer than 2^14 segments between two of
 * its sends, so the difference is exact; a total that went back (another
 * socket on the same side) only moves the starting point.
 */
void mutex_flow_retrans(struct mutex_flow *flow, u8 side, u32 total)
{
	u16 old = READ_ONCE(flow->retrans_seen[side]);
	u16 seen = MUTEX_RETRANS_SEEN | (total & MUTEX_RETRANS_MASK);
	u16 delta;

	do {
		if (old == seen)
			return;
		delta = (old & MUTEX_RETRANS_SEEN) ?
			(seen - old) & MUTEX_RETRANS_MASK : 0;
	} while (!try_cmpxchg(&flow->retrans_seen[side], &old, seen));
	if (delta && delta < MUTEX_RETRANS_SEEN / 2)
		mutex_flow_event(flow, MUTEX_EV_RETRANSMITS, delta);
}

static void atomic64_min(atomic64_t *v, u64 x)
{
	s64 old = atomic64_read(v);

	while ((u64)old > x && !atomic64_try_cmpxchg(v, &old, x))
		;
}

static void atomic64_max(atomic64_t *v, u64 x)
{
	s64 old = atomic64_read(v);

	while ((u64)old < x && !atomic64_try_cmpxchg(v, &old, x))
		;
}

/*
 * One smoothed-RTT sample of the flow's socket.  The context's sample count
 * is the sum of its histogram (read in one snapshot), so the maximum is
 * raised before the bucket: a reader never sees a sample in the histogram
 * above the maximum it read first.
 */
void mutex_rtt_sample(struct mutex_flow *flow, u32 rtt_us)
{
	struct mutex_ctx *ctx = flow_owner(flow);
	unsigned int bucket;

	if (!ctx)
		return;
	spin_lock_bh(&flow->lock);
	flow->rtt_samples++;
	flow->rtt_sum_us += rtt_us;
	flow->rtt_min_us = min(flow->rtt_min_us, rtt_us);
	flow->rtt_max_us = max(flow->rtt_max_us, rtt_us);
	spin_unlock_bh(&flow->lock);

	bucket = rtt_us ? min_t(unsigned int, fls(rtt_us), MUTEX_RTT_BUCKETS - 1) : 0;
	atomic64_min(&ctx->rtt_min_us, rtt_us);
	atomic64_max(&ctx->rtt_max_us, rtt_us);
	atomic64_add(rtt_us, &ctx->rtt_sum_us);
	/* The maximum before the bucket: see mutex_ctx_totals(). */
	smp_mb__before_atomic();
	atomic64_inc(&ctx->rtt_hist[bucket]);
}
