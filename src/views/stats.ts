import type { StatsAttrs } from '../spec/generated.js';
import { columnsFromAttributeSet, type Row, type View } from '../output/index.js';
import { rttAverageUs, withRttAverage } from './common.js';

export { rttAverageUs };

/**
 * Every scalar attribute of the spec's `stats` set in spec order, with the derived
 * `rtt_avg_us` placed right after `rtt_max_us`.
 */
export function statsView(): View {
  return { columns: withRttAverage(columnsFromAttributeSet('stats')) };
}

export function statsRow(stats: StatsAttrs): Row {
  return { ...stats, rtt_avg_us: rttAverageUs(stats) };
}
