// A snapshot in each export format. JSON and CSV reuse the commands' views, so
// an exported context has exactly the fields `mutexctl fd --json` prints.
import { UsageError } from '../errors.js';
import { renderCsv, rowToJson, selectColumns, toJson, type JsonValue, type Row, type View } from '../output/index.js';
import { alertRow, alertView } from '../views/alerts.js';
import { TAKEN_NS } from '../views/common.js';
import { connRow, connView } from '../views/conn.js';
import { fdRow, fdView } from '../views/fd.js';
import { statsRow, statsView } from '../views/stats.js';
import { aggregateRow, aggregateView } from './aggregate.js';
import { encodeSnapshot } from './binary.js';
import { renderPrometheus } from './prometheus.js';
import type { Scope, Snapshot } from './snapshot.js';

export const EXPORT_FORMATS = ['json', 'csv', 'binary', 'prometheus'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Identifies the JSON document; bumped only for changes that are not additions. */
export const EXPORT_JSON_VERSION = 1;

export interface ExportOptions {
  /** The scopes to print (a snapshot may hold more, e.g. flows read for the Prometheus flow counts). */
  readonly scopes: readonly Scope[];
  /** Fold the contexts into one aggregate (fd scope). */
  readonly aggregate: boolean;
  /** CSV header row. */
  readonly header: boolean;
  /** --columns: only these, of a single scope. */
  readonly columns?: string;
}


interface ScopeTable {
  readonly view: View;
  readonly rows: readonly Row[];
}

function scopeTable(snapshot: Snapshot, scope: Scope, options: ExportOptions): ScopeTable {
  const table = fullScopeTable(snapshot, scope, options.aggregate);
  if (options.columns === undefined) return table;
  if (options.scopes.length !== 1) throw new UsageError('--columns chooses the columns of one section: give one --sections');
  return { view: selectColumns(table.view, options.columns), rows: table.rows };
}

/** The view a scope is rendered through (the aggregate's, for fd with --aggregate). */
export function scopeView(scope: Scope, aggregate: boolean): View {
  switch (scope) {
    case 'global':
      return statsView();
    case 'fd':
      return aggregate ? aggregateView() : fdView();
    case 'conn':
      return connView();
    case 'alerts':
      return alertView();
  }
}

function scopeRows(snapshot: Snapshot, scope: Scope, aggregate: boolean): Row[] {
  switch (scope) {
    case 'global':
      return snapshot.stats ? [statsRow(snapshot.stats)] : [];
    case 'fd':
      return aggregate ? [aggregateRow(snapshot.fds ?? [])] : (snapshot.fds ?? []).map(fdRow);
    case 'conn':
      return (snapshot.conns ?? []).map(connRow);
    case 'alerts':
      return (snapshot.alerts ?? []).map(alertRow);
  }
}

function fullScopeTable(snapshot: Snapshot, scope: Scope, aggregate: boolean): ScopeTable {
  return { view: scopeView(scope, aggregate), rows: scopeRows(snapshot, scope, aggregate) };
}

/** The JSON member each scope is written under. */
const JSON_MEMBER: Readonly<Record<Scope, string>> = { global: 'stats', fd: 'fds', conn: 'conns', alerts: 'alerts' };

export function renderExportJson(snapshot: Snapshot, options: ExportOptions): string {
  const document: Record<string, JsonValue> = {
    format: 'mutex-export',
    version: EXPORT_JSON_VERSION,
    taken_ns: snapshot.takenNs,
    scopes: [...options.scopes],
  };
  for (const scope of options.scopes) {
    const { view, rows } = scopeTable(snapshot, scope, options);
    const objects = rows.map((row) => rowToJson(view, row));
    if (scope === 'global') document.stats = objects[0] ?? {};
    else if (scope === 'fd' && options.aggregate) document.aggregate = objects[0] ?? {};
    else document[JSON_MEMBER[scope]] = objects;
  }
  return toJson(document);
}

/** One scope's table with taken_ns in front: one row per object. */
export function renderExportCsv(snapshot: Snapshot, options: ExportOptions): string {
  if (options.scopes.length !== 1) {
    throw new UsageError(`CSV holds one table: give one --sections (${options.scopes.join(',')} asked for); export each to its own file`);
  }
  const { view, rows } = scopeTable(snapshot, options.scopes[0]!, options);
  const stamped: View = { columns: [TAKEN_NS, ...view.columns] };
  return renderCsv(stamped, rows.map((row) => ({ ...row, taken_ns: snapshot.takenNs })), { header: options.header });
}

export function renderExport(snapshot: Snapshot, format: ExportFormat, options: ExportOptions): string | Buffer {
  switch (format) {
    case 'json':
      return renderExportJson(snapshot, options);
    case 'csv':
      return renderExportCsv(snapshot, options);
    case 'prometheus':
      return renderPrometheus(snapshot, { perConnection: options.scopes.includes('conn') });
    case 'binary':
      return encodeSnapshot(snapshot);
  }
}
