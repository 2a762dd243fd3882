import { tallyOf, type Column, type Tally, type View } from '../output/index.js';
import type { DropReasonAttrs } from '../spec/generated.js';

/** When a snapshot was taken: leads each record of --watch output and of CSV exports, so rows form a time series. */
export const TAKEN_NS: Column = { key: 'taken_ns', header: 'taken', kind: 'time-ns' };

/** The derived sample-weighted RTT average, a column of every view with RTT sums. */
export const RTT_AVERAGE: Column = { key: 'rtt_avg_us', header: 'rtt avg', kind: 'usec', metric: 'gauge' };

/** `columns` with `rtt_avg_us` right after `rtt_max_us` (at the end when there is none). */
export function withRttAverage(columns: readonly Column[]): Column[] {
  const out = [...columns];
  const afterMax = out.findIndex((column) => column.key === 'rtt_max_us') + 1;
  out.splice(afterMax > 0 ? afterMax : out.length, 0, RTT_AVERAGE);
  return out;
}

/** Sample-weighted average, floored; 0 when there are no samples; undefined when the kernel sent neither. */
export function rttAverageUs(values: { rtt_sum_us?: bigint; rtt_samples?: bigint }): bigint | undefined {
  const { rtt_sum_us: sum, rtt_samples: samples } = values;
  if (sum === undefined || samples === undefined) return undefined;
  return samples === 0n ? 0n : sum / samples;
}

/** Drops by the kernel's reason, as a tally (empty when there were none). */
export function dropReasonTally(reasons: readonly DropReasonAttrs[] | undefined): Tally {
  return tallyOf(reasons, (r) => r.reason, (r) => r.drops);
}

/** IP protocol numbers of the flows the module tracks, by the names mutexctl uses. */
export const PROTOCOLS: Readonly<Record<string, number>> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58 };

const PROTOCOL_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(PROTOCOLS).map(([name, number]) => [number, name]));

export function protocolName(value: number | undefined): string | undefined {
  if (value === undefined) return undefined;
  return PROTOCOL_NAMES.get(value) ?? String(value);
}

const FAMILIES: Readonly<Record<number, string>> = { 2: 'ipv4', 10: 'ipv6' };

export function familyName(value: number | undefined): string | undefined {
  if (value === undefined) return undefined;
  return FAMILIES[value] ?? String(value);
}

/** `a/b` of two counts, `-` when the kernel sent neither. */
export function pair(a: string | undefined, b: string | undefined): string {
  if (a === undefined && b === undefined) return '-';
  return `${a ?? '-'}/${b ?? '-'}`;
}

/** A view's fields in output order, an enum's names in brackets: "id, state (new|closed)". For help texts. */
export function describeFields(view: View): string {
  return view.columns.map((column) => (column.values ? `${column.key} (${column.values.join('|')})` : column.key)).join(', ');
}
