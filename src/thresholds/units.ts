// Threshold values as people write them ("200ms", "2.5%", "500Mbit/s") and
// as the kernel takes them (integers in base units: µs, ppm, bit/s, conns/s,
// ms). Parsing is exact decimal arithmetic on bigints: "1.5s" is 1500000 µs,
// never 1499999.9999; a value that is no whole number of the base unit, or
// that lies outside the kernel's range, is a usage error naming where it was.
import { UsageError } from '../errors.js';

/** How one kind of quantity is written. */
export interface QuantityKind {
  /** "a duration", for "… is not a duration". */
  readonly what: string;
  /** Shown after "write e.g.". */
  readonly examples: string;
  /** The base unit in words: "… is not a whole number of microseconds". */
  readonly baseUnit: string;
  /** The units accepted, for "use …". */
  readonly unitList: string;
  /** Multiplier from `unit` to the base unit; undefined for an unknown unit. `unit` is '' for a bare number. */
  multiplier(unit: string): bigint | undefined;
}

export interface Range {
  readonly min: bigint;
  readonly max: bigint;
}

const NUMBER = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?\s*(.*)$/s;

/** Past this exponent a value is out of every range mutexctl knows. */
const MAX_EXPONENT = 40;

/**
 * Parses `text` into an integer in the kind's base unit, within `range`.
 * `where` names the setting in messages: `latency`, `fd.3.latency`.
 */
export function parseQuantity(
  kind: QuantityKind,
  text: string,
  where: string,
  range: Range,
  format: (value: bigint) => string,
): bigint {
  const trimmed = text.trim();
  if (trimmed === '') throw new UsageError(`${where}: no value; write e.g. ${kind.examples}`);
  const match = NUMBER.exec(trimmed);
  if (!match) throw new UsageError(`${where}: "${text}" is not ${kind.what}; write e.g. ${kind.examples}`);
  const [, sign, mantissa, exponentText, unitText] = match as unknown as [string, string, string, string | undefined, string];
  const unit = unitText.trim();
  const multiplier = kind.multiplier(unit);
  if (multiplier === undefined) {
    if (unit === '') throw new UsageError(`${where}: "${text}" needs a unit; write e.g. ${kind.examples}`);
    throw new UsageError(`${where}: unknown unit "${unit}" in "${text}"; use ${kind.unitList}`);
  }
  const [whole, fraction = ''] = mantissa.split('.') as [string, string?];
  const digits = BigInt(`${whole}${fraction}` || '0');
  const exponent = Number(exponentText ?? '0') - fraction.length;
  if (sign === '-' && digits !== 0n) throw new UsageError(`${where}: "${text}" is negative; it must be at least ${format(range.min)}`);
  if (digits === 0n) throw new UsageError(`${where}: "${text}" is zero; it must be at least ${format(range.min)}`);
  if (exponent > MAX_EXPONENT) throw new UsageError(`${where}: "${text}" is above the maximum of ${format(range.max)}`);
  if (exponent < -MAX_EXPONENT) throw new UsageError(`${where}: "${text}" is not a whole number of ${kind.baseUnit}`);
  let value: bigint;
  if (exponent >= 0) {
    value = digits * multiplier * 10n ** BigInt(exponent);
  } else {
    const numerator = digits * multiplier;
    const denominator = 10n ** BigInt(-exponent);
    if (numerator % denominator !== 0n) throw new UsageError(`${where}: "${text}" is not a whole number of ${kind.baseUnit}`);
    value = numerator / denominator;
  }
  if (value < range.min) throw new UsageError(`${where}: "${text}" is below the minimum of ${format(range.min)}`);
  if (value > range.max) throw new UsageError(`${where}: "${text}" is above the maximum of ${format(range.max)}`);
  return value;
}

/** `value / divisor` as an exact decimal, trailing zeros dropped: (1500n, 1000n) → "1.5". */
export function exactDecimal(value: bigint, divisor: bigint): string {
  const whole = value / divisor;
  let rest = value % divisor;
  if (rest === 0n) return whole.toString();
  let fraction = '';
  // divisor is a power of ten (or of ten times a small factor): stop after 12 digits either way.
  while (rest !== 0n && fraction.length < 12) {
    rest *= 10n;
    fraction += (rest / divisor).toString();
    rest %= divisor;
  }
  return `${whole}.${fraction.replace(/0+$/, '')}`;
}

// ---- durations (latency, interval, --since) --------------------------------

const US_PER: Readonly<Record<string, bigint>> = {
  us: 1n,
  'µs': 1n,
  usec: 1n,
  ms: 1000n,
  msec: 1000n,
  s: 1_000_000n,
  sec: 1_000_000n,
  m: 60_000_000n,
  min: 60_000_000n,
  h: 3_600_000_000n,
};

/** A duration in microseconds: us, ms, s, min, h; a unit is required. */
export const DURATION_US: QuantityKind = {
  what: 'a duration',
  examples: '200ms, 1.5s or 750us',
  baseUnit: 'microseconds',
  unitList: 'us, ms, s, min or h',
  multiplier: (unit) => US_PER[unit.toLowerCase()],
};

/** A duration in milliseconds: the same units, but it must come to whole milliseconds. */
export const DURATION_MS: QuantityKind = {
  what: 'a duration',
  examples: '500ms or 2s',
  baseUnit: 'milliseconds',
  unitList: 'ms, s or min',
  multiplier: (unit) => {
    const us = US_PER[unit.toLowerCase()];
    return us === undefined || us < 1000n ? undefined : us / 1000n;
  },
};

/** A look-back for --since, in nanoseconds: ms, s, min (or m), h, d. */
export const DURATION_NS: QuantityKind = {
  what: 'a duration',
  examples: '90s, 5m, 2h or 1d',
  baseUnit: 'nanoseconds',
  unitList: 'ms, s, m, h or d',
  multiplier: (unit) => {
    const lower = unit.toLowerCase();
    if (lower === 'd' || lower === 'day' || lower === 'days') return 86_400_000_000_000n;
    const us = US_PER[lower];
    return us === undefined ? undefined : us * 1000n;
  },
};

const DURATION_STEPS: readonly [bigint, string][] = [
  [3_600_000_000n, 'h'],
  [60_000_000n, 'min'],
];

/** Exact: 500000 → "500 ms", 1500000 → "1.5 s", 120000000 → "2 min", 750 → "750 µs". */
export function formatDurationUs(us: bigint): string {
  for (const [size, name] of DURATION_STEPS) if (us >= size && us % size === 0n) return `${us / size} ${name}`;
  if (us >= 1_000_000n) return `${exactDecimal(us, 1_000_000n)} s`;
  if (us >= 1000n) return `${exactDecimal(us, 1000n)} ms`;
  return `${us} µs`;
}

export function formatDurationMs(ms: bigint): string {
  return formatDurationUs(ms * 1000n);
}

// ---- rates in parts per million (error rate, drop rate) --------------------

/** A fraction as % or ppm; a unit is required (is "5" 5 % or 5 ppm?). */
export const RATE_PPM: QuantityKind = {
  what: 'a rate',
  examples: '2.5% or 25000ppm',
  baseUnit: 'ppm (0.0001 %)',
  unitList: '% or ppm',
  multiplier: (unit) => {
    const lower = unit.toLowerCase();
    if (lower === '%') return 10_000n;
    if (lower === 'ppm') return 1n;
    return undefined;
  },
};

/** Exact: 100000 → "10 %", 25000 → "2.5 %", 1 → "0.0001 %". */
export function formatPpm(ppm: bigint): string {
  return `${exactDecimal(ppm, 10_000n)} %`;
}

// ---- bandwidth in bits per second --------------------------------------------

const SI: Readonly<Record<string, bigint>> = {
  '': 1n,
  k: 1000n,
  K: 1000n,
  m: 1_000_000n,
  M: 1_000_000n,
  g: 1_000_000_000n,
  G: 1_000_000_000n,
  t: 1_000_000_000_000n,
  T: 1_000_000_000_000n,
  Ki: 1024n,
  Mi: 1024n ** 2n,
  Gi: 1024n ** 3n,
  Ti: 1024n ** 4n,
};

// prefix, then bits (bit, bits, b) or bytes (B, byte, bytes), then an optional "/s" or "ps".
const BANDWIDTH_UNIT = /^(Ki|Mi|Gi|Ti|[kKmMgGtT]?)(bits?|b|bytes?|B)(\/s|\/sec|ps)?$/;

/** Bits per second: 500Mbit, 500Mbit/s, 1Gbit, 800kbit, 100MB/s (bytes: ×8), 1e9bit/s, 10Mbps. */
export const BANDWIDTH_BPS: QuantityKind = {
  what: 'a bandwidth',
  examples: '500Mbit/s, 1Gbit or 100MB/s',
  baseUnit: 'bits per second',
  unitList: 'bit/s or B/s (bytes), with k, M, G, T (1000) or Ki, Mi, Gi, Ti (1024): e.g. Mbit/s, MB/s, Gbps',
  multiplier: (unit) => {
    const match = BANDWIDTH_UNIT.exec(unit);
    if (!match) return undefined;
    const [, prefix = '', base = ''] = match;
    const bytes = base === 'B' || base.startsWith('byte');
    return SI[prefix]! * (bytes ? 8n : 1n);
  },
};

const BIT_STEPS: readonly [bigint, string][] = [
  [1_000_000_000_000n, 'Tbit/s'],
  [1_000_000_000n, 'Gbit/s'],
  [1_000_000n, 'Mbit/s'],
  [1000n, 'kbit/s'],
];

/** Exact, 1000-based: 1000000000 → "1 Gbit/s", 1500000 → "1.5 Mbit/s". */
export function formatBps(bps: bigint): string {
  for (const [size, name] of BIT_STEPS) if (bps >= size) return `${exactDecimal(bps, size)} ${name}`;
  return `${bps} bit/s`;
}

// ---- connection rate (new connections per second) --------------------------

const CONN_UNIT = /^([kKM]?)(\/s|\/sec|conns?\/s)?$/;

/** New connections per second: 1000, 1000/s, 10k/s. */
export const CONN_RATE: QuantityKind = {
  what: 'a connection rate',
  examples: '1000/s or 1000',
  baseUnit: 'connections per second',
  unitList: '/s (optionally with k or M)',
  multiplier: (unit) => {
    const match = CONN_UNIT.exec(unit);
    if (!match) return undefined;
    return SI[match[1] ?? '']!;
  },
};

export function formatConnRate(rate: bigint): string {
  return `${rate}/s`;
}
