import type { StatsAttrs } from '../netlink/generated.js';
import { columnsFromAttributeSet, type Column, type Row, type View } from '../output/index.js';

const RTT_AVERAGE: Column = { key: 'rtt_avg_us', header: 'rtt avg', kind: 'usec' };

/**
 * Every scalar attribute of the spec's `stats` set in spec order, with the derived
 * `rtt_avg_us` placed right after `rtt_max_us`.
 */
export function statsView(): View {
  const columns = columnsFromAttributeSet('stats');
  const afterMax = columns.findIndex((column) => column.key === 'rtt_max_us') + 1;
  columns.splice(afterMax > 0 ? afterMax : columns.length, 0, RTT_AVERAGE);
  return { columns };
}

/** Sample-weighted average, floored; 0 when there are no samples. */
export function rttAverageUs(stats: Pick<StatsAttrs, 'rtt_sum_us' | 'rtt_samples'>): bigint | undefined {
  const { rtt_sum_us: sum, rtt_samples: samples } = stats;
  if (sum === undefined || samples === undefined) return undefined;
  return samples === 0n ? 0n : sum / samples;
}

export function statsRow(stats: StatsAttrs): Row {
  return { ...stats, rtt_avg_us: rttAverageUs(stats) };
}
