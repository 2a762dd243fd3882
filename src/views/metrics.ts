// Which numeric columns are counters (only ever grow while the module is
// loaded, so a delta between two snapshots is meaningful) and which are gauges
// (a value now). --rate and the Prometheus export both follow this one rule.
import type { Column } from '../output/index.js';

export type MetricType = 'counter' | 'gauge';

// A value now: live counts (contexts alive, connections open, flows in the
// table), extremes, averages, percentiles, the kernel's own one-second rates
// and their peaks, table geometry and memory. (flows_untracked is a counter.)
const GAUGE = /(_active|_open|_min_us|_max_us|_avg_us|_p\d+_us|_per_sec|_per_sec_peak)$|^(flows_tracked|flow_buckets|flow_limit|memory_bytes)$/;

/** Counter or gauge for a numeric data column; undefined for identities, times, text and lists. */
export function metricType(column: Column): MetricType | undefined {
  if (column.list) return undefined;
  if (column.kind !== 'count' && column.kind !== 'bytes' && column.kind !== 'usec' && column.kind !== 'bytes-per-sec') return undefined;
  return GAUGE.test(column.key) ? 'gauge' : 'counter';
}

export function isCounter(column: Column): boolean {
  return metricType(column) === 'counter';
}
