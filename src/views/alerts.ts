// `mutexctl alerts`: alert events from the kernel's ring and the `alerts`
// multicast group. JSON/CSV carry the raw values with the unit of the
// threshold crossed in `unit`; the table and --follow lines read in human units.
import type { AlertAttrs } from '../spec/generated.js';
import {
  escapeControl,
  formatBitsPerSecond,
  formatCount,
  formatMicroseconds,
  formatTimestampNs,
  makeChalk,
  type CellValue,
  type Column,
  type Row,
  type TableColumn,
  type View,
} from '../output/index.js';
import { alertTypeName, enumName, enumNames } from '../spec/enums.js';

/** The unit of an alert's value and threshold, by alert type (the threshold it crossed). */
const UNITS: readonly string[] = ['us', 'ppm', 'bps', 'conn/s', 'ppm'];

export function alertUnit(type: number | undefined): string | undefined {
  return type === undefined ? undefined : UNITS[type];
}

/** A value in its unit, for people: "612.35 ms", "12.5 %", "1.2 Gbit/s", "15,000/s". */
export function formatAlertValue(unit: CellValue, value: CellValue): string {
  if (typeof value !== 'bigint' && typeof value !== 'number') return '-';
  const n = Number(value);
  switch (unit) {
    case 'us':
      return formatMicroseconds(value);
    case 'ppm':
      if (n < 100) return `${n} ppm`;
      return `${(n / 10_000).toFixed(2).replace(/\.?0+$/, '')} %`;
    case 'bps':
      return formatBitsPerSecond(value);
    case 'conn/s':
      return `${formatCount(value)}/s`;
    default:
      return formatCount(value);
  }
}

const quantity = (value: CellValue, row: Row): string => formatAlertValue(row.unit, value);

const text = (value: CellValue): string => (value === undefined || value === null || value === '' ? '-' : String(value));

const ALERT_COLUMNS: readonly Column[] = [
  { key: 'seq', header: 'seq', kind: 'id', identifier: true },
  { key: 'time_ns', header: 'time', kind: 'time-ns' },
  { key: 'type', header: 'type', kind: 'text', values: enumNames('alert-type').map((name) => name.replace(/-/g, '_')) },
  { key: 'severity', header: 'severity', kind: 'count' },
  { key: 'state', header: 'state', kind: 'text', values: enumNames('alert-state') },
  { key: 'fd_id', header: 'fd', kind: 'id', identifier: true },
  { key: 'value', header: 'value', kind: 'count', human: quantity },
  { key: 'threshold', header: 'threshold', kind: 'count', human: quantity },
  { key: 'unit', header: 'unit', kind: 'text' },
  { key: 'message', header: 'message', kind: 'text' },
];

const ALERT_TABLE: readonly TableColumn[] = [
  { header: 'SEQ', align: 'right', cell: (row) => text(row.seq) },
  { header: 'TIME', align: 'left', cell: (row, nowMs) => (typeof row.time_ns === 'bigint' ? formatTimestampNs(row.time_ns, nowMs) : '-') },
  { header: 'TYPE', align: 'left', cell: (row) => text(row.type) },
  { header: 'SEV', align: 'right', cell: (row) => text(row.severity) },
  { header: 'STATE', align: 'left', cell: (row) => text(row.state) },
  { header: 'FD', align: 'right', cell: (row) => text(row.fd_id) },
  { header: 'VALUE', align: 'right', cell: (row) => formatAlertValue(row.unit, row.value) },
  { header: 'THRESHOLD', align: 'right', cell: (row) => formatAlertValue(row.unit, row.threshold) },
  { header: 'MESSAGE', align: 'left', cell: (row) => text(row.message) },
];

/**
 * The data columns, in this order (the documented JSON/CSV schema):
 * seq, time_ns, type (high_latency|high_error_rate|bandwidth_spike|connection_flood|packet_drop),
 * severity (0-10), state (raised|cleared), fd_id, value, threshold,
 * unit (us|ppm|bps|conn/s, by type), message.
 */
export function alertView(): View {
  return { columns: ALERT_COLUMNS, table: ALERT_TABLE };
}

const CLEARED: View = { columns: [{ key: 'cleared', header: 'cleared', kind: 'text' }] };

/** `alerts clear --json|--csv`: one record, `cleared` (true). */
export function clearedView(): View {
  return CLEARED;
}

/** An alert as the view's row: type and state by name, the unit from the type. */
export function alertRow(alert: AlertAttrs): Row {
  return {
    seq: alert.seq,
    time_ns: alert.time_ns,
    type: alertTypeName(alert.type),
    severity: alert.severity,
    state: enumName('alert-state', alert.state),
    fd_id: alert.fd_id,
    value: alert.value,
    threshold: alert.threshold,
    unit: alertUnit(alert.type),
    message: alert.message,
  };
}

/**
 * One line per alert for `alerts --follow` on a terminal:
 * `#12 2025-11-29T22:57:03Z raised high_latency fd 3 sev 5: 612.35 ms (threshold 500 ms) avg RTT above threshold`.
 */
export function formatAlertLine(row: Row, color = false): string {
  const chalk = makeChalk(color);
  const time = typeof row.time_ns === 'bigint' ? new Date(Number(row.time_ns / 1_000_000n)).toISOString().replace(/\.\d{3}Z$/, 'Z') : '-';
  const state = text(row.state);
  const painted = state === 'raised' ? chalk.red(state) : state === 'cleared' ? chalk.green(state) : state;
  const message = typeof row.message === 'string' && row.message !== '' ? ` ${escapeControl(row.message)}` : '';
  return (
    `#${text(row.seq)} ${time} ${painted} ${text(row.type)} fd ${text(row.fd_id)} sev ${text(row.severity)}: ` +
    `${formatAlertValue(row.unit, row.value)} (threshold ${formatAlertValue(row.unit, row.threshold)})${message}`
  );
}
