// `mutexctl thresholds`: the global defaults or one context's effective
// thresholds. JSON/CSV: raw integers with the unit in the key, masks as lists
// of names. Table: one row per threshold in human units.
import type { ThresholdsAttrs } from '../spec/generated.js';
import type { CellValue, Column, Row, TableColumn, View } from '../output/index.js';
import { DISABLED_OVERRIDE_BIT, FIELDS, type ThresholdField } from '../thresholds/fields.js';
import { alertTypeName, alertTypesOfMask } from '../spec/enums.js';

export type ThresholdsScope = 'global' | 'context';

function valueColumn(field: ThresholdField): Column {
  return {
    key: field.key,
    header: field.label,
    kind: 'count',
    human: (value: CellValue) => (typeof value === 'bigint' || typeof value === 'number' ? field.format(BigInt(value)) : '-'),
  };
}

const listColumn = (key: string, header: string): Column => ({ key, header, kind: 'text', list: true });

const PER_CONTEXT = FIELDS.filter((field) => !field.globalOnly);
const GLOBAL_ONLY = FIELDS.filter((field) => field.globalOnly);

/**
 * The data columns, in this order (the documented JSON/CSV schema):
 * global:  latency_us, error_rate_ppm, bandwidth_bps, conn_rate, drop_rate_ppm, disabled, interval_ms;
 * context: fd_id, latency_us, error_rate_ppm, bandwidth_bps, conn_rate, drop_rate_ppm, disabled,
 *          overridden, alerts_active.
 * disabled and alerts_active are lists of alert type names (high_latency, …);
 * overridden a list of the keys the context overrides (latency_us, …, disabled).
 */
export function thresholdsView(scope: ThresholdsScope): View {
  const values = PER_CONTEXT.map(valueColumn);
  if (scope === 'global') return { columns: [...values, listColumn('disabled', 'disabled alerts'), ...GLOBAL_ONLY.map(valueColumn)] };
  return {
    columns: [
      { key: 'fd_id', header: 'fd', kind: 'id', identifier: true },
      ...values,
      listColumn('disabled', 'disabled alerts'),
      listColumn('overridden', 'overridden'),
      listColumn('alerts_active', 'alerts raised now'),
    ],
  };
}

/** The keys of the fields a context overrides, from the `overridden` bit mask. */
export function overriddenKeys(mask: number | undefined): string[] | undefined {
  if (mask === undefined) return undefined;
  const keys: string[] = [];
  for (let bit = 0; bit < 32; bit++) {
    if (!((mask >>> bit) & 1)) continue;
    const field = FIELDS.find((candidate) => candidate.overrideBit === bit);
    keys.push(field ? field.key : bit === DISABLED_OVERRIDE_BIT ? 'disabled' : String(bit));
  }
  return keys;
}

export function thresholdsRow(attrs: ThresholdsAttrs): Row {
  return {
    ...attrs,
    disabled: alertTypesOfMask(attrs.disabled),
    overridden: overriddenKeys(attrs.overridden),
    alerts_active: alertTypesOfMask(attrs.alerts_active),
  };
}

const cell = (key: string) => (row: Row) => String(row[key] ?? '-');

/** The table: one row per threshold (and the interval, globally). */
export function thresholdsTableView(scope: ThresholdsScope): View {
  const table: TableColumn[] = [
    { header: 'THRESHOLD', align: 'left', cell: cell('threshold') },
    { header: 'VALUE', align: 'right', cell: cell('value') },
    { header: 'ALERT', align: 'left', cell: cell('alert') },
    { header: 'ALERTS', align: 'left', cell: cell('enabled') },
  ];
  if (scope === 'context') {
    table.push({ header: 'OVERRIDDEN', align: 'left', cell: cell('overridden') }, { header: 'NOW', align: 'left', cell: cell('now') });
  }
  return { columns: [], table };
}

function bit(mask: number | undefined, n: number | undefined): boolean | undefined {
  if (mask === undefined || n === undefined) return undefined;
  return ((mask >>> n) & 1) === 1;
}

export function thresholdsTableRows(attrs: ThresholdsAttrs, scope: ThresholdsScope): Row[] {
  const fields = scope === 'global' ? FIELDS : PER_CONTEXT;
  return fields.map((field) => {
    const value = attrs[field.key];
    const disabled = bit(attrs.disabled, field.alertType);
    const row: Record<string, CellValue> = {
      threshold: field.label,
      value: value === undefined ? '-' : field.format(BigInt(value)),
      alert: field.alertType === undefined ? '-' : alertTypeName(field.alertType),
      enabled: disabled === undefined ? '-' : disabled ? 'disabled' : 'enabled',
    };
    if (scope === 'context') {
      const parts: string[] = [];
      if (bit(attrs.overridden, field.overrideBit)) parts.push('value');
      if (bit(attrs.overridden, DISABLED_OVERRIDE_BIT)) parts.push('alerts');
      row.overridden = parts.length === 0 ? '-' : parts.join(', ');
      row.now = bit(attrs.alerts_active, field.alertType) ? 'raised' : '-';
    }
    return row;
  });
}

/**
 * `thresholds apply --json|--csv`: one row per changed field, in this order:
 * scope (global|fd), fd_id, field (the JSON key of `thresholds`: latency_us, …,
 * interval_ms, disabled), from, to. Values are raw integers; disabled is a list
 * of alert type names. from is absent when the kernel did not report the field.
 */
export function thresholdChangesView(): View {
  return {
    columns: [
      { key: 'scope', header: 'scope', kind: 'text' },
      { key: 'fd_id', header: 'fd', kind: 'id', identifier: true },
      { key: 'field', header: 'field', kind: 'text' },
      { key: 'from', header: 'from', kind: 'count' },
      { key: 'to', header: 'to', kind: 'count' },
    ],
  };
}

export interface ChangeLike {
  readonly fdId?: number;
  readonly key: string;
  readonly from?: bigint;
  readonly to: bigint;
}

export function thresholdChangeRow(change: ChangeLike): Row {
  const value = (v: bigint | undefined): CellValue => (v === undefined ? undefined : change.key === 'disabled' ? alertTypesOfMask(Number(v)) : v);
  return {
    scope: change.fdId === undefined ? 'global' : 'fd',
    fd_id: change.fdId,
    field: change.key,
    from: value(change.from),
    to: value(change.to),
  };
}
