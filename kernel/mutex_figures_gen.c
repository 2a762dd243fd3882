// SPDX-License-Identifier: GPL-2.0
/* Do not edit directly, auto-generated from: */
/*	kernel/counters.yaml */
/* figure code rendered by scripts/gen-netlink.mjs */

#include <linux/pid_namespace.h>
#include <linux/seq_file.h>
#include <net/genetlink.h>

#include "mutex.h"

/* The figures a namespace's totals give. */
void mutex_stats_from_totals(struct mutex_stats *s, const struct mutex_totals *t)
{
	s->conns_total = t->conns_total;
	s->bytes_sent = t->bytes[MUTEX_DIR_SENT];
	s->bytes_received = t->bytes[MUTEX_DIR_RECV];
	s->packets_sent = t->packets[MUTEX_DIR_SENT];
	s->packets_received = t->packets[MUTEX_DIR_RECV];
	s->retransmits = t->events[MUTEX_EV_RETRANSMITS];
	s->errors = t->events[MUTEX_EV_RESETS] + t->events[MUTEX_EV_ICMP_ERRORS];
	s->drops = t->events[MUTEX_EV_DROPS];
	s->rtt_samples = t->rtt_samples;
	s->rtt_sum_us = t->rtt_sum_us;
	s->rtt_min_us = t->rtt_min_us;
	s->rtt_max_us = t->rtt_max_us;
	s->resets = t->events[MUTEX_EV_RESETS];
	s->icmp_errors = t->events[MUTEX_EV_ICMP_ERRORS];
}

int mutex_put_stats(struct sk_buff *skb, const struct mutex_stats *s)
{
	if (nla_put_u64_64bit(skb, MUTEX_A_STATS_INSTANCE_ID, s->instance_id, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_LOAD_TIME_NS, s->load_time_ns, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_FDS_TOTAL, s->fds_total, MUTEX_A_STATS_PAD) ||
	    nla_put_u32(skb, MUTEX_A_STATS_FDS_ACTIVE, s->fds_active) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_CONNS_TOTAL, s->conns_total, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_CONNS_OPEN, s->conns_open, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_BYTES_SENT, s->bytes_sent, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_BYTES_RECEIVED, s->bytes_received, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_PACKETS_SENT, s->packets_sent, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_PACKETS_RECEIVED, s->packets_received, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_RETRANSMITS, s->retransmits, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_ERRORS, s->errors, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_DROPS, s->drops, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_RTT_SAMPLES, s->rtt_samples, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_RTT_SUM_US, s->rtt_sum_us, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_RTT_MIN_US, s->rtt_min_us, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_RTT_MAX_US, s->rtt_max_us, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_SENT_BYTES_PER_SEC, s->sent_bytes_per_sec, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_SENT_BYTES_PER_SEC_PEAK, s->sent_bytes_per_sec_peak, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_RECEIVED_BYTES_PER_SEC, s->received_bytes_per_sec, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_RECEIVED_BYTES_PER_SEC_PEAK, s->received_bytes_per_sec_peak, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_CONNS_PER_SEC, s->conns_per_sec, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_CONNS_PER_SEC_PEAK, s->conns_per_sec_peak, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_LOOKUPS_HIT, s->lookups_hit, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_LOOKUPS_MISS, s->lookups_miss, MUTEX_A_STATS_PAD) ||
	    nla_put_u32(skb, MUTEX_A_STATS_FLOW_BUCKETS, s->flow_buckets) ||
	    nla_put_u32(skb, MUTEX_A_STATS_FLOW_LIMIT, s->flow_limit) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_FLOWS_EVICTED, s->flows_evicted, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_FLOWS_UNTRACKED, s->flows_untracked, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_MEMORY_BYTES, s->memory_bytes, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_UNMATCHED_PACKETS, s->unmatched_packets, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_ALERTS_RAISED, s->alerts_raised, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_ALERTS_CLEARED, s->alerts_cleared, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_ALERTS_OVERWRITTEN, s->alerts_overwritten, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_ALERTS_NOTIFY_DROPPED, s->alerts_notify_dropped, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_FLOWS_TRACKED, s->flows_tracked, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_RESETS, s->resets, MUTEX_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_STATS_ICMP_ERRORS, s->icmp_errors, MUTEX_A_STATS_PAD))
		return -EMSGSIZE;
	return 0;
}

void mutex_show_stats(struct seq_file *m, const struct mutex_stats *s)
{
	seq_printf(m, "instance-id %llu\n", (unsigned long long)s->instance_id);
	seq_printf(m, "load-time-ns %llu\n", (unsigned long long)s->load_time_ns);
	seq_printf(m, "fds-total %llu\n", (unsigned long long)s->fds_total);
	seq_printf(m, "fds-active %llu\n", (unsigned long long)s->fds_active);
	seq_printf(m, "conns-total %llu\n", (unsigned long long)s->conns_total);
	seq_printf(m, "conns-open %llu\n", (unsigned long long)s->conns_open);
	seq_printf(m, "bytes-sent %llu\n", (unsigned long long)s->bytes_sent);
	seq_printf(m, "bytes-received %llu\n", (unsigned long long)s->bytes_received);
	seq_printf(m, "packets-sent %llu\n", (unsigned long long)s->packets_sent);
	seq_printf(m, "packets-received %llu\n", (unsigned long long)s->packets_received);
	seq_printf(m, "retransmits %llu\n", (unsigned long long)s->retransmits);
	seq_printf(m, "errors %llu\n", (unsigned long long)s->errors);
	seq_printf(m, "drops %llu\n", (unsigned long long)s->drops);
	seq_printf(m, "rtt-samples %llu\n", (unsigned long long)s->rtt_samples);
	seq_printf(m, "rtt-sum-us %llu\n", (unsigned long long)s->rtt_sum_us);
	seq_printf(m, "rtt-min-us %llu\n", (unsigned long long)s->rtt_min_us);
	seq_printf(m, "rtt-max-us %llu\n", (unsigned long long)s->rtt_max_us);
	seq_printf(m, "sent-bytes-per-sec %llu\n", (unsigned long long)s->sent_bytes_per_sec);
	seq_printf(m, "sent-bytes-per-sec-peak %llu\n", (unsigned long long)s->sent_bytes_per_sec_peak);
	seq_printf(m, "received-bytes-per-sec %llu\n", (unsigned long long)s->received_bytes_per_sec);
	seq_printf(m, "received-bytes-per-sec-peak %llu\n", (unsigned long long)s->received_bytes_per_sec_peak);
	seq_printf(m, "conns-per-sec %llu\n", (unsigned long long)s->conns_per_sec);
	seq_printf(m, "conns-per-sec-peak %llu\n", (unsigned long long)s->conns_per_sec_peak);
	seq_printf(m, "lookups-hit %llu\n", (unsigned long long)s->lookups_hit);
	seq_printf(m, "lookups-miss %llu\n", (unsigned long long)s->lookups_miss);
	seq_printf(m, "flow-buckets %llu\n", (unsigned long long)s->flow_buckets);
	seq_printf(m, "flow-limit %llu\n", (unsigned long long)s->flow_limit);
	seq_printf(m, "flows-evicted %llu\n", (unsigned long long)s->flows_evicted);
	seq_printf(m, "flows-untracked %llu\n", (unsigned long long)s->flows_untracked);
	seq_printf(m, "memory-bytes %llu\n", (unsigned long long)s->memory_bytes);
	seq_printf(m, "unmatched-packets %llu\n", (unsigned long long)s->unmatched_packets);
	seq_printf(m, "alerts-raised %llu\n", (unsigned long long)s->alerts_raised);
	seq_printf(m, "alerts-cleared %llu\n", (unsigned long long)s->alerts_cleared);
	seq_printf(m, "alerts-overwritten %llu\n", (unsigned long long)s->alerts_overwritten);
	seq_printf(m, "alerts-notify-dropped %llu\n", (unsigned long long)s->alerts_notify_dropped);
	seq_printf(m, "flows-tracked %llu\n", (unsigned long long)s->flows_tracked);
	seq_printf(m, "resets %llu\n", (unsigned long long)s->resets);
	seq_printf(m, "icmp-errors %llu\n", (unsigned long long)s->icmp_errors);
}

/* The fd figures read by expression (kernel/counters.yaml); the handler puts the rest. */
int mutex_put_fd_figures(struct sk_buff *skb, struct mutex_ctx *ctx,
			 const struct mutex_totals *t, const struct mutex_rates *r)
{
	if (nla_put_u32(skb, MUTEX_A_FD_ID, ctx->id) ||
	    nla_put_u32(skb, MUTEX_A_FD_OWNER_TGID, pid_nr_ns(ctx->owner_pid, task_active_pid_ns(current))) ||
	    nla_put_u32(skb, MUTEX_A_FD_OWNER_UID, from_kuid_munged(current_user_ns(), ctx->owner_uid)) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_CREATED_NS, ctx->created_real_ns, MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_UPTIME_NS, ktime_get_ns() - ctx->created_mono_ns, MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_CONNS_OPEN, mutex_ctx_flows(ctx, true), MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_CONNS_TOTAL, t->conns_total, MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_BYTES_SENT, t->bytes[MUTEX_DIR_SENT], MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_BYTES_RECEIVED, t->bytes[MUTEX_DIR_RECV], MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_PACKETS_SENT, t->packets[MUTEX_DIR_SENT], MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_PACKETS_RECEIVED, t->packets[MUTEX_DIR_RECV], MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_RETRANSMITS, t->events[MUTEX_EV_RETRANSMITS], MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_ERRORS, t->events[MUTEX_EV_RESETS] + t->events[MUTEX_EV_ICMP_ERRORS], MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_DROPS, t->events[MUTEX_EV_DROPS], MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_RTT_SAMPLES, t->rtt_samples, MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_RTT_SUM_US, t->rtt_sum_us, MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_RTT_MIN_US, t->rtt_min_us, MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_RTT_MAX_US, t->rtt_max_us, MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_RTT_P50_US, mutex_hist_percentile(t, 50), MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_RTT_P90_US, mutex_hist_percentile(t, 90), MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_RTT_P99_US, mutex_hist_percentile(t, 99), MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_SENT_BYTES_PER_SEC, r->bytes_per_sec[MUTEX_DIR_SENT], MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_SENT_BYTES_PER_SEC_PEAK, r->bytes_per_sec_peak[MUTEX_DIR_SENT], MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_RECEIVED_BYTES_PER_SEC, r->bytes_per_sec[MUTEX_DIR_RECV], MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_RECEIVED_BYTES_PER_SEC_PEAK, r->bytes_per_sec_peak[MUTEX_DIR_RECV], MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_CONNS_PER_SEC, r->conns_per_sec, MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_CONNS_PER_SEC_PEAK, r->conns_per_sec_peak, MUTEX_A_FD_PAD) ||
	    nla_put_u32(skb, MUTEX_A_FD_ALERTS_ACTIVE, READ_ONCE(ctx->alerts_active)) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_FLOWS_TRACKED, mutex_ctx_flows(ctx, false), MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_RESETS, t->events[MUTEX_EV_RESETS], MUTEX_A_FD_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_FD_ICMP_ERRORS, t->events[MUTEX_EV_ICMP_ERRORS], MUTEX_A_FD_PAD))
		return -EMSGSIZE;
	return 0;
}

/* The conn figures read by expression (kernel/counters.yaml); the handler puts the rest. */
int mutex_put_conn_figures(struct sk_buff *skb, struct mutex_flow *flow,
			   const struct mutex_flow_rtt *rtt)
{
	if (nla_put_u64_64bit(skb, MUTEX_A_CONN_ID, mutex_flow_id(flow), MUTEX_A_CONN_PAD) ||
	    nla_put_u32(skb, MUTEX_A_CONN_FD_ID, flow->ctx->id) ||
	    nla_put_u8(skb, MUTEX_A_CONN_FAMILY, flow->family) ||
	    nla_put_u8(skb, MUTEX_A_CONN_PROTOCOL, flow->proto) ||
	    nla_put_u16(skb, MUTEX_A_CONN_LOCAL_PORT, ntohs(flow->port[flow->local])) ||
	    nla_put_u16(skb, MUTEX_A_CONN_REMOTE_PORT, ntohs(flow->port[!flow->local])) ||
	    nla_put_u8(skb, MUTEX_A_CONN_DIRECTION, flow->direction) ||
	    nla_put_u8(skb, MUTEX_A_CONN_STATE, READ_ONCE(flow->state)) ||
	    nla_put_u64_64bit(skb, MUTEX_A_CONN_START_NS, flow->start_real_ns, MUTEX_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_CONN_LAST_NS, mutex_flow_last_ns(flow), MUTEX_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_CONN_BYTES_SENT, atomic64_read(&flow->bytes[MUTEX_DIR_SENT]), MUTEX_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_CONN_BYTES_RECEIVED, atomic64_read(&flow->bytes[MUTEX_DIR_RECV]), MUTEX_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_CONN_PACKETS_SENT, atomic64_read(&flow->packets[MUTEX_DIR_SENT]), MUTEX_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_CONN_PACKETS_RECEIVED, atomic64_read(&flow->packets[MUTEX_DIR_RECV]), MUTEX_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_CONN_RETRANSMITS, atomic_read(&flow->events[MUTEX_EV_RETRANSMITS]), MUTEX_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_CONN_ERRORS, atomic_read(&flow->events[MUTEX_EV_RESETS]) + atomic_read(&flow->events[MUTEX_EV_ICMP_ERRORS]), MUTEX_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_CONN_DROPS, atomic_read(&flow->events[MUTEX_EV_DROPS]), MUTEX_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_CONN_RTT_SAMPLES, rtt->samples, MUTEX_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_CONN_RTT_SUM_US, rtt->sum_us, MUTEX_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_CONN_RTT_MIN_US, rtt->min_us, MUTEX_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_CONN_RTT_MAX_US, rtt->max_us, MUTEX_A_CONN_PAD) ||
	    nla_put_u8(skb, MUTEX_A_CONN_MIDSTREAM, !!(READ_ONCE(flow->flags) & MUTEX_FLOW_MIDSTREAM)) ||
	    nla_put_u64_64bit(skb, MUTEX_A_CONN_RESETS, atomic_read(&flow->events[MUTEX_EV_RESETS]), MUTEX_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, MUTEX_A_CONN_ICMP_ERRORS, atomic_read(&flow->events[MUTEX_EV_ICMP_ERRORS]), MUTEX_A_CONN_PAD))
		return -EMSGSIZE;
	return 0;
}

/* The /dev/mutex read text after its id and selector lines. */
int mutex_fd_text(char *buf, size_t size, struct mutex_ctx *ctx,
		  const struct mutex_totals *t)
{
	int n = 0;

	n += scnprintf(buf + n, size - n, "conns_open %llu\n",
		       (unsigned long long)(mutex_ctx_flows(ctx, true)));
	n += scnprintf(buf + n, size - n, "conns_total %llu\n",
		       (unsigned long long)(t->conns_total));
	n += scnprintf(buf + n, size - n, "bytes_sent %llu\n",
		       (unsigned long long)(t->bytes[MUTEX_DIR_SENT]));
	n += scnprintf(buf + n, size - n, "bytes_received %llu\n",
		       (unsigned long long)(t->bytes[MUTEX_DIR_RECV]));
	n += scnprintf(buf + n, size - n, "packets_sent %llu\n",
		       (unsigned long long)(t->packets[MUTEX_DIR_SENT]));
	n += scnprintf(buf + n, size - n, "packets_received %llu\n",
		       (unsigned long long)(t->packets[MUTEX_DIR_RECV]));
	n += scnprintf(buf + n, size - n, "retransmits %llu\n",
		       (unsigned long long)(t->events[MUTEX_EV_RETRANSMITS]));
	n += scnprintf(buf + n, size - n, "errors %llu\n",
		       (unsigned long long)(t->events[MUTEX_EV_RESETS] + t->events[MUTEX_EV_ICMP_ERRORS]));
	n += scnprintf(buf + n, size - n, "drops %llu\n",
		       (unsigned long long)(t->events[MUTEX_EV_DROPS]));
	n += scnprintf(buf + n, size - n, "rtt_samples %llu\n",
		       (unsigned long long)(t->rtt_samples));
	n += scnprintf(buf + n, size - n, "rtt_sum_us %llu\n",
		       (unsigned long long)(t->rtt_sum_us));
	n += scnprintf(buf + n, size - n, "rtt_min_us %llu\n",
		       (unsigned long long)(t->rtt_min_us));
	n += scnprintf(buf + n, size - n, "rtt_max_us %llu\n",
		       (unsigned long long)(t->rtt_max_us));
	n += scnprintf(buf + n, size - n, "flows_tracked %llu\n",
		       (unsigned long long)(mutex_ctx_flows(ctx, false)));
	n += scnprintf(buf + n, size - n, "resets %llu\n",
		       (unsigned long long)(t->events[MUTEX_EV_RESETS]));
	n += scnprintf(buf + n, size - n, "icmp_errors %llu\n",
		       (unsigned long long)(t->events[MUTEX_EV_ICMP_ERRORS]));
	return n;
}
