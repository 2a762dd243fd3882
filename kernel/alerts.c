// SPDX-License-Identifier: GPL-2.0
/*
 * Alerts: a periodic evaluator per netns compares each context against its
 * effective thresholds, raises an alert when a value crosses above and clears
 * it when the value falls back below 90 % of the threshold (one event per
 * crossing), keeps the events in a ring and multicasts them.
 */
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "mutex.h"

static unsigned int alert_ring_size = 1000;
module_param(alert_ring_size, uint, 0444);
MODULE_PARM_DESC(alert_ring_size, "alerts kept per network namespace (16..1000000)");

static unsigned int alert_notify_rate = 200;
module_param(alert_notify_rate, uint, 0644);
MODULE_PARM_DESC(alert_notify_rate,
		 "alert notifications multicast per second and network namespace; more are counted as dropped");

#define MUTEX_PPM		1000000ULL

void mutex_thresholds_defaults(struct mutex_thresholds *thr)
{
	thr->latency_us = 500000;		/* 500 ms */
	thr->error_rate_ppm = 100000;		/* 10 % */
	thr->bandwidth_bps = 1000000000;	/* 1000 Mbit/s */
	thr->conn_rate = 10000;			/* per second */
	thr->drop_rate_ppm = 50000;		/* 5 % */
	thr->disabled = 0;
}

/* Caller holds mutex_ctx_lock. */
void mutex_thresholds_effective(const struct mutex_net *mn,
				const struct mutex_ctx *ctx,
				struct mutex_thresholds *thr)
{
	const struct mutex_thresholds *o = &ctx->thr;
	u32 m = ctx->thr_mask;

	*thr = mn->thr;
	if (m & MUTEX_THR_LATENCY)
		thr->latency_us = o->latency_us;
	if (m & MUTEX_THR_ERROR_RATE)
		thr->error_rate_ppm = o->error_rate_ppm;
	if (m & MUTEX_THR_BANDWIDTH)
		thr->bandwidth_bps = o->bandwidth_bps;
	if (m & MUTEX_THR_CONN_RATE)
		thr->conn_rate = o->conn_rate;
	if (m & MUTEX_THR_DROP_RATE)
		thr->drop_rate_ppm = o->drop_rate_ppm;
	if (m & MUTEX_THR_DISABLED)
		thr->disabled = o->disabled;
}

/* --- the ring --- */

static void ring_push(struct mutex_net *mn, struct mutex_alert *a)
{
	struct mutex_alert_ring *r = &mn->alerts;

	spin_lock_bh(&r->lock);
	a->seq = r->next_seq++;
	r->slots[(a->seq - 1) % r->size] = *a;
	if (r->next_seq - r->first_seq > r->size) {
		r->first_seq++;
		r->overwritten++;
	}
	if (a->state == MUTEX_ALERT_STATE_RAISED)
		r->raised++;
	else
		r->cleared++;
	spin_unlock_bh(&r->lock);
}

/*
 * Copy the oldest kept alert with a sequence number >= seq into *out.
 * *next is where to look next time.  False when there is none.
 */
bool mutex_alert_ring_get(struct mutex_net *mn, u64 seq,
			  struct mutex_alert *out, u64 *next)
{
	struct mutex_alert_ring *r = &mn->alerts;
	bool found = false;

	spin_lock_bh(&r->lock);
	seq = max(seq, r->first_seq);
	if (seq < r->next_seq) {
		*out = r->slots[(seq - 1) % r->size];
		*next = seq + 1;
		found = true;
	}
	spin_unlock_bh(&r->lock);
	return found;
}

void mutex_alert_ring_clear(struct mutex_net *mn)
{
	struct mutex_alert_ring *r = &mn->alerts;

	spin_lock_bh(&r->lock);
	r->first_seq = r->next_seq;
	spin_unlock_bh(&r->lock);
}

void mutex_alert_ring_stats(struct mutex_net *mn, struct mutex_stats *s)
{
	struct mutex_alert_ring *r = &mn->alerts;

	spin_lock_bh(&r->lock);
	s->alerts_raised = r->raised;
	s->alerts_cleared = r->cleared;
	s->alerts_overwritten = r->overwritten;
	s->alerts_notify_dropped = r->notify_dropped;
	spin_unlock_bh(&r->lock);
}

/*
 * An alert storm (thousands of contexts crossing at once) must not flood
 * every listener's socket: at most alert_notify_rate notifications a second
 * per netns go out, the rest are counted as dropped (and show as gaps in the
 * sequence numbers; the ring still has them).
 */
static bool notify_allowed(struct mutex_net *mn)
{
	struct mutex_alert_ring *r = &mn->alerts;
	bool ok = true;

	spin_lock_bh(&r->lock);
	if (time_after_eq(jiffies, r->notify_stamp + HZ)) {
		r->notify_stamp = jiffies;
		r->notify_tokens = READ_ONCE(alert_notify_rate);
	}
	if (r->notify_tokens) {
		r->notify_tokens--;
	} else {
		r->notify_dropped++;
		ok = false;
	}
	spin_unlock_bh(&r->lock);
	return ok;
}

static void notify_failed(struct mutex_net *mn)
{
	spin_lock_bh(&mn->alerts.lock);
	mn->alerts.notify_dropped++;
	spin_unlock_bh(&mn->alerts.lock);
}

/*
 * Where notifications go: the netlink layer plugs itself in at init, so this
 * file depends on nothing above it.  Set and cleared under mutex_ctx_lock,
 * which every evaluation holds.
 */
static const struct mutex_alert_sink *alert_sink;

void mutex_alerts_set_sink(const struct mutex_alert_sink *sink)
{
	mutex_lock(&mutex_ctx_lock);
	alert_sink = sink;
	mutex_unlock(&mutex_ctx_lock);
}

/* Built only when someone listens, within the rate; a failure is counted. */
static void notify(struct mutex_net *mn, const struct mutex_alert *a)
{
	const struct mutex_alert_sink *sink = alert_sink;

	if (!sink || !sink->listening(mn->net) || !notify_allowed(mn))
		return;
	if (sink->send(mn->net, a))
		notify_failed(mn);
}

/* --- the evaluator --- */

static const char * const alert_names[] = {
	[MUTEX_ALERT_TYPE_HIGH_LATENCY]		= "high latency",
	[MUTEX_ALERT_TYPE_HIGH_ERROR_RATE]	= "high error rate",
	[MUTEX_ALERT_TYPE_BANDWIDTH_SPIKE]	= "bandwidth spike",
	[MUTEX_ALERT_TYPE_CONNECTION_FLOOD]	= "connection flood",
	[MUTEX_ALERT_TYPE_PACKET_DROP]		= "packet drops",
};

static const char * const alert_units[] = {
	[MUTEX_ALERT_TYPE_HIGH_LATENCY]		= "us",
	[MUTEX_ALERT_TYPE_HIGH_ERROR_RATE]	= "ppm",
	[MUTEX_ALERT_TYPE_BANDWIDTH_SPIKE]	= "bit/s",
	[MUTEX_ALERT_TYPE_CONNECTION_FLOOD]	= "conn/s",
	[MUTEX_ALERT_TYPE_PACKET_DROP]		= "ppm",
};

static void alert_emit(struct mutex_net *mn, struct mutex_ctx *ctx, int type,
		       bool raise, u64 value, u64 threshold)
{
	const struct mutex_selector *sel;
	struct mutex_alert a = {
		.time_ns = ktime_get_real_ns(),
		.value = value,
		.threshold = threshold,
		.fd_id = ctx->id,
		.type = type,
		.state = raise ? MUTEX_ALERT_STATE_RAISED :
				 MUTEX_ALERT_STATE_CLEARED,
	};

	/* 5 at the threshold, 10 at twice it or more. */
	if (raise)
		a.severity = value >= 2 * threshold ? 10 :
			     clamp_t(u64, div64_u64(5 * value, threshold), 1, 10);
	sel = rcu_dereference_protected(ctx->sel,
					lockdep_is_held(&mutex_ctx_lock));
	scnprintf(a.message, sizeof(a.message), "%s %s on fd %u%s%s%s: %llu %s %s %llu %s",
		  alert_names[type], raise ? "raised" : "cleared", ctx->id,
		  sel->name[0] ? " (" : "", sel->name, sel->name[0] ? ")" : "",
		  value, alert_units[type], raise ? "above" : "back below",
		  threshold, alert_units[type]);
	ring_push(mn, &a);
	notify(mn, &a);
}

/* A type's value over the interval just ended, or this: no data to judge. */
#define MUTEX_NO_DATA		U64_MAX
#define MUTEX_QUIET_INTERVALS	5

static void eval_ctx(struct mutex_net *mn, struct mutex_ctx *ctx)
{
	u64 value[MUTEX_ALERT_TYPE_MAX + 1], limit[MUTEX_ALERT_TYPE_MAX + 1];
	struct mutex_eval_state *last = &ctx->eval, now;
	u64 d_samples, d_packets, d_drops, d_seen, elapsed;
	struct mutex_thresholds thr;
	struct mutex_rates rates;
	struct mutex_totals t;
	int type;

	mutex_ctx_totals(ctx, &t);
	now.packets[MUTEX_DIR_SENT] = t.packets[MUTEX_DIR_SENT];
	now.packets[MUTEX_DIR_RECV] = t.packets[MUTEX_DIR_RECV];
	now.errors = MUTEX_TOTAL_ERRORS(&t);
	now.drops = MUTEX_TOTAL_DROPS(&t);
	now.rtt_sum_us = t.rtt_sum_us;
	now.rtt_samples = t.rtt_samples;
	now.conns = t.conns_total;
	now.stamp_ns = ktime_get_ns();
	mutex_rates_read(&ctx->rates_lock, &ctx->rates, &rates);
	/*
	 * Over this interval too, not the once-a-second rates: those lag by up
	 * to a second more, so a flood was raised up to two intervals late.  An
	 * early evaluation (the interval was just changed) counts as a whole
	 * interval, so a few connections do not extrapolate into a flood.
	 */
	elapsed = max3(now.stamp_ns - max(last->stamp_ns, ctx->created_mono_ns),
		       (u64)READ_ONCE(mn->eval_interval_ms) * NSEC_PER_MSEC, 1ULL);

	/*
	 * Ratios need a denominator: an interval without RTT samples or
	 * packets says nothing about latency, errors or drops, and leaves an
	 * alert as it is (bursty traffic would otherwise clear and raise it
	 * again every quiet interval), for up to MUTEX_QUIET_INTERVALS in a
	 * row: then the traffic is gone, and the alert with it.
	 */
	d_samples = now.rtt_samples - last->rtt_samples;
	value[MUTEX_ALERT_TYPE_HIGH_LATENCY] = d_samples ?
		div64_u64(now.rtt_sum_us - last->rtt_sum_us, d_samples) :
		MUTEX_NO_DATA;
	d_packets = (now.packets[0] - last->packets[0]) +
		    (now.packets[1] - last->packets[1]);
	value[MUTEX_ALERT_TYPE_HIGH_ERROR_RATE] = d_packets ?
		div64_u64((now.errors - last->errors) * MUTEX_PPM, d_packets) :
		MUTEX_NO_DATA;
	value[MUTEX_ALERT_TYPE_BANDWIDTH_SPIKE] =
		8 * max(rates.bytes_per_sec[MUTEX_DIR_SENT],
			rates.bytes_per_sec[MUTEX_DIR_RECV]);
	value[MUTEX_ALERT_TYPE_CONNECTION_FLOOD] = now.conns > last->conns ?
		mul_u64_u64_div_u64(now.conns - last->conns, NSEC_PER_SEC,
				    elapsed) : 0;
	/*
	 * Drops per packet, each packet counted once: a packet over loopback
	 * is both sent and received, and a socket drops a packet LOCAL_IN
	 * already counted as received, so the denominator is the larger
	 * direction (at least the drops themselves), not a sum.
	 */
	d_drops = now.drops - last->drops;
	d_seen = max3(now.packets[MUTEX_DIR_SENT] - last->packets[MUTEX_DIR_SENT],
		      now.packets[MUTEX_DIR_RECV] - last->packets[MUTEX_DIR_RECV],
		      d_drops);
	value[MUTEX_ALERT_TYPE_PACKET_DROP] = d_seen ?
		div64_u64(d_drops * MUTEX_PPM, d_seen) : MUTEX_NO_DATA;
	*last = now;

	mutex_thresholds_effective(mn, ctx, &thr);
	limit[MUTEX_ALERT_TYPE_HIGH_LATENCY] = thr.latency_us;
	limit[MUTEX_ALERT_TYPE_HIGH_ERROR_RATE] = thr.error_rate_ppm;
	limit[MUTEX_ALERT_TYPE_BANDWIDTH_SPIKE] = thr.bandwidth_bps;
	limit[MUTEX_ALERT_TYPE_CONNECTION_FLOOD] = thr.conn_rate;
	limit[MUTEX_ALERT_TYPE_PACKET_DROP] = thr.drop_rate_ppm;

	for (type = 0; type <= MUTEX_ALERT_TYPE_MAX; type++) {
		bool active = ctx->alerts_active & BIT(type);
		bool disabled = thr.disabled & BIT(type);
		u64 v = value[type];

		if (v == MUTEX_NO_DATA) {
			/* Quiet for long enough: the condition left with the traffic. */
			if (ctx->quiet[type] < MUTEX_QUIET_INTERVALS)
				ctx->quiet[type]++;
			if (ctx->quiet[type] < MUTEX_QUIET_INTERVALS && !disabled)
				continue;
			v = 0;
		} else {
			ctx->quiet[type] = 0;
		}
		if (active && disabled) {
			WRITE_ONCE(ctx->alerts_active, ctx->alerts_active & ~BIT(type));
			alert_emit(mn, ctx, type, false, v, limit[type]);
		} else if (!active && !disabled && v > limit[type]) {
			WRITE_ONCE(ctx->alerts_active, ctx->alerts_active | BIT(type));
			alert_emit(mn, ctx, type, true, v, limit[type]);
		} else if (active && v < limit[type] - limit[type] / 10) {
			WRITE_ONCE(ctx->alerts_active, ctx->alerts_active & ~BIT(type));
			alert_emit(mn, ctx, type, false, v, limit[type]);
		}
	}
}

/* Every interval while the namespace has a context; then it stops. */
static void mutex_eval_work(struct work_struct *work)
{
	struct mutex_net *mn = container_of(to_delayed_work(work),
					    struct mutex_net, eval_work);
	struct mutex_ctx *ctx;
	bool again;

	mutex_lock(&mutex_ctx_lock);
	list_for_each_entry(ctx, &mn->ctxs, node)
		eval_ctx(mn, ctx);
	again = mn->nr_ctx;
	mutex_unlock(&mutex_ctx_lock);
	if (again)
		queue_delayed_work(system_power_efficient_wq, &mn->eval_work,
				   msecs_to_jiffies(READ_ONCE(mn->eval_interval_ms)));
}

/* The interval changed: evaluate on the new schedule (if evaluating). */
void mutex_eval_reschedule(struct mutex_net *mn)
{
	if (READ_ONCE(mn->nr_ctx))
		mod_delayed_work(system_power_efficient_wq, &mn->eval_work,
				 msecs_to_jiffies(READ_ONCE(mn->eval_interval_ms)));
}

/* The namespace's first context opened.  Caller holds mutex_ctx_lock. */
void mutex_eval_start(struct mutex_net *mn)
{
	queue_delayed_work(system_power_efficient_wq, &mn->eval_work,
			   msecs_to_jiffies(READ_ONCE(mn->eval_interval_ms)));
}

/* Charged to whoever makes the namespace's state: its first opener. */
int mutex_alerts_net_init(struct mutex_net *mn)
{
	struct mutex_alert_ring *r = &mn->alerts;

	r->size = clamp(alert_ring_size, 16U, 1000000U);
	r->slots = kvcalloc(r->size, sizeof(*r->slots), GFP_KERNEL_ACCOUNT);
	if (!r->slots)
		return -ENOMEM;
	spin_lock_init(&r->lock);
	r->next_seq = 1;
	r->first_seq = 1;
	r->notify_stamp = jiffies;
	r->notify_tokens = READ_ONCE(alert_notify_rate);

	mutex_thresholds_defaults(&mn->thr);
	mn->eval_interval_ms = MUTEX_EVAL_INTERVAL_MS;
	INIT_DELAYED_WORK(&mn->eval_work, mutex_eval_work);
	return 0;
}

void mutex_alerts_net_exit(struct mutex_net *mn)
{
	cancel_delayed_work_sync(&mn->eval_work);
	kvfree(mn->alerts.slots);
}
