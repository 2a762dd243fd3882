/* SPDX-License-Identifier: GPL-2.0 */
/* Do not edit directly, auto-generated from: */
/*	kernel/mutex.yaml */
/* kernel tables rendered by scripts/gen-netlink.mjs */

#ifndef _MUTEX_NL_GEN_H
#define _MUTEX_NL_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include "include/uapi/linux/mutex.h"


int mutex_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info);
int mutex_nl_fd_get_doit(struct sk_buff *skb, struct genl_info *info);
int mutex_nl_fd_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int mutex_nl_conn_get_doit(struct sk_buff *skb, struct genl_info *info);
int mutex_nl_conn_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int mutex_nl_alert_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int mutex_nl_alert_clear_doit(struct sk_buff *skb, struct genl_info *info);
int mutex_nl_thresholds_get_doit(struct sk_buff *skb, struct genl_info *info);
int mutex_nl_thresholds_set_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	MUTEX_NLGRP_ALERTS,
};

#define MUTEX_A_STATS_FOREACH(X) \
	X(MUTEX_A_STATS_INSTANCE_ID, instance_id, u64, "instance-id") \
	X(MUTEX_A_STATS_LOAD_TIME_NS, load_time_ns, u64, "load-time-ns") \
	X(MUTEX_A_STATS_FDS_TOTAL, fds_total, u64, "fds-total") \
	X(MUTEX_A_STATS_FDS_ACTIVE, fds_active, u32, "fds-active") \
	X(MUTEX_A_STATS_CONNS_TOTAL, conns_total, u64, "conns-total") \
	X(MUTEX_A_STATS_CONNS_OPEN, conns_open, u64, "conns-open") \
	X(MUTEX_A_STATS_BYTES_SENT, bytes_sent, u64, "bytes-sent") \
	X(MUTEX_A_STATS_BYTES_RECEIVED, bytes_received, u64, "bytes-received") \
	X(MUTEX_A_STATS_PACKETS_SENT, packets_sent, u64, "packets-sent") \
	X(MUTEX_A_STATS_PACKETS_RECEIVED, packets_received, u64, "packets-received") \
	X(MUTEX_A_STATS_RETRANSMITS, retransmits, u64, "retransmits") \
	X(MUTEX_A_STATS_ERRORS, errors, u64, "errors") \
	X(MUTEX_A_STATS_DROPS, drops, u64, "drops") \
	X(MUTEX_A_STATS_RTT_SAMPLES, rtt_samples, u64, "rtt-samples") \
	X(MUTEX_A_STATS_RTT_SUM_US, rtt_sum_us, u64, "rtt-sum-us") \
	X(MUTEX_A_STATS_RTT_MIN_US, rtt_min_us, u64, "rtt-min-us") \
	X(MUTEX_A_STATS_RTT_MAX_US, rtt_max_us, u64, "rtt-max-us") \
	X(MUTEX_A_STATS_SENT_BYTES_PER_SEC, sent_bytes_per_sec, u64, "sent-bytes-per-sec") \
	X(MUTEX_A_STATS_SENT_BYTES_PER_SEC_PEAK, sent_bytes_per_sec_peak, u64, "sent-bytes-per-sec-peak") \
	X(MUTEX_A_STATS_RECEIVED_BYTES_PER_SEC, received_bytes_per_sec, u64, "received-bytes-per-sec") \
	X(MUTEX_A_STATS_RECEIVED_BYTES_PER_SEC_PEAK, received_bytes_per_sec_peak, u64, "received-bytes-per-sec-peak") \
	X(MUTEX_A_STATS_CONNS_PER_SEC, conns_per_sec, u64, "conns-per-sec") \
	X(MUTEX_A_STATS_CONNS_PER_SEC_PEAK, conns_per_sec_peak, u64, "conns-per-sec-peak") \
	X(MUTEX_A_STATS_LOOKUPS_HIT, lookups_hit, u64, "lookups-hit") \
	X(MUTEX_A_STATS_LOOKUPS_MISS, lookups_miss, u64, "lookups-miss") \
	X(MUTEX_A_STATS_FLOW_BUCKETS, flow_buckets, u32, "flow-buckets") \
	X(MUTEX_A_STATS_FLOW_LIMIT, flow_limit, u32, "flow-limit") \
	X(MUTEX_A_STATS_FLOWS_EVICTED, flows_evicted, u64, "flows-evicted") \
	X(MUTEX_A_STATS_FLOWS_UNTRACKED, flows_untracked, u64, "flows-untracked") \
	X(MUTEX_A_STATS_MEMORY_BYTES, memory_bytes, u64, "memory-bytes") \
	X(MUTEX_A_STATS_UNMATCHED_PACKETS, unmatched_packets, u64, "unmatched-packets") \
	X(MUTEX_A_STATS_ALERTS_RAISED, alerts_raised, u64, "alerts-raised") \
	X(MUTEX_A_STATS_ALERTS_CLEARED, alerts_cleared, u64, "alerts-cleared") \
	X(MUTEX_A_STATS_ALERTS_OVERWRITTEN, alerts_overwritten, u64, "alerts-overwritten") \
	X(MUTEX_A_STATS_ALERTS_NOTIFY_DROPPED, alerts_notify_dropped, u64, "alerts-notify-dropped") \
	X(MUTEX_A_STATS_FLOWS_TRACKED, flows_tracked, u64, "flows-tracked")

extern const struct genl_ops mutex_nl_ops[7];
extern const struct genl_multicast_group mutex_nl_mcgrps[1];

#endif /* _MUTEX_NL_GEN_H */
