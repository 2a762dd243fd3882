// RFC 4180 CSV: CRLF line ends, a header row of column keys, fields quoted
// when they hold a comma, a quote, CR, LF or any other control character,
// quotes doubled; a list is one field with its items separated by ';'.
import { isTally, tallyText } from './tally.js';
import type { CellValue, Row, View } from './view.js';

const LINE_END = '\r\n';
// eslint-disable-next-line no-control-regex -- a field with a control character is quoted
const NEEDS_QUOTES = /[",\u0000-\u001f\u007f-\u009f]/;

export function csvField(value: CellValue): string {
  if (value === null || value === undefined) return '';
  // Counters are most of the fields of a large listing: no quoting to check.
  if (typeof value === 'bigint' || typeof value === 'number') return String(value);
  // A list (a histogram) is one field, its items separated by ';'.
  const text =
    typeof value === 'string' ? value : Array.isArray(value) ? value.join(';') : isTally(value) ? tallyText(value, ';', '=') : String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export interface CsvOptions {
  header: boolean;
}

export function renderCsv(view: View, rows: readonly Row[], options: CsvOptions = { header: true }): string {
  return (options.header ? csvHeader(view) : '') + csvRows(view, rows);
}

/** The header row, with its line end. */
export function csvHeader(view: View): string {
  return `${view.columns.map((column) => csvField(column.key)).join(',')}${LINE_END}`;
}

/** Data rows, each with its line end: a CSV written in pieces is the same bytes as renderCsv at once. */
export function csvRows(view: View, rows: readonly Row[]): string {
  const keys = view.columns.map((column) => column.key);
  let out = '';
  for (const row of rows) {
    let line = csvField(row[keys[0]!]);
    for (let i = 1; i < keys.length; i++) line += `,${csvField(row[keys[i]!])}`;
    out += line + LINE_END;
  }
  return out;
}
