// --columns: which data columns to show, in which order, in every format.
import { UsageError } from '../errors.js';
import type { View } from './view.js';

/** The view cut down to `KEY[,KEY...]` (JSON key names; `bytes-sent` reads as `bytes_sent`), in that order. */
export function selectColumns(view: View, text: string): View {
  const typed = text.split(',').map((item) => item.trim());
  if (typed.some((item) => item === '')) throw new UsageError(`--columns: expected KEY[,KEY...], got "${text}"`);
  const columns = typed.map((item) => {
    const key = item.toLowerCase().replace(/-/g, '_');
    const column = view.columns.find((candidate) => candidate.key === key);
    if (!column) throw new UsageError(`--columns: unknown column "${item}"; one of: ${view.columns.map((c) => c.key).join(', ')}`);
    return column;
  });
  // The compact list table combines columns; with a choice of columns, one table column each.
  return { columns };
}
