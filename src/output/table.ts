import Table from 'cli-table3';
import { makeChalk } from './color.js';
import { formatBitRate, formatBytes, formatCount, formatMicroseconds, formatTimestampNs } from './units.js';
import type { CellValue, Column, Row, View } from './view.js';

export interface TableOptions {
  color: boolean;
  /** Column headings (list tables only). */
  header?: boolean;
  nowMs?: number;
}

/** A cell as people read it, in the column's human unit. */
export function humanValue(column: Column, value: CellValue, nowMs = Date.now()): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') return value;
  switch (column.kind) {
    case 'count':
      return formatCount(value);
    case 'bytes':
      return formatBytes(value);
    case 'usec':
      return formatMicroseconds(value);
    case 'bytes-per-sec':
      return formatBitRate(value);
    case 'time-ns':
      return formatTimestampNs(value, nowMs);
    case 'id':
    case 'text':
      return String(value);
  }
}

function isNumeric(column: Column): boolean {
  return column.kind !== 'text' && column.kind !== 'time-ns' && column.kind !== 'id';
}

// No cli-table3 colours (it would colour by its own terminal detection), and
// no rule between body rows (compact): a rule per statistic halves what fits on a screen.
const PLAIN_STYLE = { head: [] as string[], border: [] as string[], compact: true };

/** A table with one row per record and one column per view column. */
export function renderListTable(view: View, rows: readonly Row[], options: TableOptions): string {
  const chalk = makeChalk(options.color);
  const table = new Table({
    head: options.header === false ? [] : view.columns.map((column) => chalk.bold.cyan(column.header)),
    colAligns: view.columns.map((column) => (isNumeric(column) ? 'right' : 'left')),
    style: PLAIN_STYLE,
  });
  for (const row of rows) table.push(view.columns.map((column) => humanValue(column, row[column.key], options.nowMs)));
  return `${table.toString()}\n`;
}

/** A two-column statistic/value table of one record. */
export function renderRecordTable(view: View, row: Row, options: TableOptions): string {
  const chalk = makeChalk(options.color);
  const table = new Table({
    head: [chalk.bold.cyan('statistic'), chalk.bold.cyan('value')],
    colAligns: ['left', 'right'],
    style: PLAIN_STYLE,
  });
  for (const column of view.columns) table.push([column.header, humanValue(column, row[column.key], options.nowMs)]);
  return `${table.toString()}\n`;
}
