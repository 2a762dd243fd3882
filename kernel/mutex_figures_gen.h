/* SPDX-License-Identifier: GPL-2.0 */
/* Do not edit directly, auto-generated from: */
/*	kernel/counters.yaml */
/* figure tables rendered by scripts/gen-netlink.mjs */

#ifndef _MUTEX_FIGURES_GEN_H
#define _MUTEX_FIGURES_GEN_H

#include <linux/types.h>

struct mutex_ctx;
struct mutex_flow;
struct mutex_flow_rtt;
struct mutex_rates;
struct mutex_totals;
struct seq_file;
struct sk_buff;

/*
 * Event counters kept per flow (atomic_t), per context (atomic64_t) and in
 * totals (u64), as arrays indexed by these; mutex_flow_event() updates a
 * flow and its owner together.
 */
enum mutex_event {
	MUTEX_EV_RETRANSMITS,
	MUTEX_EV_DROPS,
	MUTEX_EV_RESETS,
	MUTEX_EV_ICMP_ERRORS,
	MUTEX_EVENTS
};

/* An event figure of totals t: stored, or the sum of its parts. */
#define MUTEX_TOTAL_RETRANSMITS(t) ((t)->events[MUTEX_EV_RETRANSMITS])
#define MUTEX_TOTAL_ERRORS(t) ((t)->events[MUTEX_EV_RESETS] + (t)->events[MUTEX_EV_ICMP_ERRORS])
#define MUTEX_TOTAL_DROPS(t) ((t)->events[MUTEX_EV_DROPS])
#define MUTEX_TOTAL_RESETS(t) ((t)->events[MUTEX_EV_RESETS])
#define MUTEX_TOTAL_ICMP_ERRORS(t) ((t)->events[MUTEX_EV_ICMP_ERRORS])

/* The global figures of a network namespace (stats-get, /proc/mutex/stats). */
struct mutex_stats {
	u64 instance_id;
	u64 load_time_ns;
	u64 fds_total;
	u32 fds_active;
	u64 conns_total;
	u64 conns_open;
	u64 bytes_sent;
	u64 bytes_received;
	u64 packets_sent;
	u64 packets_received;
	u64 retransmits;
	u64 errors;
	u64 drops;
	u64 rtt_samples;
	u64 rtt_sum_us;
	u64 rtt_min_us;
	u64 rtt_max_us;
	u64 sent_bytes_per_sec;
	u64 sent_bytes_per_sec_peak;
	u64 received_bytes_per_sec;
	u64 received_bytes_per_sec_peak;
	u64 conns_per_sec;
	u64 conns_per_sec_peak;
	u64 lookups_hit;
	u64 lookups_miss;
	u32 flow_buckets;
	u32 flow_limit;
	u64 flows_evicted;
	u64 flows_untracked;
	u64 memory_bytes;
	u64 unmatched_packets;
	u64 alerts_raised;
	u64 alerts_cleared;
	u64 alerts_overwritten;
	u64 alerts_notify_dropped;
	u64 flows_tracked;
	u64 resets;
	u64 icmp_errors;
};

void mutex_stats_from_totals(struct mutex_stats *s, const struct mutex_totals *t);
int mutex_put_stats(struct sk_buff *skb, const struct mutex_stats *s);
void mutex_show_stats(struct seq_file *m, const struct mutex_stats *s);
int mutex_put_fd_figures(struct sk_buff *skb, struct mutex_ctx *ctx,
			 const struct mutex_totals *t, const struct mutex_rates *r);
int mutex_put_conn_figures(struct sk_buff *skb, struct mutex_flow *flow,
			   const struct mutex_flow_rtt *rtt);
int mutex_fd_text(char *buf, size_t size, struct mutex_ctx *ctx,
		  const struct mutex_totals *t);

#endif /* _MUTEX_FIGURES_GEN_H */
