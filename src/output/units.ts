// Quantities with units, read and written in one place.
//
// For people reading a table: counts, bytes, durations, bit rates and times,
// rounded to what reads well ("1.5 KiB", "12.35 ms", "3 min ago"). JSON and
// CSV keep raw integers and never pass through these.
//
// Exact, for what people write (thresholds, --interval, --since: "200ms",
// "2.5%", "500Mbit/s") and its echo: integers in base units (µs, ppm, bit/s,
// conns/s, ms, ns). Parsing is exact decimal arithmetic on bigints: "1.5s" is
// 1500000 µs, never 1499999.9999; a value that is no whole number of the base
// unit, or that lies outside the range, is a usage error naming where it was.
import { UsageError } from '../errors.js';

// ---- for tables: rounded, human ------------------------------------------

type Numeric = bigint | number;

function toNumber(value: Numeric): number {
  return typeof value === 'bigint' ? Number(value) : value;
}

/** Up to `digits` decimals, trailing zeros dropped: 1.50 → "1.5". */
function trimmed(value: number, digits: number): string {
  const fixed = value.toFixed(digits);
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/**
 * Thousands separated by commas (1,234,567), as toLocaleString('en-US') writes
 * them, but without ICU for whole numbers: its first use costs ~0.3 s in the
 * TCG guest, on every start that prints a table.
 */
export function formatCount(value: Numeric): string {
  if (typeof value === 'number' && !Number.isInteger(value)) return value.toLocaleString('en-US');
  const digits = value.toString();
  const sign = digits.startsWith('-') ? '-' : '';
  return sign + digits.slice(sign.length).replace(/\B(?=(\d{3})+$)/g, ',');
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** 1024-based: 1536 → "1.5 KiB". */
export function formatBytes(value: Numeric): string {
  if (typeof value === 'bigint' ? value < 1024n : value < 1024) return `${value} B`;
  let scaled = toNumber(value);
  let unit = 0;
  while (scaled >= 1024 && unit < BYTE_UNITS.length - 1) {
    scaled /= 1024;
    unit++;
  }
  return `${trimmed(scaled, scaled < 10 ? 2 : 1)} ${BYTE_UNITS[unit]}`;
}

/** Microseconds: "850 µs", "12.35 ms", "12.5 s". */
export function formatMicroseconds(value: Numeric): string {
  const us = toNumber(value);
  if (us < 1000) return `${us} µs`;
  // 999.999 ms rounds to 1000: say 1 s instead.
  if (us < 999_995) return `${trimmed(us / 1000, 2)} ms`;
  return `${trimmed(us / 1_000_000, 2)} s`;
}

const BIT_RATE_UNITS = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'];

/** Bytes per second shown as a bit rate, 1000-based: 125000 B/s → "1 Mbit/s". */
export function formatBitRate(bytesPerSecond: Numeric): string {
  return formatBitsPerSecond(toNumber(bytesPerSecond) * 8);
}

/** Bits per second, 1000-based, up to 2 decimals: 1500000 → "1.5 Mbit/s". */
export function formatBitsPerSecond(bitsPerSecond: Numeric): string {
  let scaled = toNumber(bitsPerSecond);
  let unit = 0;
  while (scaled >= 1000 && unit < BIT_RATE_UNITS.length - 1) {
    scaled /= 1000;
    unit++;
  }
  return `${trimmed(scaled, unit === 0 ? 0 : 2)} ${BIT_RATE_UNITS[unit]}`;
}

/** "3 min ago", "in 2 h", "just now". */
export function formatRelative(thenMs: number, nowMs: number): string {
  const deltaS = Math.round((nowMs - thenMs) / 1000);
  const abs = Math.abs(deltaS);
  if (abs < 5) return 'just now';
  let amount: string;
  if (abs < 60) amount = `${abs} s`;
  else if (abs < 3600) amount = `${Math.floor(abs / 60)} min`;
  else if (abs < 86_400) amount = `${Math.floor(abs / 3600)} h`;
  else {
    const days = Math.floor(abs / 86_400);
    amount = `${days} ${days === 1 ? 'day' : 'days'}`;
  }
  return deltaS >= 0 ? `${amount} ago` : `in ${amount}`;
}

/** Nanoseconds since the epoch: "2025-11-29T22:57:03Z (3 min ago)"; 0 means never. */
export function formatTimestampNs(value: Numeric, nowMs = Date.now()): string {
  const ns = typeof value === 'bigint' ? value : BigInt(Math.trunc(value));
  if (ns === 0n) return '-';
  const ms = Number(ns / 1_000_000n);
  const iso = new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `${iso} (${formatRelative(ms, nowMs)})`;
}

/** A length of time in nanoseconds, compact like ps/ss: "420ms", "42s", "3m12s", "2h05m", "3d04h". */
export function formatDurationNs(value: Numeric): string {
  const ns = typeof value === 'bigint' ? value : BigInt(Math.trunc(value));
  if (ns < 0n) return '-';
  if (ns < 1_000_000_000n) return `${ns / 1_000_000n}ms`;
  const s = ns / 1_000_000_000n;
  const pad = (n: bigint) => n.toString().padStart(2, '0');
  if (s < 60n) return `${s}s`;
  if (s < 3600n) return `${s / 60n}m${pad(s % 60n)}s`;
  if (s < 86_400n) return `${s / 3600n}h${pad((s % 3600n) / 60n)}m`;
  return `${s / 86_400n}d${pad((s % 86_400n) / 3600n)}h`;
}

// ---- exact: values as people write them, in base units --------------------

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
  /** Why a unit that is no unit of this kind is refused, when there is more to say than "unknown" (an ambiguous spelling). */
  refusal?(unit: string, number: string): string | undefined;
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
    const refusal = kind.refusal?.(unit, `${sign}${mantissa}${exponentText === undefined ? '' : `e${exponentText}`}`);
    if (refusal !== undefined) throw new UsageError(`${where}: "${text}" ${refusal}`);
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
//
// As tc(8) reads rates, in any case: bit, kbit, mbit, gbit, tbit are bits per
// second; bps, kbps, mbps, gbps, tbps are BYTES per second; ki, mi, gi, ti
// instead of k, m, g, t are the powers of 1024. Also accepted: those with /s
// (Mbit/s, as tables print them), and byte/bytes spelled out (MByte/s). A
// single b or B (10Mb, 10MB/s) is refused: in a case-insensitive reading it
// could be either.

const RATE_PREFIXES: Readonly<Record<string, bigint>> = {
  '': 1n,
  k: 1000n,
  m: 1_000_000n,
  g: 1_000_000_000n,
  t: 1_000_000_000_000n,
  ki: 1024n,
  mi: 1024n ** 2n,
  gi: 1024n ** 3n,
  ti: 1024n ** 4n,
};

const RATE_PREFIX_WORDS: Readonly<Record<string, string>> = { k: 'kilo', m: 'mega', g: 'giga', t: 'tera', ki: 'kibi', mi: 'mebi', gi: 'gibi', ti: 'tebi' };

const RATE_UNIT = /^(ki|mi|gi|ti|k|m|g|t)?(bits?(?:\/s|\/sec)?|bps|bytes?(?:\/s|\/sec)?|b(?:\/s|\/sec)?)$/i;

/** Bits per second: 500mbit, 500Mbit/s, 1gbit, 800kbit; bytes per second (x8) as tc writes them: 100mbps, 1gibps; 100MByte/s. */
export const BANDWIDTH_BPS: QuantityKind = {
  what: 'a bandwidth',
  examples: '500mbit (bits/s), 1gbit or 100mbps (bytes/s, as tc reads it)',
  baseUnit: 'bits per second',
  unitList:
    'bit, kbit, mbit, gbit, tbit (bits/s; also Mbit/s) or bps, kbps, mbps, gbps, tbps (BYTES/s, as in tc; also MByte/s), with ki, mi, gi, ti for powers of 1024',
  multiplier: (unit) => {
    const match = RATE_UNIT.exec(unit);
    if (!match) return undefined;
    const prefix = RATE_PREFIXES[(match[1] ?? '').toLowerCase()]!;
    const base = match[2]!.toLowerCase();
    if (base.startsWith('bit')) return prefix;
    if (base === 'bps' || base.startsWith('byte')) return prefix * 8n;
    return undefined; // a lone b: bits or bytes?
  },
  refusal: (unit, number) => {
    const match = RATE_UNIT.exec(unit);
    if (!match || !/^b/i.test(match[2]!) || /^(bits?|bps|bytes?)/i.test(match[2]!)) return undefined;
    const prefix = (match[1] ?? '').toLowerCase();
    const word = RATE_PREFIX_WORDS[prefix] ?? '';
    return `is ambiguous, bits or bytes? write ${number}${prefix}bit for ${word}bits per second, or ${number}${prefix}bps for ${word}bytes per second (tc's bps)`;
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

const CONN_UNIT = /^([km]?)(\/s|\/sec|conns?\/s)?$/i;

/** New connections per second: 1000, 1000/s, 10k/s. */
export const CONN_RATE: QuantityKind = {
  what: 'a connection rate',
  examples: '1000/s or 1000',
  baseUnit: 'connections per second',
  unitList: '/s (optionally with k or M)',
  multiplier: (unit) => {
    const match = CONN_UNIT.exec(unit);
    if (!match) return undefined;
    return RATE_PREFIXES[(match[1] ?? '').toLowerCase()]!;
  },
};

export function formatConnRate(rate: bigint): string {
  return `${rate}/s`;
}
