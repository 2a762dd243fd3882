// `mutexctl fd` (and the report of `fd run`): one row per context. JSON/CSV
// carry every attribute of the spec's `fd` set in spec order (rtt_hist as a list)
// plus the derived rtt_avg_us; the list table is compact.
import type { FdAttrs } from '../spec/generated.js';
import {
  columnsFromAttributeSet,
  formatBitRate,
  formatBytes,
  formatCount,
  formatDurationNs,
  formatMicroseconds,
  type CellValue,
  type Row,
  type TableColumn,
  type View,
} from '../output/index.js';
import { alertTypesOfMask } from '../spec/enums.js';
import { dropReasonTally, pair, rttAverageUs, withRttAverage } from './common.js';

const isInteger = (value: CellValue): value is bigint | number => typeof value === 'bigint' || typeof value === 'number';
const text = (value: CellValue): string | undefined => (value === undefined || value === null || value === '' ? undefined : String(value));
const count = (value: CellValue): string | undefined => (isInteger(value) ? formatCount(value) : undefined);
const bytes = (value: CellValue): string => (isInteger(value) ? formatBytes(value) : '-');
const rate = (value: CellValue): string | undefined => (isInteger(value) ? formatBitRate(value) : undefined);

/** The selector without its `name=` part, which the NAME column already shows. */
export function selectorWithoutName(selector: string): string {
  return selector
    .split(/\s+/)
    .filter((token) => token !== '' && !token.startsWith('name='))
    .join(' ');
}

/**
 * The latency histogram's non-empty buckets: bucket 0 holds samples of 0 µs,
 * bucket i (i ≥ 1) those of at least 2^(i-1) and less than 2^i µs.
 */
export function formatRttHistogram(buckets: readonly bigint[]): string {
  const parts: string[] = [];
  buckets.forEach((samples, i) => {
    if (samples === 0n) return;
    const label = i === 0 ? '0 µs' : `<${formatMicroseconds(2n ** BigInt(i))}`;
    parts.push(`${label}: ${formatCount(samples)}`);
  });
  return parts.length === 0 ? '-' : parts.join(', ');
}

function hasRttSamples(row: Row): boolean {
  return typeof row.rtt_samples === 'bigint' && row.rtt_samples > 0n;
}

const FD_TABLE: readonly TableColumn[] = [
  { header: 'ID', align: 'right', cell: (row) => text(row.id) ?? '-' },
  { header: 'NAME', align: 'left', cell: (row) => text(row.name) ?? '-' },
  { header: 'SELECTOR', align: 'left', cell: (row) => (typeof row.selector === 'string' ? selectorWithoutName(row.selector) || '-' : '-') },
  {
    header: 'OWNER',
    align: 'left',
    cell: (row) => (row.owner_comm === undefined && row.owner_tgid === undefined ? '-' : `${text(row.owner_comm) ?? '?'}/${text(row.owner_tgid) ?? '?'}`),
  },
  { header: 'CONNS OPEN/TOT', align: 'right', cell: (row) => pair(count(row.conns_open), count(row.conns_total)) },
  { header: 'SENT', align: 'right', cell: (row) => bytes(row.bytes_sent) },
  { header: 'RECV', align: 'right', cell: (row) => bytes(row.bytes_received) },
  {
    header: 'BW NOW OUT/IN',
    align: 'right',
    cell: (row) => {
      const out = rate(row.sent_bytes_per_sec);
      const inbound = rate(row.received_bytes_per_sec);
      return out === undefined && inbound === undefined ? '-' : `${out ?? '-'} / ${inbound ?? '-'}`;
    },
  },
  {
    header: 'RTT P50/P99',
    align: 'right',
    cell: (row) =>
      hasRttSamples(row) && isInteger(row.rtt_p50_us) && isInteger(row.rtt_p99_us)
        ? `${formatMicroseconds(row.rtt_p50_us)} / ${formatMicroseconds(row.rtt_p99_us)}`
        : '-',
  },
  { header: 'RETR', align: 'right', cell: (row) => count(row.retransmits) ?? '-' },
  { header: 'ERR', align: 'right', cell: (row) => count(row.errors) ?? '-' },
  { header: 'DROP', align: 'right', cell: (row) => count(row.drops) ?? '-' },
  { header: 'UPTIME', align: 'right', cell: (row) => (isInteger(row.uptime_ns) ? formatDurationNs(row.uptime_ns) : '-') },
  { header: 'ALERTS', align: 'left', cell: (row) => formatAlertNames(row.alerts_active, ',') },
];

/** The alert types raised now, by name; '-' when none (or the kernel did not say). */
export function formatAlertNames(value: CellValue, separator = ', '): string {
  return Array.isArray(value) && value.length > 0 ? value.join(separator) : '-';
}

/**
 * The data columns, in this order (the documented JSON/CSV schema):
 * id, name, selector, owner_tgid, owner_uid, owner_comm, created_ns, uptime_ns,
 * conns_open, conns_total, bytes_sent, bytes_received, packets_sent,
 * packets_received, retransmits, errors, drops, rtt_samples, rtt_sum_us,
 * rtt_min_us, rtt_max_us, rtt_avg_us, rtt_p50_us, rtt_p90_us, rtt_p99_us,
 * rtt_hist, sent_bytes_per_sec, sent_bytes_per_sec_peak, received_bytes_per_sec,
 * received_bytes_per_sec_peak, conns_per_sec, conns_per_sec_peak, alerts_active,
 * flows_tracked.
 * alerts_active is the list of alert types raised now (`["high_latency"]`):
 * a JSON array of names, one CSV field with ';' between them.
 */
export function fdView(): View {
  const columns = columnsFromAttributeSet('fd', {
    lists: true,
    overrides: {
      owner_tgid: { header: 'owner pid' },
      created_ns: { header: 'created' },
      rtt_hist: {
        header: 'rtt histogram',
        human: (value) => (Array.isArray(value) ? formatRttHistogram(value as readonly bigint[]) : '-'),
      },
      alerts_active: { header: 'alerts raised now', kind: 'text', list: true, human: (value) => formatAlertNames(value) },
    },
  });
  return { columns: withRttAverage(columns), table: FD_TABLE };
}

/** A context as the view's row; the kernel sends every histogram bucket, absent means none. */
export function fdRow(fd: FdAttrs): Row {
  return {
    ...fd,
    rtt_avg_us: rttAverageUs(fd),
    alerts_active: alertTypesOfMask(fd.alerts_active),
    drop_reasons: dropReasonTally(fd.drop_reasons),
  };
}
