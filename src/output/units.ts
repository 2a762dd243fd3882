// Human units, for the table only: JSON and CSV keep raw integers.

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
