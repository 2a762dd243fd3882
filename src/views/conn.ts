// `mutexctl conn`: one row per tracked flow. JSON/CSV carry every attribute of
// the spec's `conn` set in spec order (addresses as text, enums by name) plus the
// derived rtt_avg_us; the list table is compact, like ss.
import { connFigureRow, type ConnAttrs } from '../spec/generated.js';
import {
  columnsFromAttributeSet,
  formatAddress,
  formatBytes,
  formatCount,
  formatDurationNs,
  formatEndpoint,
  formatMicroseconds,
  type CellValue,
  type Row,
  type TableColumn,
  type View,
} from '../output/index.js';
import { enumName, enumNames } from '../spec/enums.js';
import { dropReasonTally, familyName, pair, protocolName, rttAverageUs, withRttAverage } from './common.js';

const text = (value: CellValue): string | undefined => (value === undefined || value === null ? undefined : String(value));
const count = (value: CellValue): string | undefined =>
  typeof value === 'bigint' || typeof value === 'number' ? formatCount(value) : undefined;
const bytes = (value: CellValue): string =>
  typeof value === 'bigint' || typeof value === 'number' ? formatBytes(value) : '-';

/** Protocols whose flows have no ports (the module keys ICMP echo by its id instead). */
const PORTLESS = new Set(['icmp', 'icmpv6']);

function endpoint(row: Row, side: 'local' | 'remote'): string {
  const address = row[`${side}_addr`];
  if (typeof address !== 'string') return '-';
  const port = row[`${side}_port`];
  const hasPort = typeof port === 'number' && !PORTLESS.has(String(row.protocol));
  return formatEndpoint(address, hasPort ? port : undefined);
}

/** Age of a flow: now minus its first packet. */
export function ageNs(startNs: CellValue, nowMs: number): bigint | undefined {
  if (typeof startNs !== 'bigint' || startNs === 0n) return undefined;
  const age = BigInt(Math.trunc(nowMs)) * 1_000_000n - startNs;
  return age < 0n ? 0n : age;
}

/** midstream in a table: yes/no; an unknown value (a newer module) as its number. */
export function formatMidstream(value: CellValue): string {
  if (value === 0 || value === 0n) return 'no';
  if (value === 1 || value === 1n) return 'yes';
  return text(value) ?? '-';
}

const DIRECTION_SHORT: Readonly<Record<string, string>> = { outbound: 'out', inbound: 'in' };

const CONN_TABLE: readonly TableColumn[] = [
  { header: 'ID', align: 'right', cell: (row) => text(row.id) ?? '-' },
  { header: 'FD', align: 'right', cell: (row) => text(row.fd_id) ?? '-' },
  { header: 'PROTO', align: 'left', cell: (row) => text(row.protocol) ?? '-' },
  { header: 'LOCAL', align: 'left', cell: (row) => endpoint(row, 'local') },
  { header: 'REMOTE', align: 'left', cell: (row) => endpoint(row, 'remote') },
  { header: 'DIR', align: 'left', cell: (row) => DIRECTION_SHORT[String(row.direction)] ?? text(row.direction) ?? '-' },
  { header: 'STATE', align: 'left', cell: (row) => text(row.state) ?? '-' },
  { header: 'SENT', align: 'right', cell: (row) => bytes(row.bytes_sent) },
  { header: 'RECV', align: 'right', cell: (row) => bytes(row.bytes_received) },
  { header: 'PKTS OUT/IN', align: 'right', cell: (row) => pair(count(row.packets_sent), count(row.packets_received)) },
  {
    header: 'RTT',
    align: 'right',
    cell: (row) =>
      typeof row.rtt_samples === 'bigint' && row.rtt_samples > 0n && typeof row.rtt_avg_us === 'bigint'
        ? formatMicroseconds(row.rtt_avg_us)
        : '-',
  },
  { header: 'RETR', align: 'right', cell: (row) => count(row.retransmits) ?? '-' },
  { header: 'ERR', align: 'right', cell: (row) => count(row.errors) ?? '-' },
  { header: 'DROP', align: 'right', cell: (row) => count(row.drops) ?? '-' },
  {
    header: 'AGE',
    align: 'right',
    cell: (row, nowMs) => {
      const age = ageNs(row.start_ns, nowMs);
      return age === undefined ? '-' : formatDurationNs(age);
    },
  },
];

/**
 * The data columns, in this order (the documented JSON/CSV schema):
 * id, fd_id, family, protocol, local_addr, local_port, remote_addr, remote_port,
 * direction, state, start_ns, last_ns, bytes_sent, bytes_received, packets_sent,
 * packets_received, retransmits, errors, drops, rtt_samples, rtt_sum_us,
 * rtt_min_us, rtt_max_us, rtt_avg_us, midstream.
 * midstream is 0 or 1 (1: the flow was picked up after its connection had
 * started, and is not counted in conns_total): an integer in JSON and CSV,
 * no/yes in tables, and neither a counter (--rate) nor a metric.
 */
export function connView(): View {
  const columns = columnsFromAttributeSet('conn', {
    overrides: {
      id: { header: 'id' },
      fd_id: { header: 'fd' },
      family: { kind: 'text', values: ['ipv4', 'ipv6'] },
      protocol: { kind: 'text' },
      local_addr: { kind: 'address', header: 'local address' },
      remote_addr: { kind: 'address', header: 'remote address' },
      direction: { kind: 'text', values: enumNames('direction') },
      state: { kind: 'text', values: enumNames('flow-state') },
      start_ns: { header: 'first packet' },
      last_ns: { header: 'last packet' },
      midstream: { kind: 'id', header: 'picked up mid-stream', human: formatMidstream },
    },
  });
  return { columns: withRttAverage(columns), table: CONN_TABLE };
}

/** A flow as the view's row: addresses as text, protocol/family/direction/state by name. */
export function connRow(conn: ConnAttrs): Row {
  // One object literal per row (generated from the catalog), not a spread of
  // the decoded object: this runs once per listed flow.
  return connFigureRow(
    conn,
    familyName(conn.family),
    protocolName(conn.protocol),
    conn.local_addr ? formatAddress(conn.local_addr) : undefined,
    conn.remote_addr ? formatAddress(conn.remote_addr) : undefined,
    enumName('direction', conn.direction),
    enumName('flow-state', conn.state),
    dropReasonTally(conn.drop_reasons),
    rttAverageUs(conn),
  ) as Row;
}
