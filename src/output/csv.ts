// RFC 4180 CSV: CRLF line ends, a header row of column keys, fields quoted
// when they hold a comma, a quote, CR or LF, quotes doubled; a list is one
// field with its items separated by ';'.
import { isTally, tallyText } from './tally.js';
import type { CellValue, Row, View } from './view.js';

const LINE_END = '\r\n';
const NEEDS_QUOTES = /[",\r\n]/;

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
  const keys = view.columns.map((column) => column.key);
  const lines: string[] = options.header ? [keys.map(csvField).join(',')] : [];
  const fields: string[] = new Array<string>(keys.length);
  for (const row of rows) {
    for (let i = 0; i < keys.length; i++) fields[i] = csvField(row[keys[i]!]);
    lines.push(fields.join(','));
  }
  lines.push('');
  return lines.join(LINE_END);
}
