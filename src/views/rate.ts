// `--rate`: per-second deltas of the counters between two snapshots, the way
// nstat shows them. A row is matched to the earlier snapshot by its identity
// (fd id, flow id) within one module instance; a row that is new, or any row
// after the module was reloaded (another instance_id), is measured from zero at
// its own start (module load, context creation, first packet), which is exact
// because every counter starts at zero there.
import type { Column, Row, View } from '../output/index.js';
import { isCounter } from './metrics.js';

/** How the rows of one command are matched and when each one started counting. */
export interface RateSubject {
  readonly view: View;
  /** The row's identity within a module instance. */
  readonly identity: (row: Row) => string;
  /** When the row's counters were zero: ns since the Unix epoch. */
  readonly startNs: (row: Row) => bigint | undefined;
}

/** The counters of a row as kept between runs: column key → value. */
export type CounterValues = Readonly<Record<string, bigint>>;

export interface RateBaseline {
  readonly instanceId: bigint;
  readonly takenNs: bigint;
  readonly rows: ReadonlyMap<string, CounterValues>;
}

export const INTERVAL_NS: Column = { key: 'interval_ns', header: 'interval', kind: 'duration-ns' };

const rateKey = (key: string): string => `${key}_per_sec`;

/** interval_ns first, then the view's columns with every counter replaced by its per-second rate. */
export function rateView(view: View): View {
  const columns = view.columns.map((column): Column => {
    if (!isCounter(column)) return column;
    return { key: rateKey(column.key), header: `${column.header}/s`, kind: column.kind === 'bytes' ? 'bytes-per-sec' : 'per-sec' };
  });
  return { columns: [INTERVAL_NS, ...columns] };
}

/** The counter columns of a view: worked out once per snapshot, not once per row. */
function counterColumns(view: View): Column[] {
  return view.columns.filter(isCounter);
}

function counterValues(counters: readonly Column[], row: Row): CounterValues {
  const values: Record<string, bigint> = {};
  for (const column of counters) {
    const value = row[column.key];
    if (typeof value === 'bigint' || typeof value === 'number') values[column.key] = BigInt(value);
  }
  return values;
}

/** Per second, to three decimals. */
function perSecond(delta: bigint, intervalNs: bigint): number {
  return Math.round((Number(delta) * 1e9 * 1000) / Number(intervalNs)) / 1000;
}

/**
 * The rows of `current` as rates since `baseline` (undefined: since each row's
 * start). A counter that went down (cannot happen within one instance) counts
 * from zero, like a new row.
 */
export function rateRows(subject: RateSubject, current: readonly Row[], instanceId: bigint, takenNs: bigint, baseline?: RateBaseline): Row[] {
  const sameInstance = baseline !== undefined && baseline.instanceId === instanceId;
  const counters = counterColumns(subject.view);
  return current.map((row) => {
    const now = counterValues(counters, row);
    const before = sameInstance ? baseline.rows.get(subject.identity(row)) : undefined;
    const wentDown = before !== undefined && Object.entries(now).some(([key, value]) => value < (before[key] ?? 0n));
    const from = before !== undefined && !wentDown ? before : undefined;
    const sinceNs = from !== undefined ? baseline!.takenNs : subject.startNs(row);
    const intervalNs = sinceNs === undefined ? undefined : takenNs - sinceNs;
    const out: Record<string, Row[string]> = { ...row, interval_ns: intervalNs };
    for (const column of counters) {
      const value = now[column.key];
      out[rateKey(column.key)] =
        value === undefined || intervalNs === undefined || intervalNs <= 0n ? undefined : perSecond(value - (from?.[column.key] ?? 0n), intervalNs);
    }
    // The RTT average over the interval, not since the start.
    if ('rtt_avg_us' in row && now.rtt_samples !== undefined && now.rtt_sum_us !== undefined) {
      const samples = now.rtt_samples - (from?.rtt_samples ?? 0n);
      out.rtt_avg_us = samples > 0n ? (now.rtt_sum_us - (from?.rtt_sum_us ?? 0n)) / samples : 0n;
    }
    return out;
  });
}

/** The baseline the next rate is measured from. */
export function baselineOf(subject: RateSubject, rows: readonly Row[], instanceId: bigint, takenNs: bigint): RateBaseline {
  const counters = counterColumns(subject.view);
  return { instanceId, takenNs, rows: new Map(rows.map((row) => [subject.identity(row), counterValues(counters, row)])) };
}
