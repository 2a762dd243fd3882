import { renderCsv } from './csv.js';
import { toJson, type JsonValue } from './json.js';
import { renderListTable, renderRecordTable } from './table.js';
import type { OutputFormat, Row, View, ViewShape } from './view.js';

export interface RenderOptions {
  format: OutputFormat;
  shape: ViewShape;
  /** CSV header row / list-table headings. */
  header: boolean;
  color: boolean;
  nowMs?: number;
}

/** The row restricted to the view's columns, in column order, leaving out what the kernel did not send. */
export function rowToJson(view: View, row: Row): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  for (const column of view.columns) {
    const value = row[column.key];
    if (value !== undefined) out[column.key] = value;
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
