// Which numeric columns are counters (only ever grow while the module is
// loaded, so a delta between two snapshots is meaningful) and which are gauges
// (a value now): what the catalog (kernel/counters.yaml) says of each figure.
// --rate and the Prometheus export both follow it.
import type { Column } from '../output/index.js';

export type MetricType = 'counter' | 'gauge';

/** Counter or gauge for a numeric data column; undefined for identities, times, text and lists. */
export function metricType(column: Column): MetricType | undefined {
  return column.list ? undefined : column.metric;
}

export function isCounter(column: Column): boolean {
  return metricType(column) === 'counter';
}
