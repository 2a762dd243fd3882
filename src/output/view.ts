// A view is the one definition of what a command shows: its columns, in order.
// Table, JSON and CSV output are all rendered from it, so they cannot drift apart.

/**
 * How a value is read by people; JSON and CSV always carry the raw value.
 * `per-sec` is a count per second (a --rate column). `time-ns` is a wall-clock time (ns since the epoch), `duration-ns` a length of time.
 */
export type ColumnKind = 'count' | 'per-sec' | 'bytes' | 'usec' | 'bytes-per-sec' | 'time-ns' | 'duration-ns' | 'id' | 'address' | 'text';

import type { Tally } from './tally.js';

export type CellValue = bigint | number | string | boolean | null | undefined | readonly bigint[] | readonly string[] | Tally;

export interface Column {
  /** JSON key and CSV header: snake_case, stable, part of the documented schema. */
  readonly key: string;
  /** Heading in the table (the only place for human wording). */
  readonly header: string;
  readonly kind: ColumnKind;
  /** The value is a list (a histogram, names of alert types): a JSON array, one CSV field joined by ';'. */
  readonly list?: boolean;
  /** The value is a tally (counts by name): a JSON object, one CSV field `NAME=N;...`. */
  readonly tally?: boolean;
  /** The only values a text column takes (an enum by name); documented in the JSON Schemas. */
  readonly values?: readonly string[];
  /** A counter (only grows, so deltas mean something) or a gauge (a value now); none for identities, times, text, lists. */
  readonly metric?: 'counter' | 'gauge';
  /** How the value reads in a table, when the kind's default does not fit. */
  readonly human?: (value: CellValue, row: Row, nowMs: number) => string;
}

/** A compact table column, combining or abbreviating data columns (`10.0.0.1:443`, `5/3`). */
export interface TableColumn {
  readonly header: string;
  readonly align: 'left' | 'right';
  readonly cell: (row: Row, nowMs: number) => string;
}

export interface View {
  /** The data columns: every JSON member and CSV field, in this order. */
  readonly columns: readonly Column[];
  /** List tables show these instead of one column per data column. */
  readonly table?: readonly TableColumn[];
}

/** One record, keyed by column key. A missing key means the kernel did not send it. */
export type Row = Readonly<Record<string, CellValue>>;

/**
 * `record`: a single object (e.g. global stats) — a statistic/value table, one JSON object.
 * `list`: many objects (e.g. connections) — a table row each, a JSON array.
 */
export type ViewShape = 'record' | 'list';

export type OutputFormat = 'table' | 'json' | 'csv';
