// The kernel's own accounting, read independently of the module: drop events
// from tracefs, /proc/net/snmp, ss, sysctls, memory and work-item figures.
// Tests compare the module's figures with these.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { projectRoot, sh } from './lib.js';

const TRACING = '/sys/kernel/tracing';

/**
 * The drop reasons that do not count as losses, as docs/semantics.md lists
 * them (its "Drop reasons that are not losses" section): the same policy the
 * module applies, read from the documentation rather than the module.
 */
export function notLossReasons(): Set<string> {
  const doc = readFileSync(join(projectRoot, 'docs', 'semantics.md'), 'utf8');
  const start = doc.indexOf('### Drop reasons that are not losses');
  if (start < 0) throw new Error('docs/semantics.md has no "Drop reasons that are not losses" section');
  const end = doc.indexOf('\n#', start + 4);
  const section = doc.slice(start, end < 0 ? undefined : end);
  return new Set([...section.matchAll(/^- `([A-Z0-9_]+)`/gm)].map((m) => m[1]!));
}

/** reason number → name, from the running kernel's kfree_skb event format. */
function reasonNames(): Map<number, string> {
  const format = readFileSync(`${TRACING}/events/skb/kfree_skb/format`, 'utf8');
  return new Map([...format.matchAll(/\{ (\d+), "([A-Z0-9_]+)" \}/g)].map((m) => [Number(m[1]), m[2]!]));
}

export interface DropCount {
  readonly reason: string;
  readonly protocol: number;
  readonly hits: number;
}

/**
 * Counts every skb:kfree_skb event while it runs, by reason and protocol, in a
 * tracefs instance of its own (a hist trigger: no buffer to overflow).
 */
export class DropTrace {
  private constructor(private readonly dir: string) {}

  static start(name: string): DropTrace {
    const dir = `${TRACING}/instances/${name}`;
    if (existsSync(dir)) rmdirSync(dir);
    mkdirSync(dir);
    writeFileSync(`${dir}/events/skb/kfree_skb/trigger`, 'hist:keys=reason,protocol:size=4096');
    return new DropTrace(dir);
  }

  counts(): DropCount[] {
    const names = reasonNames();
    const hist = readFileSync(`${this.dir}/events/skb/kfree_skb/hist`, 'utf8');
    return [...hist.matchAll(/\{ reason:\s*(\d+), protocol:\s*(\d+) \} hitcount:\s*(\d+)/g)].map((m) => ({
      reason: names.get(Number(m[1])) ?? `#${m[1]}`,
      protocol: Number(m[2]),
      hits: Number(m[3]),
    }));
  }

  /** Events of IPv4 (0x0800) and IPv6 (0x86dd) packets whose reason means loss. */
  losses(protocols: readonly number[] = [0x0800, 0x86dd]): number {
    const notLoss = notLossReasons();
    return this.counts()
      .filter((c) => protocols.includes(c.protocol) && !notLoss.has(c.reason))
      .reduce((n, c) => n + c.hits, 0);
  }

  stop(): void {
    writeFileSync(`${this.dir}/events/skb/kfree_skb/trigger`, '!hist:keys=reason,protocol:size=4096');
    rmdirSync(this.dir);
  }
}

/** /proc/net/snmp as { Udp: { InErrors: 3n, ... }, ... } (of the caller's netns). */
export function snmp(): Record<string, Record<string, bigint>> {
  const lines = readFileSync('/proc/net/snmp', 'utf8').trim().split('\n');
  const out: Record<string, Record<string, bigint>> = {};
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const keys = lines[i]!.split(/\s+/);
    const values = lines[i + 1]!.split(/\s+/);
    const table: Record<string, bigint> = {};
    keys.slice(1).forEach((k, j) => (table[k] = BigInt(values[j + 1]!)));
    out[keys[0]!.replace(/:$/, '')] = table;
  }
  return out;
}

/** Runs work with a sysctl set, then restores it. */
export async function withSysctl<T>(name: string, value: string, work: () => Promise<T> | T): Promise<T> {
  const saved = sh(`sysctl -n ${name}`).trim().replace(/\s+/g, ' ');
  sh(`sysctl -qw ${name}="${value}"`);
  try {
    return await work();
  } finally {
    sh(`sysctl -qw ${name}="${saved}"`);
  }
}

/** TCP states in which ss shows a connection that is still open. */
const NOT_OPEN = new Set(['TIME-WAIT', 'CLOSE', 'CLOSED', 'LISTEN', 'UNCONN']);

/**
 * Open TCP connections whose endpoints use one of these ports, from `ss -tan`
 * (in netns when given): a connection counts once even when both of its
 * sockets are on this host, and is open while either socket is.
 */
export function ssOpenConnections(ports: ReadonlySet<number>, netns?: string): number {
  const prefix = netns ? `ip netns exec ${netns} ` : '';
  const open = new Set<string>();
  for (const line of sh(`${prefix}ss -tanH`).trim().split('\n')) {
    const [state, , , local, peer] = line.trim().split(/\s+/);
    if (!state || !local || !peer || NOT_OPEN.has(state)) continue;
    const port = (endpoint: string) => Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
    if (!ports.has(port(local)) && !ports.has(port(peer))) continue;
    open.add([local, peer].sort().join(' '));
  }
  return open.size;
}

/** Slab, per-CPU and vmalloc memory in use, bytes (/proc/meminfo). */
export function kernelMemory(): number {
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(meminfo)?.[1] ?? 0);
  return (kb('Slab') + kb('Percpu') + kb('VmallocUsed')) * 1024;
}

/** Work items run while it is active, by function name (workqueue_execute_start). */
export class WorkTrace {
  private constructor(private readonly dir: string) {}

  static start(name: string): WorkTrace {
    const dir = `${TRACING}/instances/${name}`;
    if (existsSync(dir)) rmdirSync(dir);
    mkdirSync(dir);
    writeFileSync(`${dir}/events/workqueue/workqueue_execute_start/trigger`, 'hist:keys=function.sym');
    return new WorkTrace(dir);
  }

  byFunction(): Map<string, number> {
    const hist = readFileSync(`${this.dir}/events/workqueue/workqueue_execute_start/hist`, 'utf8');
    return new Map(
      // "{ function: [ffffffffc0a01230] mutex_rate_work [mutex] } hitcount: 5": a module's symbols carry its name.
      [...hist.matchAll(/\{ function: \[[0-9a-f]+\] ([^}]*?)\s*\} hitcount:\s*(\d+)/g)].map((m) => [m[1]!, Number(m[2])]),
    );
  }

  stop(): void {
    writeFileSync(`${this.dir}/events/workqueue/workqueue_execute_start/trigger`, '!hist:keys=function.sym');
    rmdirSync(this.dir);
  }
}

const TRIGGER = 'hist:keys=call_site.sym:vals=bytes_alloc:size=8192';

/** Bytes the slab allocators handed out while it is active (kmem tracepoints). */
export class AllocTrace {
  private constructor(
    private readonly dir: string,
    private readonly events: readonly string[],
  ) {}

  /** pid: count only what that task allocates (in its own context). */
  static start(name: string, pid?: number): AllocTrace {
    const dir = `${TRACING}/instances/${name}`;
    if (existsSync(dir)) rmdirSync(dir);
    mkdirSync(dir);
    // 6.1 has separate *_node events; 6.12 folded them in.
    const events = ['kmalloc', 'kmalloc_node', 'kmem_cache_alloc', 'kmem_cache_alloc_node'].filter((e) =>
      existsSync(`${dir}/events/kmem/${e}`),
    );
    const filter = pid === undefined ? '' : ` if common_pid == ${pid}`;
    for (const e of events) writeFileSync(`${dir}/events/kmem/${e}/trigger`, `${TRIGGER}${filter}`);
    return new AllocTrace(dir, events);
  }

  bytes(): number {
    let total = 0;
    for (const e of this.events) {
      const hist = readFileSync(`${this.dir}/events/kmem/${e}/hist`, 'utf8');
      for (const m of hist.matchAll(/bytes_alloc:\s*(\d+)/g)) total += Number(m[1]);
    }
    return total;
  }

  stop(): void {
    for (const e of this.events) writeFileSync(`${this.dir}/events/kmem/${e}/trigger`, `!${TRIGGER}`);
    rmdirSync(this.dir);
  }
}

/**
 * Calls of some of the module's functions, counted by the function tracer
 * in a tracefs instance of its own: whether the hooks and probes run at all.
 */
export class FunctionCalls {
  private constructor(private readonly dir: string) {}

  static start(name: string, functions: readonly string[]): FunctionCalls {
    const dir = `${TRACING}/instances/${name}`;
    if (existsSync(dir)) rmdirSync(dir);
    mkdirSync(dir);
    writeFileSync(`${dir}/set_ftrace_filter`, functions.join('\n'));
    writeFileSync(`${dir}/current_tracer`, 'function');
    return new FunctionCalls(dir);
  }

  /** Calls of fn since the start or the last clear(). */
  count(fn: string): number {
    const trace = readFileSync(`${this.dir}/trace`, 'utf8');
    return trace.split('\n').filter((line) => line.includes(` ${fn} <-`) || line.includes(` ${fn}(`)).length;
  }

  clear(): void {
    writeFileSync(`${this.dir}/trace`, '');
  }

  stop(): void {
    writeFileSync(`${this.dir}/current_tracer`, 'nop');
    rmdirSync(this.dir);
  }
}
