// Client-side checks of arguments, so that bad usage fails with exit 2 before
// anything reaches the kernel.
import { UsageError } from '../netlink/errors.js';

const U32_MAX = 0xffff_ffffn;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

function parseId(what: string, text: string, max: bigint): bigint {
  if (!/^[0-9]+$/.test(text)) throw new UsageError(`${what} must be a positive integer, got "${text}"`);
  const value = BigInt(text);
  if (value < 1n || value > max) throw new UsageError(`${what} must be between 1 and ${max}, got ${text}`);
  return value;
}

/** A context id: u32, at least 1. */
export function parseFdId(text: string, what = 'context id'): number {
  return Number(parseId(what, text, U32_MAX));
}

/** A connection id: u64, at least 1, kept exact. */
export function parseConnId(text: string, what = 'connection id'): bigint {
  return parseId(what, text, U64_MAX);
}

/** One of `names`, or a usage error listing them. */
export function parseChoice(what: string, text: string, names: readonly string[]): string {
  const value = text.toLowerCase();
  if (!names.includes(value)) throw new UsageError(`${what}: unknown value "${text}"; one of: ${names.join(', ')}`);
  return value;
}
