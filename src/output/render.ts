import { renderCsv } from './csv.js';
import { toJson, type JsonValue } from './json.js';
import { renderListTable, renderRecordTable } from './table.js';
import type { CellValue, OutputFormat, Row, View, ViewShape } from './view.js';

export interface RenderOptions {
  format: OutputFormat;
  shape: ViewShape;
  /** CSV header row / list-table headings. */
  header: boolean;
  /** Tables: box-drawn for a terminal, else plain columns (see TableOptions). */
  boxed?: boolean;
  color: boolean;
  nowMs?: number;
}

/** An identifier's JSON value: its decimal digits as a string (a list of them, for a list). */
function identifierJson(value: CellValue): JsonValue {
  if (typeof value === 'bigint' || typeof value === 'number') return String(value);
  if (Array.isArray(value)) return (value as readonly (bigint | string)[]).map(String);
  return value;
}

/**
 * The row restricted to the view's columns, in column order, leaving out what
 * the kernel did not send; identifiers as decimal strings.
 */
export function rowToJson(view: View, row: Row): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  for (const column of view.columns) {
    const value = row[column.key];
    if (value !== undefined) out[column.key] = column.identifier === true ? identifierJson(value) : value;
  }
  return out;
}

export function renderView(view: View, rows: readonly Row[], options: RenderOptions): string {
  switch (options.format) {
    case 'json': {
      const objects = rows.map((row) => rowToJson(view, row));
      return toJson(options.shape === 'record' ? (objects[0] ?? {}) : objects);
    }
    case 'csv':
      return renderCsv(view, rows, { header: options.header });
    case 'table':
      if (options.shape === 'record') return renderRecordTable(view, rows[0] ?? {}, options);
      return renderListTable(view, rows, options);
  }
}
