// `--fd 3,5,7 --aggregate`: several contexts as one. Counters and histograms
// are summed; the RTT average is the summed sum over the summed samples (sample-
// weighted, never an average of averages); percentiles are read off the summed
// histogram exactly as the kernel reads them off one context's histogram.
import { figures, type FdAttrs } from '../spec/generated.js';
import type { Column, Row, View } from '../output/index.js';
import { fdRow, fdView } from '../views/fd.js';

/** How the catalog (kernel/counters.yaml) folds a context's figure over several contexts. */
const aggregation = (key: string) => figures.fd?.[key]?.aggregate;

/** Counters and one-second rates that add up (the histogram and drops by reason are summed apart). */
const SUMMED = Object.keys(figures.fd ?? {}).filter(
  (key) => aggregation(key) === 'sum' && figures.fd?.[key]?.kind !== 'histogram' && figures.fd?.[key]?.kind !== 'reasons',
) as (keyof FdAttrs)[];

const FD_IDS: Column = { key: 'fd_ids', header: 'contexts', kind: 'id', list: true };

/** fd_ids, then the context columns that add up, in the fd view's order. */
export function aggregateView(): View {
  // Left out: the context's identity, and peaks (the peak of a sum is not known).
  return { columns: [FD_IDS, ...fdView().columns.filter((column) => aggregation(column.key) !== undefined || column.key === 'rtt_avg_us')] };
}

/** Upper bound in µs of the log2 bucket holding the pct-th percentile sample (kernel/stats.c). */
export function histogramPercentile(hist: readonly bigint[], samples: bigint, pct: number): bigint {
  if (samples === 0n) return 0n;
  const rank = (samples * BigInt(pct) + 99n) / 100n;
  let seen = 0n;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i]!;
    if (seen >= rank) return i === 0 ? 0n : (1n << BigInt(i)) - 1n;
  }
  return (1n << BigInt(Math.max(hist.length - 1, 0))) - 1n;
}

export function aggregateFds(fds: readonly FdAttrs[]): FdAttrs {
  const total: FdAttrs = {};
  const sums = total as Record<string, bigint>;
  for (const key of SUMMED) {
    sums[key] = fds.reduce((sum, fd) => sum + BigInt((fd[key] as bigint | number | undefined) ?? 0n), 0n);
  }
  const withSamples = fds.filter((fd) => (fd.rtt_samples ?? 0n) > 0n);
  total.rtt_min_us = withSamples.reduce<bigint | undefined>(
    (min, fd) => (min === undefined || (fd.rtt_min_us ?? 0n) < min ? (fd.rtt_min_us ?? 0n) : min),
    undefined,
  ) ?? 0n;
  total.rtt_max_us = fds.reduce((max, fd) => ((fd.rtt_max_us ?? 0n) > max ? (fd.rtt_max_us ?? 0n) : max), 0n);
  const length = Math.max(0, ...fds.map((fd) => fd.rtt_hist?.length ?? 0));
  const hist = Array.from({ length }, (_, i) => fds.reduce((sum, fd) => sum + (fd.rtt_hist?.[i] ?? 0n), 0n));
  total.rtt_hist = hist;
  const samples = total.rtt_samples ?? 0n;
  total.rtt_p50_us = histogramPercentile(hist, samples, 50);
  total.rtt_p90_us = histogramPercentile(hist, samples, 90);
  total.rtt_p99_us = histogramPercentile(hist, samples, 99);
  total.alerts_active = fds.reduce((mask, fd) => mask | (fd.alerts_active ?? 0), 0);
  // Entries of one reason from several contexts add up in the row's tally.
  total.drop_reasons = fds.flatMap((fd) => fd.drop_reasons ?? []);
  return total;
}

/** The aggregate as a row of aggregateView(). */
export function aggregateRow(fds: readonly FdAttrs[]): Row {
  return { ...fdRow(aggregateFds(fds)), fd_ids: fds.map((fd) => BigInt(fd.id ?? 0)) };
}
