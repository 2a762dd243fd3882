// RFC 4180 CSV: CRLF line ends, a header row of column keys, fields quoted
// when they hold a comma, a quote, CR or LF, quotes doubled; a list is one
// field with its items separated by ';'.
import type { CellValue, Row, View } from './view.js';

const LINE_END = '\r\n';

export function csvField(value: CellValue): string {
  if (value === null || value === undefined) return '';
  // A list (a histogram) is one field, its items separated by ';'.
  const text = typeof value === 'string' ? value : Array.isArray(value) ? value.join(';') : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export interface CsvOptions {
  header: boolean;
}

export function renderCsv(view: View, rows: readonly Row[], options: CsvOptions = { header: true }): string {
  const lines: string[] = [];
  if (options.header) lines.push(view.columns.map((column) => csvField(column.key)).join(','));
  for (const row of rows) lines.push(view.columns.map((column) => csvField(row[column.key])).join(','));
  return lines.map((line) => `${line}${LINE_END}`).join('');
}
