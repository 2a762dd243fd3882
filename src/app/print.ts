// Printing a view the way the output flags ask: a table (in colour on a
// terminal), --json or --csv (--no-header), cut to --columns; a list sorted by
// --sort and cut to --limit.
import {
  parseSort,
  renderView,
  selectColumns,
  sortRows,
  tableStyle,
  writeOutput,
  type OutputFormat,
  type Row,
  type SortKey,
  type View,
  type ViewShape,
} from '../output/index.js';

/** The output flags every command takes (BaseCommand's). */
export interface OutputFlags {
  json: boolean;
  csv: boolean;
  header: boolean;
  columns?: string;
}

/** --sort and --limit of the commands that list things. */
export interface ListFlags {
  sort?: string;
  limit?: number;
}

export interface ListOrder {
  keys?: readonly SortKey[];
  limit?: number;
}

export function outputFormat(flags: Pick<OutputFlags, 'json' | 'csv'>): OutputFormat {
  if (flags.json) return 'json';
  if (flags.csv) return 'csv';
  return 'table';
}

/**
 * The view as --columns cuts it. Call it before asking the kernel, so a bad
 * key is a usage error whether or not the module is loaded.
 */
export function shownView(view: View, flags: Pick<OutputFlags, 'columns'>): View {
  return flags.columns === undefined ? view : selectColumns(view, flags.columns);
}

/**
 * Checks `--sort` against the view's columns: call it before asking the kernel,
 * so a bad key is a usage error whether or not the module is loaded.
 */
export function listOrder(view: View, flags: ListFlags, options: { kernelOrder?: boolean } = {}): ListOrder {
  // Without --sort: by id, or with kernelOrder as the kernel lists them (the
  // flow table's order, like ss: rows can then be printed as they arrive).
  const sort = flags.sort ?? (!options.kernelOrder && view.columns.some((column) => column.key === 'id') ? 'id' : undefined);
  return { keys: sort === undefined ? undefined : parseSort(view, sort), limit: flags.limit };
}

/** Renders `rows` through `view` in the format the flags ask for and writes it (to stdout by default). */
export async function printView(
  view: View,
  rows: readonly Row[],
  shape: ViewShape,
  flags: OutputFlags,
  stream: NodeJS.WriteStream = process.stdout,
): Promise<void> {
  const text = renderView(shownView(view, flags), rows, {
    format: outputFormat(flags),
    shape,
    header: flags.header,
    ...tableStyle(stream),
  });
  await writeOutput(text, stream);
}

/** A list, sorted and cut as `order` (from listOrder) says. */
export async function printList(view: View, rows: readonly Row[], order: ListOrder, flags: OutputFlags): Promise<void> {
  const sorted = order.keys === undefined ? rows : sortRows(rows, order.keys);
  const limited = order.limit === undefined ? sorted : sorted.slice(0, order.limit);
  await printView(view, limited, 'list', flags);
}
