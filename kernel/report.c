// SPDX-License-Identifier: GPL-2.0
/*
 * The global statistics of a network namespace, as stats-get and
 * /proc/mutex/stats report them: the namespace's totals, its own per-CPU
 * counters, the flow table's figures and the alert ring's.
 */
#include <linux/string.h>

#include "mutex.h"

static void net_pcpu_sum(struct mutex_net *mn, struct mutex_stats *s)
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
	struct mutex_totals sum, *t = &sum;
	struct mutex_rates rates;
	struct mutex_net *mn;

	memset(s, 0, sizeof(*s));
	s->instance_id = mutex_instance_id;
	s->load_time_ns = mutex_load_time_ns;
	s->flow_buckets = mutex_flow_buckets();

	mutex_lock(&mutex_ctx_lock);
	mn = mutex_pernet(net);
	s->flow_limit = mutex_flow_limit(mn);
	if (!mn) {
		mutex_unlock(&mutex_ctx_lock);
		return;
	}
	mutex_net_totals(mn, &sum, &s->conns_open, &s->flows_tracked);
	s->fds_active = mn->nr_ctx;
	s->fds_total = mn->fds_total;
	mutex_rates_read(&mn->rates_lock, &mn->rates, &rates);
	mutex_unlock(&mutex_ctx_lock);

	mutex_stats_from_totals(s, t);
	s->sent_bytes_per_sec = rates.bytes_per_sec[MUTEX_DIR_SENT];
	s->sent_bytes_per_sec_peak = rates.bytes_per_sec_peak[MUTEX_DIR_SENT];
	s->received_bytes_per_sec = rates.bytes_per_sec[MUTEX_DIR_RECV];
	s->received_bytes_per_sec_peak = rates.bytes_per_sec_peak[MUTEX_DIR_RECV];
	s->conns_per_sec = rates.conns_per_sec;
	s->conns_per_sec_peak = rates.conns_per_sec_peak;

	net_pcpu_sum(mn, s);
	s->flows_evicted = atomic64_read(&mn->evicted);
	/* This namespace's flows; the bucket array is the host's. */
	s->memory_bytes = mutex_flow_bytes(mn);
	if (net_eq(net, &init_net))
		s->memory_bytes += mutex_flow_table_bytes();
	mutex_alert_ring_stats(mn, s);
}
