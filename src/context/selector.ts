// The selector a context is given through /dev/mutex: one line of
// `key=value` words (DESIGN.md §3.1). The grammar is the kernel's; these checks
// catch the cheap mistakes before anything is opened, so they fail as usage errors.
import { UsageError } from '../errors.js';
import { parseAddress } from '../output/address.js';

/** Limits of the module's selector (kernel/mutex.h, kernel/ctx.c). */
export const SELECTOR_LIMITS = {
  nameBytes: 31,
  ports: 16,
  peers: 16,
  writeBytes: 4095,
  pidMax: 4_194_304,
  uidMax: 0xffff_fffe,
} as const;

/** Protocol names the selector's `proto=` knows; `icmp` covers ICMP and ICMPv6. */
export const SELECTOR_PROTOCOLS = ['tcp', 'udp', 'icmp'] as const;

/** What `--scope` asks for. */
export type ScopeChoice =
  /** A fresh cgroup when cgroup v2 is writable, else the CLI's own process tree. */
  | { kind: 'auto' }
  /** A fresh child cgroup the command is started in (an error when impossible). */
  | { kind: 'new-cgroup' }
  /** pid:<the CLI's pid>: the CLI and its descendants, the command among them. */
  | { kind: 'own-pid' }
  /** A scope written as given: all, pid:N, uid:N, cgroup:PATH. */
  | { kind: 'fixed'; text: string };

function decimal(what: string, text: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(text)) throw new UsageError(`${what}: "${text}" is not a number`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`${what}: ${text} is out of range (${min}-${max})`);
  return value;
}

/** --scope: auto (default), cgroup, pid, all, pid:N, uid:N, cgroup:PATH; the words in any case (a PATH as it is). */
export function parseScope(text: string | undefined): ScopeChoice {
  if (text === undefined) return { kind: 'auto' };
  const colon = text.indexOf(':');
  const type = (colon === -1 ? text : text.slice(0, colon)).toLowerCase();
  const arg = colon === -1 ? '' : text.slice(colon + 1);
  if (colon === -1) {
    if (type === 'auto') return { kind: 'auto' };
    if (type === 'cgroup') return { kind: 'new-cgroup' };
    if (type === 'pid') return { kind: 'own-pid' };
    if (type === 'all') return { kind: 'fixed', text: type };
  }
  switch (type) {
    case 'pid':
      return { kind: 'fixed', text: `pid:${decimal('--scope pid', arg, 1, SELECTOR_LIMITS.pidMax)}` };
    case 'uid':
      return { kind: 'fixed', text: `uid:${decimal('--scope uid', arg, 0, SELECTOR_LIMITS.uidMax)}` };
    case 'cgroup':
      if (!arg.startsWith('/') || /\s/.test(arg)) {
        throw new UsageError(`--scope cgroup: "${arg}" must be an absolute cgroup v2 path without spaces`);
      }
      return { kind: 'fixed', text: `cgroup:${arg}` };
    default:
      throw new UsageError(`--scope: unknown scope "${text}"; one of: auto, cgroup, pid, all, pid:N, uid:N, cgroup:PATH`);
  }
}

/** A context name: 1-31 printable ASCII characters, no spaces (the kernel's isgraph()). */
export function checkName(name: string): string {
  if (name === '' || !/^[\x21-\x7e]+$/.test(name)) {
    throw new UsageError(`--name: "${name}" must be printable ASCII without spaces`);
  }
  if (name.length > SELECTOR_LIMITS.nameBytes) {
    throw new UsageError(`--name: "${name}" is longer than ${SELECTOR_LIMITS.nameBytes} characters`);
  }
  return name;
}

/** A default name from a command: its basename, made a valid name. */
export function nameFromCommand(command: string): string {
  const base = command.split('/').filter(Boolean).pop() ?? command;
  const cleaned = base.replace(/[^\x21-\x7e]/g, '_').slice(0, SELECTOR_LIMITS.nameBytes);
  return cleaned === '' ? 'cmd' : cleaned;
}

function listItems(what: string, text: string, max: number): string[] {
  const items = text.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw new UsageError(`${what}: empty item in "${text}"`);
  if (items.length > max) throw new UsageError(`${what}: at most ${max} items, got ${items.length}`);
  return items;
}

/** --proto: tcp, udp, icmp (icmpv6 is accepted as icmp, which covers both), comma-separated. */
export function checkProtocols(text: string): string {
  const names = listItems('--proto', text.toLowerCase(), 8).map((item) => (item === 'icmpv6' ? 'icmp' : item));
  for (const name of names) {
    if (!(SELECTOR_PROTOCOLS as readonly string[]).includes(name)) {
      throw new UsageError(`--proto: unknown protocol "${name}"; one of: tcp, udp, icmp, icmpv6`);
    }
  }
  return [...new Set(names)].join(',');
}

/** --port: PORT or LOW-HIGH (0-65535), comma-separated, at most 16. */
export function checkPorts(text: string): string {
  return listItems('--port', text, SELECTOR_LIMITS.ports)
    .map((item) => {
      const match = /^([0-9]+)(?:-([0-9]+))?$/.exec(item);
      if (!match) throw new UsageError(`--port: "${item}" is not a port or a LOW-HIGH range`);
      const low = decimal('--port', match[1]!, 0, 65535);
      const high = match[2] === undefined ? low : decimal('--port', match[2], 0, 65535);
      if (high < low) throw new UsageError(`--port: range "${item}" ends before it starts`);
      return high === low ? `${low}` : `${low}-${high}`;
    })
    .join(',');
}

/** --peer: ADDRESS or ADDRESS/PREFIX, IPv4 or IPv6, comma-separated, at most 16. */
export function checkPeers(text: string): string {
  return listItems('--peer', text, SELECTOR_LIMITS.peers)
    .map((item) => {
      const slash = item.indexOf('/');
      const address = slash === -1 ? item : item.slice(0, slash);
      const bytes = parseAddress(address);
      if (!bytes) throw new UsageError(`--peer: "${address}" is not an IPv4 or IPv6 address`);
      const maxPrefix = bytes.length * 8;
      if (slash !== -1) {
        const prefix = item.slice(slash + 1);
        if (!/^[0-9]{1,3}$/.test(prefix) || Number(prefix) > maxPrefix) {
          throw new UsageError(`--peer: "${item}" has a bad prefix length (0-${maxPrefix})`);
        }
        return `${address}/${Number(prefix)}`;
      }
      return address;
    })
    .join(',');
}

export interface SelectorParts {
  name?: string;
  /** The scope as the kernel reads it: all, pid:N, uid:N, cgroup:PATH. */
  scope: string;
  proto?: string;
  port?: string;
  peer?: string;
}

/** The selector line, e.g. `name=web scope=cgroup:/sys/fs/cgroup/web proto=tcp port=443`. */
export function selectorLine(parts: SelectorParts): string {
  const words = [
    parts.name === undefined ? undefined : `name=${parts.name}`,
    `scope=${parts.scope}`,
    parts.proto === undefined ? undefined : `proto=${parts.proto}`,
    parts.port === undefined ? undefined : `port=${parts.port}`,
    parts.peer === undefined ? undefined : `peer=${parts.peer}`,
  ];
  const line = words.filter((word) => word !== undefined).join(' ');
  if (Buffer.byteLength(line) > SELECTOR_LIMITS.writeBytes) {
    throw new UsageError(`the selector is longer than ${SELECTOR_LIMITS.writeBytes} bytes`);
  }
  return line;
}

export interface SelectorFlags {
  name?: string;
  proto?: string;
  port?: string;
  peer?: string;
}

/** The flags checked and normalised; the scope is decided later (it may need a cgroup). */
export function checkSelectorFlags(flags: SelectorFlags): Omit<SelectorParts, 'scope'> {
  return {
    name: flags.name === undefined ? undefined : checkName(flags.name),
    proto: flags.proto === undefined ? undefined : checkProtocols(flags.proto),
    port: flags.port === undefined ? undefined : checkPorts(flags.port),
    peer: flags.peer === undefined ? undefined : checkPeers(flags.peer),
  };
}
