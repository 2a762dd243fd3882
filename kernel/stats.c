// SPDX-License-Identifier: GPL-2.0
/*
 * Aggregation: context totals summed from per-CPU and atomic counters,
 * netns totals as the sum over live contexts plus those already destroyed,
 * and the once-a-second rates, computed only while the namespace has a
 * context.
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
	for (i = 0; i < MUTEX_EVENTS; i++)
		t->events[i] = atomic64_read(&ctx->events[i]);
	/*
	 * The sample count is the histogram's sum, so percentiles always
	 * find their rank in it; the histogram is read before the maximum,
	 * which a sample raises before its bucket (mutex_rtt_sample()).
	 */
	for (i = 0; i < MUTEX_RTT_BUCKETS; i++) {
		t->rtt_hist[i] = atomic64_read(&ctx->rtt_hist[i]);
		t->rtt_samples += t->rtt_hist[i];
	}
	/* The histogram before the maximum: see mutex_rtt_sample(). */
	smp_rmb();
	t->rtt_sum_us = atomic64_read(&ctx->rtt_sum_us);
	min = atomic64_read(&ctx->rtt_min_us);
	t->rtt_min_us = min == U64_MAX ? 0 : min;
	t->rtt_max_us = atomic64_read(&ctx->rtt_max_us);
}

/* Flows of ctx in the table now: all of them, or the open ones. */
u64 mutex_ctx_flows(struct mutex_ctx *ctx, bool open_only)
{
	u64 n = 0;
	int s;

	for (s = 0; s < MUTEX_FLOW_STATES; s++)
		if (!open_only || mutex_state_open(s))
			n += max(atomic_read(&ctx->flows_state[s]), 0);
	return n;
}

void mutex_totals_add(struct mutex_totals *sum, const struct mutex_totals *t)
{
	int i;

	for (i = 0; i < 2; i++) {
		sum->bytes[i] += t->bytes[i];
		sum->packets[i] += t->packets[i];
	}
	sum->conns_total += t->conns_total;
	for (i = 0; i < MUTEX_EVENTS; i++)
		sum->events[i] += t->events[i];
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

/*
 * The pct-th percentile: the upper bound in us of the bucket holding that
 * sample, but never above the largest sample seen.
 */
u64 mutex_hist_percentile(const struct mutex_totals *t, unsigned int pct)
{
	u64 rank, seen = 0;
	int i;

	if (!t->rtt_samples)
		return 0;
	rank = div_u64(t->rtt_samples * pct + 99, 100);
	for (i = 0; i < MUTEX_RTT_BUCKETS; i++) {
		seen += t->rtt_hist[i];
		if (seen >= rank)
			break;
	}
	if (i == MUTEX_RTT_BUCKETS)
		i--;
	return min_t(u64, i ? (1ULL << i) - 1 : 0, t->rtt_max_us);
}

static void rates_update(spinlock_t *lock, struct mutex_rates *r,
			 const struct mutex_totals *t, u64 elapsed_ns)
{
	struct mutex_rates n = *r;
	int dir;

	if (!elapsed_ns)
		return;
	for (dir = 0; dir < 2; dir++) {
		u64 delta = t->bytes[dir] > n.last_bytes[dir] ?
			    t->bytes[dir] - n.last_bytes[dir] : 0;

		n.bytes_per_sec[dir] = mul_u64_u64_div_u64(delta, NSEC_PER_SEC,
							   elapsed_ns);
		n.bytes_per_sec_peak[dir] = max(n.bytes_per_sec_peak[dir],
						n.bytes_per_sec[dir]);
		n.last_bytes[dir] = t->bytes[dir];
	}
	n.conns_per_sec = t->conns_total > n.last_conns ?
		mul_u64_u64_div_u64(t->conns_total - n.last_conns,
				    NSEC_PER_SEC, elapsed_ns) : 0;
	n.conns_per_sec_peak = max(n.conns_per_sec_peak, n.conns_per_sec);
	n.last_conns = t->conns_total;
	spin_lock_bh(lock);
	*r = n;
	spin_unlock_bh(lock);
}

void mutex_rates_read(spinlock_t *lock, const struct mutex_rates *r,
		      struct mutex_rates *out)
{
	spin_lock_bh(lock);
	*out = *r;
	spin_unlock_bh(lock);
}

/* Sum over live contexts plus destroyed ones.  Caller holds mutex_ctx_lock. */
void mutex_net_totals(struct mutex_net *mn, struct mutex_totals *sum,
			     u64 *open, u64 *tracked)
{
	struct mutex_totals t;
	struct mutex_ctx *ctx;

	*sum = mn->dead;
	*open = 0;
	*tracked = 0;
	list_for_each_entry(ctx, &mn->ctxs, node) {
		mutex_ctx_totals(ctx, &t);
		mutex_totals_add(sum, &t);
		*open += mutex_ctx_flows(ctx, true);
		*tracked += mutex_ctx_flows(ctx, false);
	}
}

/*
 * The namespace's first context: rates start from what is counted now.
 * Caller holds mutex_ctx_lock.
 */
void mutex_rates_start(struct mutex_net *mn)
{
	struct mutex_totals sum;
	u64 open, tracked;
	int dir;

	mutex_net_totals(mn, &sum, &open, &tracked);
	spin_lock_bh(&mn->rates_lock);
	for (dir = 0; dir < 2; dir++)
		mn->rates.last_bytes[dir] = sum.bytes[dir];
	mn->rates.last_conns = sum.conns_total;
	spin_unlock_bh(&mn->rates_lock);
	mn->rates_stamp_ns = ktime_get_ns();
	queue_delayed_work(system_power_efficient_wq, &mn->rate_work,
			   MUTEX_RATE_INTERVAL);
}

/*
 * Once a second while the namespace has a context: bandwidth and connection
 * rate per context and globally.  Without contexts nothing is counted, so
 * the rates are zero (the peaks stay) and the worker stops.
 */
void mutex_rate_work(struct work_struct *work)
{
	struct mutex_net *mn = container_of(to_delayed_work(work),
					    struct mutex_net, rate_work);
	u64 now = ktime_get_ns(), elapsed = now - mn->rates_stamp_ns;
	struct mutex_totals t, sum;
	struct mutex_ctx *ctx;
	u64 open, tracked;

	mutex_lock(&mutex_ctx_lock);
	if (!mn->nr_ctx) {
		spin_lock_bh(&mn->rates_lock);
		memset(mn->rates.bytes_per_sec, 0, sizeof(mn->rates.bytes_per_sec));
		mn->rates.conns_per_sec = 0;
		spin_unlock_bh(&mn->rates_lock);
		mutex_unlock(&mutex_ctx_lock);
		return;
	}
	list_for_each_entry(ctx, &mn->ctxs, node) {
		u64 ctx_elapsed = now - max(mn->rates_stamp_ns,
					    ctx->created_mono_ns);

		mutex_ctx_totals(ctx, &t);
		rates_update(&ctx->rates_lock, &ctx->rates, &t, ctx_elapsed);
	}
	mutex_net_totals(mn, &sum, &open, &tracked);
	rates_update(&mn->rates_lock, &mn->rates, &sum, elapsed);
	mn->rates_stamp_ns = now;
	mutex_unlock(&mutex_ctx_lock);

	queue_delayed_work(system_power_efficient_wq, &mn->rate_work,
			   MUTEX_RATE_INTERVAL);
}
