// A view is the one definition of what a command shows: its columns, in order.
// Table, JSON and CSV output are all rendered from it, so they cannot drift apart.

/** How a value is read by people; JSON and CSV always carry the raw value. */
export type ColumnKind = 'count' | 'bytes' | 'usec' | 'bytes-per-sec' | 'time-ns' | 'id' | 'text';

export type CellValue = bigint | number | string | boolean | null | undefined;

export interface Column {
  /** JSON key and CSV header: snake_case, stable, part of the documented schema. */
  readonly key: string;
  /** Heading in the table (the only place for human wording). */
  readonly header: string;
  readonly kind: ColumnKind;
}

export interface View {
  readonly columns: readonly Column[];
}

/** One record, keyed by column key. A missing key means the kernel did not send it. */
export type Row = Readonly<Record<string, CellValue>>;

/**
 * `record`: a single object (e.g. global stats) — a statistic/value table, one JSON object.
 * `list`: many objects (e.g. connections) — a table row each, a JSON array.
 */
export type ViewShape = 'record' | 'list';

export type OutputFormat = 'table' | 'json' | 'csv';
