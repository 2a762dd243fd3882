import { csvHeader, csvRows, renderCsv } from './csv.js';
import { identifierJson, JsonArrayWriter, jsonRecord, toJson, type JsonValue } from './json.js';
import { renderListTable, renderRecordTable } from './table.js';
import type { OutputFormat, Row, View, ViewShape } from './view.js';

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
      if (options.shape === 'record') return toJson(rows[0] === undefined ? {} : rowToJson(view, rows[0]));
      const list = listWriter(view, 'json', options.header);
      return list.rows(rows) + list.end();
    }
    case 'csv':
      return renderCsv(view, rows, { header: options.header });
    case 'table':
      if (options.shape === 'record') return renderRecordTable(view, rows[0] ?? {}, options);
      return renderListTable(view, rows, options);
  }
}

/** A list rendered in pieces as its rows arrive: together, the same bytes as renderView() of all the rows. */
export interface ListWriter {
  /** Text for these rows (the header row or the opening bracket with the first ones). */
  rows(rows: readonly Row[]): string;
  /** What closes the list. */
  end(): string;
}

export function listWriter(view: View, format: 'json' | 'csv', header: boolean): ListWriter {
  if (format === 'csv') {
    let head = header ? csvHeader(view) : '';
    return {
      rows: (rows) => {
        const text = head + csvRows(view, rows);
        head = '';
        return text;
      },
      end: () => {
        const text = head;
        head = '';
        return text;
      },
    };
  }
  const array = new JsonArrayWriter();
  // Identifiers as decimal strings, as rowToJson() writes them (a listing skips building each object).
  const identifiers = new Set(view.columns.filter((column) => column.identifier === true).map((column) => column.key));
  const record = jsonRecord(view.columns.map((column) => column.key), '  ', identifiers);
  return {
    rows: (rows) => array.items(rows.map(record)),
    end: () => array.end(),
  };
}