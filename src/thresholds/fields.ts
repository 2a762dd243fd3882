// The thresholds of the `thresholds` attribute set (kernel/mutex.yaml): what
// each one is called on the command line and in files, its attribute/JSON key,
// unit, kernel range (the spec's checks), and the alert type it drives.
import { UsageError } from '../errors.js';
import { enums, type ThresholdsAttrs } from '../spec/generated.js';
import {
  BANDWIDTH_BPS,
  CONN_RATE,
  DURATION_MS,
  DURATION_US,
  RATE_PPM,
  formatBps,
  formatConnRate,
  formatDurationMs,
  formatDurationUs,
  formatPpm,
  parseQuantity,
  type QuantityKind,
  type Range,
} from '../output/units.js';

export type FieldName = 'latency' | 'error-rate' | 'bandwidth' | 'conn-rate' | 'drop-rate' | 'interval';

/** The attribute (and JSON) keys of the value fields. */
export type FieldKey = 'latency_us' | 'error_rate_ppm' | 'bandwidth_bps' | 'conn_rate' | 'drop_rate_ppm' | 'interval_ms';

export interface ThresholdField {
  /** On the command line and in files: `latency=200ms`. */
  readonly name: FieldName;
  /** The attribute's key: JSON key of `thresholds --json`, and the raw-number key of files. */
  readonly key: FieldKey;
  /** Table heading. */
  readonly label: string;
  /** The base unit, as echoed after a raw value: "200000 us". */
  readonly unit: string;
  /** The spec's checks (min/max) of the attribute. */
  readonly range: Range;
  /** u64 attributes are bigints in ThresholdsAttrs, u32 ones numbers. */
  readonly wide: boolean;
  /** The alert type (enum alert-type) this threshold raises; none for the interval. */
  readonly alertType?: number;
  /** Bit of `overridden`; none for the interval (global only). */
  readonly overrideBit?: number;
  readonly globalOnly?: boolean;
  readonly kind: QuantityKind;
  /** Exact, in a human unit: "500 ms", "10 %", "1 Gbit/s". */
  format(value: bigint): string;
}

export const FIELDS: readonly ThresholdField[] = [
  {
    name: 'latency',
    key: 'latency_us',
    label: 'latency',
    unit: 'us',
    range: { min: 1n, max: 3_600_000_000n },
    wide: true,
    alertType: 0,
    overrideBit: 0,
    kind: DURATION_US,
    format: formatDurationUs,
  },
  {
    name: 'error-rate',
    key: 'error_rate_ppm',
    label: 'error rate',
    unit: 'ppm',
    range: { min: 1n, max: 1_000_000n },
    wide: false,
    alertType: 1,
    overrideBit: 1,
    kind: RATE_PPM,
    format: formatPpm,
  },
  {
    name: 'bandwidth',
    key: 'bandwidth_bps',
    label: 'bandwidth',
    // Not "bps": tc(8), and mutexctl's input, read that as bytes per second.
    unit: 'bit/s',
    range: { min: 1n, max: 10_000_000_000_000n },
    wide: true,
    alertType: 2,
    overrideBit: 2,
    kind: BANDWIDTH_BPS,
    format: formatBps,
  },
  {
    name: 'conn-rate',
    key: 'conn_rate',
    label: 'conn rate',
    unit: 'conn/s',
    range: { min: 1n, max: 100_000_000n },
    wide: false,
    alertType: 3,
    overrideBit: 3,
    kind: CONN_RATE,
    format: formatConnRate,
  },
  {
    name: 'drop-rate',
    key: 'drop_rate_ppm',
    label: 'drop rate',
    unit: 'ppm',
    range: { min: 1n, max: 1_000_000n },
    wide: false,
    alertType: 4,
    overrideBit: 4,
    kind: RATE_PPM,
    format: formatPpm,
  },
  {
    name: 'interval',
    key: 'interval_ms',
    label: 'interval',
    unit: 'ms',
    range: { min: 100n, max: 60_000n },
    wide: false,
    globalOnly: true,
    kind: DURATION_MS,
    format: formatDurationMs,
  },
];

/** Bit of `overridden` saying a context has its own `disabled` mask. */
export const DISABLED_OVERRIDE_BIT = 5;

/** The spec's `disabled` check: max 31, one bit per alert type. */
export const ALL_ALERT_TYPES_MASK = (1 << (enums['alert-type']?.length ?? 5)) - 1;

export function fieldByName(name: FieldName): ThresholdField {
  return FIELDS.find((field) => field.name === name)!;
}

/** Parses a value with its unit ("200ms") into the field's base unit, within the kernel's range. */
export function parseFieldValue(field: ThresholdField, text: string, where: string): bigint {
  return parseQuantity(field.kind, text, where, field.range, field.format);
}

/** A raw integer in the field's base unit (a file's `latency_us: 200000`), within the kernel's range. */
export function checkRawValue(field: ThresholdField, value: bigint, where: string): bigint {
  if (value < field.range.min) {
    throw new UsageError(`${where}: ${value} is below the minimum of ${field.range.min} (${field.format(field.range.min)})`);
  }
  if (value > field.range.max) {
    throw new UsageError(`${where}: ${value} is above the maximum of ${field.range.max} (${field.format(field.range.max)})`);
  }
  return value;
}

/** "latency 200 ms (200000 us)": the normalised echo of a value. */
export function describeValue(field: ThresholdField, value: bigint): string {
  return `${field.name} ${field.format(value)} (${value} ${field.unit})`;
}

/** Reads a field from a thresholds-get reply (u32 numbers and u64 bigints alike). */
export function fieldValue(attrs: ThresholdsAttrs, field: ThresholdField): bigint | undefined {
  const value = attrs[field.key];
  return value === undefined ? undefined : BigInt(value);
}

/** Puts a value into request attributes with the attribute's own integer type. */
export function setFieldValue(attrs: Partial<ThresholdsAttrs>, field: ThresholdField, value: bigint): void {
  const target = attrs as Record<string, bigint | number | boolean | undefined>;
  target[field.key] = field.wide ? value : Number(value);
}

// ---- alert types by name -----------------------------------------------------

/** Short names: the threshold that drives each type. */
const TYPE_ALIASES: Readonly<Record<string, number>> = {
  latency: 0,
  'error-rate': 1,
  errors: 1,
  bandwidth: 2,
  'conn-rate': 3,
  connections: 3,
  'drop-rate': 4,
  drops: 4,
};

/** The names an alert type is accepted by, for messages. */
export function alertTypeChoices(): string {
  return (enums['alert-type'] ?? []).map((entry) => entry.name.replace(/-/g, '_')).join(', ');
}

/**
 * An alert type by its spec name in kebab or snake case (`high-latency`,
 * `high_latency`) or by its threshold's name (`latency`, `drop-rate`).
 */
export function parseAlertType(text: string, where: string): number {
  const name = text.trim().toLowerCase().replace(/_/g, '-');
  const entry = (enums['alert-type'] ?? []).find((candidate) => candidate.name === name);
  if (entry) return entry.value;
  const alias = TYPE_ALIASES[name];
  if (alias !== undefined) return alias;
  throw new UsageError(
    `${where}: unknown alert type "${text}"; one of: ${alertTypeChoices()} (or latency, error-rate, bandwidth, conn-rate, drop-rate)`,
  );
}

/** `TYPE[,TYPE...]` (or a list), `all`, or `none` / an empty list → a bit mask of alert types. */
export function parseAlertTypeMask(value: string | readonly string[], where: string): number {
  const items = (typeof value === 'string' ? value.split(',') : [...value]).map((item) => item.trim());
  if (items.length === 1 && items[0]!.toLowerCase() === 'none') return 0;
  if (typeof value !== 'string' && items.length === 0) return 0;
  let mask = 0;
  for (const item of items) {
    if (item === '') throw new UsageError(`${where}: empty alert type in "${String(value)}"`);
    if (item.toLowerCase() === 'all') mask |= ALL_ALERT_TYPES_MASK;
    else mask |= 1 << parseAlertType(item, where);
  }
  return mask;
}
