// SPDX-License-Identifier: GPL-2.0
/*
 * Aggregation: context totals summed from per-CPU and atomic counters,
 * netns totals as the sum over live contexts plus those already destroyed,
 * and the once-a-second rates.
 */
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/string.h>

#include "mutex.h"

#define MUTEX_RATE_INTERVAL	HZ

void mutex_ctx_totals(struct mutex_ctx *ctx, struct mutex_totals *t)
{
	unsigned int start;
	int cpu, dir, i;
	u64 min;

	memset(t, 0, sizeof(*t));
	for_each_possible_cpu(cpu) {
		const struct mutex_ctx_pcpu *p = per_cpu_ptr(ctx->pcpu, cpu);
		u64 bytes[2], packets[2];

		do {
			start = u64_stats_fetch_begin(&p->syncp);
			for (dir = 0; dir < 2; dir++) {
				bytes[dir] = u64_stats_read(&p->bytes[dir]);
				packets[dir] = u64_stats_read(&p->packets[dir]);
			}
		} while (u64_stats_fetch_retry(&p->syncp, start));
		for (dir = 0; dir < 2; dir++) {
			t->bytes[dir] += bytes[dir];
			t->packets[dir] += packets[dir];
		}
	}
	t->conns_total = atomic64_read(&ctx->conns_total);
	t->retransmits = atomic64_read(&ctx->retransmits);
	t->errors = atomic64_read(&ctx->errors);
	t->drops = atomic64_read(&ctx->drops);
	t->rtt_samples = atomic64_read(&ctx->rtt_samples);
	t->rtt_sum_us = atomic64_read(&ctx->rtt_sum_us);
	min = atomic64_read(&ctx->rtt_min_us);
	t->rtt_min_us = min == U64_MAX ? 0 : min;
	t->rtt_max_us = atomic64_read(&ctx->rtt_max_us);
	for (i = 0; i < MUTEX_RTT_BUCKETS; i++)
		t->rtt_hist[i] = atomic64_read(&ctx->rtt_hist[i]);
}

void mutex_totals_add(struct mutex_totals *sum, const struct mutex_totals *t)
{
	int i;

	for (i = 0; i < 2; i++) {
		sum->bytes[i] += t->bytes[i];
		sum->packets[i] += t->packets[i];
	}
	sum->conns_total += t->conns_total;
	sum->retransmits += t->retransmits;
	sum->errors += t->errors;
	sum->drops += t->drops;
	if (t->rtt_samples) {
		if (!sum->rtt_samples || t->rtt_min_us < sum->rtt_min_us)
			sum->rtt_min_us = t->rtt_min_us;
		sum->rtt_max_us = max(sum->rtt_max_us, t->rtt_max_us);
	}
	sum->rtt_samples += t->rtt_samples;
	sum->rtt_sum_us += t->rtt_sum_us;
	for (i = 0; i < MUTEX_RTT_BUCKETS; i++)
		sum->rtt_hist[i] += t->rtt_hist[i];
}

/* Upper bound in us of the bucket holding the pct-th percentile sample. */
u64 mutex_hist_percentile(const u64 *hist, u64 samples, unsigned int pct)
{
	u64 rank, seen = 0;
	int i;

	if (!samples)
		return 0;
	rank = div_u64(samples * pct + 99, 100);
	for (i = 0; i < MUTEX_RTT_BUCKETS; i++) {
		seen += hist[i];
		if (seen >= rank)
			return i ? (1ULL << i) - 1 : 0;
	}
	return (1ULL << (MUTEX_RTT_BUCKETS - 1)) - 1;
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

/* One smoothed-RTT sample of the flow's socket. */
void mutex_rtt_sample(struct mutex_flow *flow, u32 rtt_us)
{
	struct mutex_ctx *ctx = flow->ctx;
	unsigned int bucket;

	spin_lock_bh(&flow->lock);
	flow->rtt_samples++;
	flow->rtt_sum_us += rtt_us;
	flow->rtt_min_us = min(flow->rtt_min_us, rtt_us);
	flow->rtt_max_us = max(flow->rtt_max_us, rtt_us);
	spin_unlock_bh(&flow->lock);

	bucket = rtt_us ? min_t(unsigned int, fls(rtt_us), MUTEX_RTT_BUCKETS - 1) : 0;
	atomic64_inc(&ctx->rtt_samples);
	atomic64_add(rtt_us, &ctx->rtt_sum_us);
	atomic64_min(&ctx->rtt_min_us, rtt_us);
	atomic64_max(&ctx->rtt_max_us, rtt_us);
	atomic64_inc(&ctx->rtt_hist[bucket]);
}

void mutex_rates_update(struct mutex_rates *r, const struct mutex_totals *t,
			u64 elapsed_ns)
{
	int dir;

	if (!elapsed_ns)
		return;
	for (dir = 0; dir < 2; dir++) {
		u64 delta = t->bytes[dir] > r->last_bytes[dir] ?
			    t->bytes[dir] - r->last_bytes[dir] : 0;

		r->bytes_per_sec[dir] = mul_u64_u64_div_u64(delta, NSEC_PER_SEC,
							    elapsed_ns);
		r->bytes_per_sec_peak[dir] = max(r->bytes_per_sec_peak[dir],
						 r->bytes_per_sec[dir]);
		r->last_bytes[dir] = t->bytes[dir];
	}
	r->conns_per_sec = t->conns_total > r->last_conns ?
		mul_u64_u64_div_u64(t->conns_total - r->last_conns,
				    NSEC_PER_SEC, elapsed_ns) : 0;
	r->conns_per_sec_peak = max(r->conns_per_sec_peak, r->conns_per_sec);
	r->last_conns = t->conns_total;
}

/* Sum over live contexts plus destroyed ones.  Caller holds mutex_ctx_lock. */
static void mutex_net_totals(struct mutex_net *mn, struct mutex_totals *sum,
			     u64 *conns_active, u32 *fds_active)
{
	struct mutex_totals t;
	struct mutex_ctx *ctx;

	*sum = mn->dead;
	*conns_active = 0;
	*fds_active = 0;
	list_for_each_entry(ctx, &mn->ctxs, node) {
		mutex_ctx_totals(ctx, &t);
		mutex_totals_add(sum, &t);
		*conns_active += atomic64_read(&ctx->conns_active);
		(*fds_active)++;
	}
}

/* Once a second: bandwidth and connection rate per context and globally. */
void mutex_rate_work(struct work_struct *work)
{
	struct mutex_net *mn = container_of(to_delayed_work(work),
					    struct mutex_net, rate_work);
	u64 now = ktime_get_ns(), elapsed = now - mn->rates_stamp_ns;
	struct mutex_totals t, sum;
	struct mutex_ctx *ctx;
	u64 active;
	u32 fds;

	mutex_lock(&mutex_ctx_lock);
	list_for_each_entry(ctx, &mn->ctxs, node) {
		u64 ctx_elapsed = now - max(mn->rates_stamp_ns,
					    ctx->created_mono_ns);

		mutex_ctx_totals(ctx, &t);
		mutex_rates_update(&ctx->rates, &t, ctx_elapsed);
	}
	mutex_net_totals(mn, &sum, &active, &fds);
	mutex_rates_update(&mn->rates, &sum, elapsed);
	mn->rates_stamp_ns = now;
	mutex_unlock(&mutex_ctx_lock);

	queue_delayed_work(system_power_efficient_wq, &mn->rate_work,
			   MUTEX_RATE_INTERVAL);
}

static void mutex_net_pcpu_sum(struct mutex_net *mn, struct mutex_stats *s)
{
	unsigned int start;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct mutex_net_pcpu *p = per_cpu_ptr(mn->pcpu, cpu);
		u64 unmatched, hit, miss, untracked;

		do {
			start = u64_stats_fetch_begin(&p->syncp);
			unmatched = u64_stats_read(&p->unmatched);
			hit = u64_stats_read(&p->lookups_hit);
			miss = u64_stats_read(&p->lookups_miss);
			untracked = u64_stats_read(&p->untracked);
		} while (u64_stats_fetch_retry(&p->syncp, start));
		s->unmatched_packets += unmatched;
		s->lookups_hit += hit;
		s->lookups_miss += miss;
		s->flows_untracked += untracked;
	}
}

void mutex_stats_snapshot(struct net *net, struct mutex_stats *s)
{
	struct mutex_net *mn = mutex_pernet(net);
	struct mutex_totals sum;

	memset(s, 0, sizeof(*s));
	s->instance_id = mutex_instance_id;
	s->load_time_ns = mutex_load_time_ns;

	mutex_lock(&mutex_ctx_lock);
	mutex_net_totals(mn, &sum, &s->conns_active, &s->fds_active);
	s->fds_total = mn->fds_total;
	s->sent_bytes_per_sec = mn->rates.bytes_per_sec[MUTEX_DIR_SENT];
	s->sent_bytes_per_sec_peak = mn->rates.bytes_per_sec_peak[MUTEX_DIR_SENT];
	s->received_bytes_per_sec = mn->rates.bytes_per_sec[MUTEX_DIR_RECV];
	s->received_bytes_per_sec_peak = mn->rates.bytes_per_sec_peak[MUTEX_DIR_RECV];
	s->conns_per_sec = mn->rates.conns_per_sec;
	s->conns_per_sec_peak = mn->rates.conns_per_sec_peak;
	mutex_unlock(&mutex_ctx_lock);

	s->conns_total = sum.conns_total;
	s->bytes_sent = sum.bytes[MUTEX_DIR_SENT];
	s->bytes_received = sum.bytes[MUTEX_DIR_RECV];
	s->packets_sent = sum.packets[MUTEX_DIR_SENT];
	s->packets_received = sum.packets[MUTEX_DIR_RECV];
	s->retransmits = sum.retransmits;
	s->errors = sum.errors;
	s->drops = sum.drops;
	s->rtt_samples = sum.rtt_samples;
	s->rtt_sum_us = sum.rtt_sum_us;
	s->rtt_min_us = sum.rtt_min_us;
	s->rtt_max_us = sum.rtt_max_us;

	mutex_net_pcpu_sum(mn, s);
	s->flow_buckets = mutex_flow_buckets();
	s->flow_limit = min(READ_ONCE(mutex_max_flows),
			    READ_ONCE(mutex_max_flows_netns));
	s->flows_evicted = atomic64_read(&mn->evicted);
	s->memory_bytes = mutex_flow_memory();
	mutex_alert_ring_stats(mn, s);
}
