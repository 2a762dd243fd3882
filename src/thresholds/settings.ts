// What a user asks to change in one scope (the global defaults or one
// context), from `thresholds set KEY=VALUE...` or one section of a file,
// checked completely before anything is sent; and the one thresholds-set
// request that carries it.
import { UsageError } from '../errors.js';
import type { ThresholdsAttrs } from '../spec/generated.js';
import { alertTypesOfMask } from '../spec/enums.js';
import {
  FIELDS,
  checkRawValue,
  describeValue,
  fieldValue,
  parseAlertTypeMask,
  parseFieldValue,
  setFieldValue,
  type FieldName,
  type ThresholdField,
} from './fields.js';

export interface ThresholdSettings {
  /** New values in base units, by field. */
  readonly values: Partial<Record<FieldName, bigint>>;
  /** `disabled=`: the whole mask of disabled alert types. */
  readonly disabled?: number;
  /** `disable=` / `enable=`: types to switch off / on, the others as they are. */
  readonly disable: number;
  readonly enable: number;
}

/** One KEY=VALUE, or one member of a file section; `where` names it in messages (`fd.3.latency`). */
export interface SettingInput {
  readonly key: string;
  readonly value: unknown;
  readonly where: string;
}

type Target =
  | { kind: 'value'; field: ThresholdField; raw: boolean }
  | { kind: 'disabled' | 'disable' | 'enable' };

/** Keys as written: `latency`, `error-rate` / `error_rate`, raw `latency_us`, `disabled`, `disable`, `enable`. */
function resolveKey(key: string, where: string): Target {
  const normalized = key.trim().toLowerCase().replace(/_/g, '-');
  for (const field of FIELDS) {
    if (normalized === field.name) return { kind: 'value', field, raw: false };
    if (normalized === field.key.replace(/_/g, '-') && field.key.replace(/_/g, '-') !== field.name) {
      return { kind: 'value', field, raw: true };
    }
  }
  if (normalized === 'disabled' || normalized === 'disable' || normalized === 'enable') return { kind: normalized };
  throw new UsageError(
    `${where}: unknown threshold "${key}"; one of: ${FIELDS.map((field) => field.name).join(', ')}, disable, enable, disabled ` +
      `(or the raw ${FIELDS.filter((field) => field.key.replace(/_/g, '-') !== field.name).map((field) => field.key).join(', ')})`,
  );
}

function describeInput(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value) ?? String(value);
}

/** A value with its unit (a string), or a bare number where the field takes one (conn-rate). */
function parseUnitValue(field: ThresholdField, value: unknown, where: string): bigint {
  if (typeof value === 'string') return parseFieldValue(field, value, where);
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (field.kind.multiplier('') !== undefined) return parseFieldValue(field, String(value), where);
    throw new UsageError(
      `${where}: ${String(value)} needs a unit; write it as a string such as "${field.kind.examples.split(/,| or /)[0]!.trim()}", ` +
        `or give ${field.key}: <integer ${field.unit}>`,
    );
  }
  throw new UsageError(`${where}: expected a value such as ${field.kind.examples}, got ${describeInput(value)}`);
}

/** A raw integer in the field's base unit: a number, or a string of digits. */
function parseRawValue(field: ThresholdField, value: unknown, where: string): bigint {
  let integer: bigint | undefined;
  if (typeof value === 'bigint') integer = value;
  else if (typeof value === 'number' && Number.isInteger(value)) integer = BigInt(value);
  else if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) integer = BigInt(value.trim());
  if (integer === undefined) {
    throw new UsageError(`${where}: expected an integer number of ${field.unit}, got ${describeInput(value)}`);
  }
  if (integer < 0n) throw new UsageError(`${where}: ${integer} is negative; it must be at least ${field.range.min}`);
  if (integer === 0n) throw new UsageError(`${where}: must be at least ${field.range.min} ${field.unit}, got 0`);
  return checkRawValue(field, integer, where);
}

function parseTypeList(value: unknown, where: string): number {
  if (typeof value === 'string') return parseAlertTypeMask(value, where);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return parseAlertTypeMask(value as string[], where);
  throw new UsageError(`${where}: expected alert types (a list, or names separated by commas), got ${describeInput(value)}`);
}

export interface ParseOptions {
  /** A context's overrides: the interval is global only. */
  readonly context: boolean;
}

/** Checks every input; the first problem is a usage error naming where it is. */
export function parseSettings(inputs: readonly SettingInput[], options: ParseOptions): ThresholdSettings {
  const values: Partial<Record<FieldName, bigint>> = {};
  const seen = new Map<string, string>();
  let disabled: number | undefined;
  let disable = 0;
  let enable = 0;
  let disableWhere: string | undefined;
  for (const { key, value, where } of inputs) {
    const target = resolveKey(key, where);
    const identity = target.kind === 'value' ? target.field.name : target.kind;
    const earlier = seen.get(identity);
    if (earlier !== undefined) throw new UsageError(`${where}: ${identity} is already given (${earlier})`);
    seen.set(identity, where);
    if (target.kind === 'value') {
      const { field } = target;
      if (field.globalOnly && options.context) throw new UsageError(`${where}: the ${field.name} is global only, not per context`);
      values[field.name] = target.raw ? parseRawValue(field, value, where) : parseUnitValue(field, value, where);
    } else if (target.kind === 'disabled') {
      disabled = parseTypeList(value, where);
    } else if (target.kind === 'disable') {
      disable = parseTypeList(value, where);
      disableWhere = where;
    } else {
      enable = parseTypeList(value, where);
    }
  }
  if (disabled !== undefined && (seen.has('disable') || seen.has('enable'))) {
    throw new UsageError(`${seen.get('disabled')}: disabled= sets the whole list; it does not go with disable= or enable=`);
  }
  const both = disable & enable;
  if (both !== 0) {
    throw new UsageError(`${disableWhere}: ${alertTypesOfMask(both)!.join(', ')} both disabled and enabled`);
  }
  return { values, disabled, disable, enable };
}

/** `latency=200ms` → { key: 'latency', value: '200ms' }; anything else is a usage error. */
export function parseAssignments(args: readonly string[]): SettingInput[] {
  return args.map((arg) => {
    const equals = arg.indexOf('=');
    if (equals <= 0) throw new UsageError(`expected KEY=VALUE, got "${arg}" (e.g. latency=200ms)`);
    const key = arg.slice(0, equals);
    return { key, value: arg.slice(equals + 1), where: key };
  });
}

export function isEmpty(settings: ThresholdSettings): boolean {
  return Object.keys(settings.values).length === 0 && settings.disabled === undefined && settings.disable === 0 && settings.enable === 0;
}

/** Whether applying needs the current mask (disable= / enable= change it relative to what it is). */
export function needsCurrentMask(settings: ThresholdSettings): boolean {
  return settings.disabled === undefined && (settings.disable !== 0 || settings.enable !== 0);
}

/** The `disabled` mask to send, given the one in force; undefined when the settings leave it alone. */
export function resolveDisabled(settings: ThresholdSettings, current: number | undefined): number | undefined {
  if (settings.disabled !== undefined) return settings.disabled;
  if (settings.disable === 0 && settings.enable === 0) return undefined;
  return ((current ?? 0) | settings.disable) & ~settings.enable;
}

/** The thresholds-set attributes of one scope: fd-id for a context, the values, the mask, the reset flag. */
export function requestAttrs(
  fdId: number | undefined,
  values: Partial<Record<FieldName, bigint>>,
  disabled: number | undefined,
  reset = false,
): Partial<ThresholdsAttrs> {
  const attrs: Partial<ThresholdsAttrs> = {};
  if (fdId !== undefined) attrs.fd_id = fdId;
  if (reset) attrs.reset = true;
  for (const field of FIELDS) {
    const value = values[field.name];
    if (value !== undefined) setFieldValue(attrs, field, value);
  }
  if (disabled !== undefined) attrs.disabled = disabled;
  return attrs;
}

/** "none" or "high_latency, packet_drop". */
export function describeMask(mask: number): string {
  const names = alertTypesOfMask(mask)!;
  return names.length === 0 ? 'none' : names.join(', ');
}

/** The normalised echo of what was set: "latency 200 ms (200000 us)", …, "disabled packet_drop". */
export function describeSettings(values: Partial<Record<FieldName, bigint>>, disabled: number | undefined): string[] {
  const lines: string[] = [];
  for (const field of FIELDS) {
    const value = values[field.name];
    if (value !== undefined) lines.push(describeValue(field, value));
  }
  if (disabled !== undefined) lines.push(`disabled ${describeMask(disabled)}`);
  return lines;
}

/** The values of a thresholds-get reply, by field. */
export function valuesOf(attrs: ThresholdsAttrs): Partial<Record<FieldName, bigint>> {
  const values: Partial<Record<FieldName, bigint>> = {};
  for (const field of FIELDS) {
    const value = fieldValue(attrs, field);
    if (value !== undefined) values[field.name] = value;
  }
  return values;
}
