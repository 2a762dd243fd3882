import Table from 'cli-table3';
import { makeChalk } from './color.js';
import { formatBitRate, formatBytes, formatCount, formatDurationNs, formatMicroseconds, formatTimestampNs } from './units.js';
import { isTally, tallyText } from './tally.js';
import type { CellValue, Column, Row, View } from './view.js';

export interface TableOptions {
  color: boolean;
  /** Column headings (list tables only). */
  header?: boolean;
  nowMs?: number;
}

/** A cell as people read it, in the column's human unit. */
export function humanValue(column: Column, value: CellValue, nowMs = Date.now(), row: Row = {}): string {
  if (column.human && value !== null && value !== undefined) return column.human(value, row, nowMs);
  if (value === null || value === undefined) return '-';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') return value === '' ? '-' : value;
  if (isTally(value)) return Object.keys(value).length === 0 ? '-' : tallyText(value, ', ', ' ');
  if (Array.isArray(value)) {
    if (value.length === 0) return '-';
    return value.map((item: bigint | string) => (typeof item === 'string' ? item : formatCount(item))).join(typeof value[0] === 'string' ? ', ' : ' ');
  }
  const scalar = value as bigint | number;
  switch (column.kind) {
    case 'count':
      return formatCount(scalar);
    case 'per-sec':
      return `${formatCount(Math.round(Number(scalar) * 10) / 10)}/s`;
    case 'bytes':
      return formatBytes(scalar);
    case 'usec':
      return formatMicroseconds(scalar);
    case 'bytes-per-sec':
      return formatBitRate(scalar);
    case 'time-ns':
      return formatTimestampNs(scalar, nowMs);
    case 'duration-ns':
      return formatDurationNs(scalar);
    case 'id':
    case 'address':
    case 'text':
      return String(scalar);
  }
}

function isNumeric(column: Column): boolean {
  return !['text', 'time-ns', 'id', 'address'].includes(column.kind);
}

// No cli-table3 colours (it would colour by its own terminal detection), and
// no rule between body rows (compact): a rule per statistic halves what fits on a screen.
const PLAIN_STYLE = { head: [] as string[], border: [] as string[], compact: true };

/**
 * A table with one row per record: the view's compact table columns when it has
 * them, otherwise one column per data column.
 */
export function renderListTable(view: View, rows: readonly Row[], options: TableOptions): string {
  const chalk = makeChalk(options.color);
  const nowMs = options.nowMs ?? Date.now();
  const columns =
    view.table ??
    view.columns.map((column) => ({
      header: column.header,
      align: isNumeric(column) ? ('right' as const) : ('left' as const),
      cell: (row: Row, now: number) => humanValue(column, row[column.key], now, row),
    }));
  const table = new Table({
    head: options.header === false ? [] : columns.map((column) => chalk.bold.cyan(column.header)),
    colAligns: columns.map((column) => column.align),
    style: PLAIN_STYLE,
  });
  for (const row of rows) table.push(columns.map((column) => column.cell(row, nowMs)));
  return `${table.toString()}\n`;
}

/** A two-column statistic/value table of one record. */
export function renderRecordTable(view: View, row: Row, options: TableOptions): string {
  const chalk = makeChalk(options.color);
  const nowMs = options.nowMs ?? Date.now();
  const table = new Table({
    head: [chalk.bold.cyan('statistic'), chalk.bold.cyan('value')],
    colAligns: ['left', 'right'],
    style: PLAIN_STYLE,
  });
  for (const column of view.columns) table.push([column.header, humanValue(column, row[column.key], nowMs, row)]);
  return `${table.toString()}\n`;
}
