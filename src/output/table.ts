import Table from 'cli-table3';
import { makeChalk } from './color.js';
import { escapeControl } from './text.js';
import { formatBitRate, formatBytes, formatCount, formatDurationNs, formatMicroseconds, formatTimestampNs } from './units.js';
import { isTally, tallyText } from './tally.js';
import type { CellValue, Column, Row, View } from './view.js';

export interface TableOptions {
  /**
   * Box-drawn (for a terminal). Otherwise plain: a header line and
   * whitespace-aligned columns, no box characters and no colour, for awk,
   * grep and files.
   */
  boxed?: boolean;
  /** Colour (boxed tables only). */
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

/** The table's cells as columns, headings and alignment: what boxed and plain tables both show. */
interface Grid {
  readonly head?: readonly string[];
  readonly aligns: readonly ('left' | 'right')[];
  readonly rows: readonly (readonly string[])[];
}

/**
 * A cell as printed: control characters escaped (a name or message from the
 * kernel never reaches the terminal raw), '-' for nothing.
 */
function safeCell(text: string): string {
  return text === '' ? '-' : escapeControl(text);
}

function renderGrid(grid: Grid, options: TableOptions): string {
  if (options.boxed === true) return renderBoxed(grid, options.color);
  return renderPlain(grid);
}

function renderBoxed(grid: Grid, color: boolean): string {
  const chalk = makeChalk(color);
  const table = new Table({
    head: grid.head?.map((header) => chalk.bold.cyan(header)) ?? [],
    colAligns: [...grid.aligns],
    style: PLAIN_STYLE,
  });
  for (const row of grid.rows) table.push([...row]);
  return `${table.toString()}\n`;
}

/** Columns of text apart. */
const GAP = '  ';

/**
 * Like ss, ip and kubectl get: a header line, then one line per row, columns
 * aligned and at least two spaces apart. A cell never holds two spaces in a
 * row (runs of white space become one), so `awk -F '  +'` splits any line into
 * its cells; numeric and most other cells are one word for plain awk.
 */
function renderPlain(grid: Grid): string {
  const cells = (row: readonly string[]) => row.map((cell) => cell.replace(/\s+/g, ' ').trim() || '-');
  const lines = [...(grid.head ? [cells(grid.head)] : []), ...grid.rows.map(cells)];
  const widths = grid.aligns.map((_, i) => Math.max(0, ...lines.map((line) => width(line[i] ?? ''))));
  const last = grid.aligns.length - 1;
  const out = lines.map((line) =>
    line
      .map((cell, i) => {
        const pad = ' '.repeat(widths[i]! - width(cell));
        if (grid.aligns[i] === 'right') return pad + cell;
        return i === last ? cell : cell + pad;
      })
      .join(GAP)
      .trimEnd(),
  );
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** Columns a string takes: one per code point (µ, é; wide CJK and emoji are rare in these tables). */
function width(text: string): number {
  return [...text].length;
}

/**
 * A table with one row per record: the view's compact table columns when it has
 * them, otherwise one column per data column.
 */
export function renderListTable(view: View, rows: readonly Row[], options: TableOptions): string {
  const nowMs = options.nowMs ?? Date.now();
  const columns =
    view.table ??
    view.columns.map((column) => ({
      header: column.header,
      align: isNumeric(column) ? ('right' as const) : ('left' as const),
      cell: (row: Row, now: number) => humanValue(column, row[column.key], now, row),
    }));
  return renderGrid(
    {
      head: options.header === false ? undefined : columns.map((column) => safeCell(column.header)),
      aligns: columns.map((column) => column.align),
      rows: rows.map((row) => columns.map((column) => safeCell(column.cell(row, nowMs)))),
    },
    options,
  );
}

/** A two-column statistic/value table of one record. */
export function renderRecordTable(view: View, row: Row, options: TableOptions): string {
  const nowMs = options.nowMs ?? Date.now();
  return renderGrid(
    {
      head: ['statistic', 'value'],
      aligns: ['left', 'right'],
      rows: view.columns.map((column) => [safeCell(column.header), safeCell(humanValue(column, row[column.key], nowMs, row))]),
    },
    options,
  );
}
