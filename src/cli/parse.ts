// Client-side checks of arguments, so that bad usage fails with exit 2 before
// anything reaches the kernel.
import type { Since } from '../app/alerts.js';
import { UsageError } from '../errors.js';
import { parseAddress } from '../output/address.js';
import { DURATION_NS, parseQuantity } from '../output/units.js';

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

/** `3,5,7`: context ids, each once. */
export function parseFdList(text: string): number[] {
  const ids = text.split(',').map((item) => parseFdId(item.trim(), '--fd'));
  return [...new Set(ids)];
}

/** One of `names`, or a usage error listing them. */
export function parseChoice(what: string, text: string, names: readonly string[]): string {
  const value = text.toLowerCase();
  if (!names.includes(value)) throw new UsageError(`${what}: unknown value "${text}"; one of: ${names.join(', ')}`);
  return value;
}

/** `--since`: a sequence number (digits only), or a look-back such as 90s, 5m, 2h, 1d. */
export function parseSince(text: string, what = '--since'): Since {
  const trimmed = text.trim();
  if (/^[0-9]+$/.test(trimmed)) {
    const seq = BigInt(trimmed);
    if (seq > U64_MAX) throw new UsageError(`${what}: sequence number ${trimmed} is above ${U64_MAX}`);
    return { kind: 'seq', seq };
  }
  const ns = parseQuantity(DURATION_NS, trimmed, what, { min: 1n, max: U64_MAX }, (value) => `${value} ns`);
  return { kind: 'duration', ns };
}

/** An address with an optional prefix length (`10.0.0.0/8`, `2001:db8::/32`, `127.0.0.1`). */
export function parseCidr(what: string, text: string): { addr: Uint8Array; prefix: number } {
  const [address = '', prefixText, extra] = text.split('/');
  const addr = parseAddress(address);
  if (!addr || extra !== undefined) throw new UsageError(`${what} must be an address or ADDRESS/PREFIX, got "${text}"`);
  const bits = addr.length * 8;
  if (prefixText === undefined) return { addr, prefix: bits };
  if (!/^[0-9]{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
    throw new UsageError(`${what}: the prefix length of an IPv${addr.length === 4 ? 4 : 6} address is 0 to ${bits}, got "${prefixText}"`);
  }
  return { addr, prefix: Number(prefixText) };
}

/** A port or an inclusive range of ports (`443`, `8000-8080`). */
export function parsePortRange(what: string, text: string): { lo: number; hi: number } {
  const match = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/.exec(text);
  const lo = Number(match?.[1]);
  const hi = match?.[2] === undefined ? lo : Number(match[2]);
  if (!match || lo > 65535 || hi > 65535) throw new UsageError(`${what} must be a port (0-65535) or a range FIRST-LAST, got "${text}"`);
  if (hi < lo) throw new UsageError(`${what}: the range ${text} ends before it starts`);
  return { lo, hi };
}

/** A process by pid (digits) or by command name (at most 15 characters, as the kernel keeps it). */
export function parseProcess(text: string): { pid: number } | { comm: string } {
  if (/^[0-9]+$/.test(text)) return { pid: parseFdId(text, '--process pid') };
  if (text === '' || text.length > 15) throw new UsageError(`--process must be a pid or a command name of 1 to 15 characters, got "${text}"`);
  return { comm: text };
}

/** For a command that prints no table (`serve`): the output flags every command takes would be ignored, so they are refused. */
export function refuseOutputFlags(flags: { json: boolean; csv: boolean; columns?: string }, command: string): void {
  const given = [flags.json && '--json', flags.csv && '--csv', flags.columns !== undefined && '--columns'].filter(Boolean);
  if (given.length > 0) throw new UsageError(`${command} prints no table or record: ${given.join(', ')} ${given.length === 1 ? 'does' : 'do'} not apply`);
}
