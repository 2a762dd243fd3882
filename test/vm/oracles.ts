// The kernel's own accounting, read independently of the module: drop events
// from tracefs, /proc/net/snmp, ss, sysctls, memory and work-item figures.
// Tests compare the module's figures with these.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
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

/** Has this kernel hist triggers (CONFIG_HIST_TRIGGERS)? Debian's 5.10 has none. */
function hasHistTriggers(): boolean {
  return existsSync(`${TRACING}/events/skb/kfree_skb/hist`);
}

/**
 * One event recorded in a tracefs instance of its own, in a ring buffer big
 * enough for a test (for kernels without hist triggers). Reading fails if the
 * buffer overran: a count that lost events is no oracle.
 */
class RecordedEvent {
  private constructor(
    private readonly dir: string,
    private readonly event: string,
  ) {}

  static start(name: string, event: string, filter?: string, bufferKb = 32768): RecordedEvent {
    const dir = `${TRACING}/instances/${name}`;
    if (existsSync(dir)) rmdirSync(dir);
    mkdirSync(dir);
    writeFileSync(`${dir}/buffer_size_kb`, String(bufferKb));
    if (filter) writeFileSync(`${dir}/events/${event}/filter`, filter);
    writeFileSync(`${dir}/events/${event}/enable`, '1');
    return new RecordedEvent(dir, event);
  }

  private perCpu(key: string): number {
    return readdirSync(`${this.dir}/per_cpu`).reduce(
      (n, cpu) => n + Number(new RegExp(`^${key}: (\\d+)$`, 'm').exec(readFileSync(`${this.dir}/per_cpu/${cpu}/stats`, 'utf8'))?.[1] ?? 0),
      0,
    );
  }

  private checkOverrun(): void {
    const overrun = this.perCpu('overrun');
    if (overrun > 0) throw new Error(`tracefs instance ${this.dir}: ${overrun} events lost (buffer overrun)`);
  }

  /** How many events were recorded (the ring's own count: no text to read). */
  count(): number {
    this.checkOverrun();
    return this.perCpu('entries');
  }

  /** The recorded events' text ("field=value ..."). */
  lines(): string[] {
    this.checkOverrun();
    return readFileSync(`${this.dir}/trace`, 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
  }

  stop(): void {
    writeFileSync(`${this.dir}/events/${this.event}/enable`, '0');
    rmdirSync(this.dir);
  }
}

/**
 * Before 5.17 kfree_skb has no reason: the module names a drop by the
 * function that freed it (kernel/compat.h's table of drop sites). The same
 * table, read from the source, with each function's address ranges (GCC's
 * .cold/.isra clones too) from /proc/kallsyms: one tracepoint filter per
 * reason, so the kernel itself sorts the events.
 */
function dropSiteFilters(): Map<string, string> {
  const compat = readFileSync(join(projectRoot, 'kernel', 'compat.h'), 'utf8');
  const sites = [...compat.matchAll(/\{ "([A-Za-z0-9_]+)", SKB_DROP_REASON_([A-Z0-9_]+) \}/g)].map((m) => ({ func: m[1]!, reason: m[2]! }));
  if (sites.length === 0) throw new Error('kernel/compat.h has no drop sites');
  const symbols = readFileSync('/proc/kallsyms', 'utf8')
    .split('\n')
    .map((line) => line.split(/\s+/))
    .filter((f) => f.length >= 3 && /^[tT]$/.test(f[1]!))
    .map((f) => ({ address: BigInt(`0x${f[0]}`), name: f[2]! }))
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  if (symbols.every((s) => s.address === 0n)) throw new Error('/proc/kallsyms hides addresses (not root?)');
  const ranges = new Map<string, string[]>();
  symbols.forEach((symbol, i) => {
    const site = sites.find((s) => symbol.name.split('.')[0] === s.func);
    if (!site) return;
    let j = i + 1;
    while (j < symbols.length && symbols[j]!.address === symbol.address) j++;
    const next = symbols[j];
    if (!next) return;
    const range = `(location >= 0x${symbol.address.toString(16)} && location < 0x${next.address.toString(16)})`;
    ranges.set(site.reason, [...(ranges.get(site.reason) ?? []), range]);
  });
  for (const site of sites) if (!ranges.has(site.reason)) throw new Error(`no function of drop site ${site.func} in /proc/kallsyms`);
  return new Map([...ranges].map(([reason, parts]) => [reason, parts.join(' || ')]));
}

/** The protocols a recorded DropTrace counts: IPv4 and IPv6. */
const RECORDED_PROTOCOLS = [0x0800, 0x86dd];
const FAMILY_OF_PROTOCOL = new Map([
  [0x0800, 2],
  [0x86dd, 10],
]);

/**
 * 5.10's tcp_v4_rcv() and tcp_v6_rcv() free at one place a segment that
 * found no socket and one that a TIME_WAIT socket took (later kernels: a
 * NOT_SPECIFIED free, no loss). A kprobe on tcp_timewait_state_process()
 * counts the latter by the socket's family (sock_common's skc_family, at
 * offset 16 on every kernel) and the segment's flags (byte 13 of the TCP
 * header): a SYN there may open a new connection instead of being freed.
 */
const TIME_WAIT_EVENT = 'mutex_oracle/time_wait';
function defineTimeWaitEvent(): void {
  if (existsSync(`${TRACING}/events/${TIME_WAIT_EVENT}`)) return;
  writeFileSync(`${TRACING}/kprobe_events`, `p:${TIME_WAIT_EVENT} tcp_timewait_state_process family=+16(%di):u16 flags=+13(%dx):u8\n`, { flag: 'a' });
}

/**
 * Counts every skb:kfree_skb event while it runs, by reason and protocol, in a
 * tracefs instance of its own (a hist trigger: no buffer to overflow). Without
 * hist triggers (5.10): IPv4 and IPv6 events only, counted by the ring buffers
 * of instances filtered by protocol and by drop-site reason (and one for all
 * reasons: the rest are NOT_SPECIFIED).
 */
export class DropTrace {
  private constructor(
    private readonly dir: string,
    private readonly recorded?: Map<string, RecordedEvent>,
  ) {}

  static start(name: string): DropTrace {
    if (!hasHistTriggers()) {
      const recorded = new Map<string, RecordedEvent>();
      const filters = new Map([['ALL', ''], ...dropSiteFilters()]);
      defineTimeWaitEvent();
      for (const protocol of RECORDED_PROTOCOLS) {
        for (const [reason, filter] of filters) {
          const which = `protocol == ${protocol}${filter && ` && (${filter})`}`;
          recorded.set(`${reason} ${protocol}`, RecordedEvent.start(`${name}-${reason.toLowerCase()}-${protocol}`, 'skb/kfree_skb', which, 8192));
        }
        const family = `family == ${FAMILY_OF_PROTOCOL.get(protocol)}`;
        recorded.set(`TIME_WAIT ${protocol}`, RecordedEvent.start(`${name}-tw-${protocol}`, TIME_WAIT_EVENT, family, 1024));
        recorded.set(`TIME_WAIT_SYN ${protocol}`, RecordedEvent.start(`${name}-twsyn-${protocol}`, TIME_WAIT_EVENT, `${family} && flags & 2`, 1024));
      }
      return new DropTrace('', recorded);
    }
    const dir = `${TRACING}/instances/${name}`;
    if (existsSync(dir)) rmdirSync(dir);
    mkdirSync(dir);
    writeFileSync(`${dir}/events/skb/kfree_skb/trigger`, 'hist:keys=reason,protocol:size=4096');
    return new DropTrace(dir);
  }

  counts(): DropCount[] {
    if (this.recorded) return this.recordedCounts(this.recorded);
    const names = reasonNames();
    const hist = readFileSync(`${this.dir}/events/skb/kfree_skb/hist`, 'utf8');
    return [...hist.matchAll(/\{ reason:\s*(\d+), protocol:\s*(\d+) \} hitcount:\s*(\d+)/g)].map((m) => ({
      reason: names.get(Number(m[1])) ?? `#${m[1]}`,
      protocol: Number(m[2]),
      hits: Number(m[3]),
    }));
  }

  private recordedCounts(recorded: Map<string, RecordedEvent>): DropCount[] {
    const counts: DropCount[] = [];
    const special = new Set(['ALL', 'TIME_WAIT', 'TIME_WAIT_SYN']);
    for (const protocol of RECORDED_PROTOCOLS) {
      let rest = recorded.get(`ALL ${protocol}`)!.count();
      const timeWaitTook = recorded.get(`TIME_WAIT ${protocol}`)!.count() - recorded.get(`TIME_WAIT_SYN ${protocol}`)!.count();
      for (const [key, events] of recorded) {
        const [reason, of] = key.split(' ');
        if (special.has(reason!) || Number(of) !== protocol) continue;
        // What a TIME_WAIT socket took is freed at the no-socket site too: NOT_SPECIFIED (the rest).
        const hits = events.count() - (reason === 'NO_SOCKET' ? timeWaitTook : 0);
        rest -= hits;
        if (hits > 0) counts.push({ reason: reason!, protocol, hits });
      }
      if (rest > 0) counts.push({ reason: 'NOT_SPECIFIED', protocol, hits: rest });
    }
    return counts;
  }

  /** Events of IPv4 (0x0800) and IPv6 (0x86dd) packets whose reason means loss. */
  losses(protocols: readonly number[] = [0x0800, 0x86dd]): number {
    const notLoss = notLossReasons();
    return this.counts()
      .filter((c) => protocols.includes(c.protocol) && !notLoss.has(c.reason))
      .reduce((n, c) => n + c.hits, 0);
  }

  stop(): void {
    if (this.recorded) {
      for (const events of this.recorded.values()) events.stop();
      return;
    }
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
  private constructor(
    private readonly dir: string,
    private readonly recorded?: RecordedEvent,
  ) {}

  static start(name: string): WorkTrace {
    if (!hasHistTriggers()) return new WorkTrace('', RecordedEvent.start(name, 'workqueue/workqueue_execute_start'));
    const dir = `${TRACING}/instances/${name}`;
    if (existsSync(dir)) rmdirSync(dir);
    mkdirSync(dir);
    writeFileSync(`${dir}/events/workqueue/workqueue_execute_start/trigger`, 'hist:keys=function.sym');
    return new WorkTrace(dir);
  }

  byFunction(): Map<string, number> {
    if (this.recorded) {
      // "work struct 00000000c0ffee00: function mutex_rate_work [mutex]"
      const counts = new Map<string, number>();
      for (const line of this.recorded.lines()) {
        const fn = /function (.+?)\s*$/.exec(line)?.[1];
        if (fn) counts.set(fn, (counts.get(fn) ?? 0) + 1);
      }
      return counts;
    }
    const hist = readFileSync(`${this.dir}/events/workqueue/workqueue_execute_start/hist`, 'utf8');
    return new Map(
      // "{ function: [ffffffffc0a01230] mutex_rate_work [mutex] } hitcount: 5": a module's symbols carry its name.
      [...hist.matchAll(/\{ function: \[[0-9a-f]+\] ([^}]*?)\s*\} hitcount:\s*(\d+)/g)].map((m) => [m[1]!, Number(m[2])]),
    );
  }

  stop(): void {
    if (this.recorded) return this.recorded.stop();
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
    private readonly recorded?: readonly RecordedEvent[],
  ) {}

  /** pid: count only what that task allocates (in its own context). */
  static start(name: string, pid?: number): AllocTrace {
    // 6.1 has separate *_node events; 6.12 folded them in.
    const events = ['kmalloc', 'kmalloc_node', 'kmem_cache_alloc', 'kmem_cache_alloc_node'].filter((e) =>
      existsSync(`${TRACING}/events/kmem/${e}`),
    );
    const filter = pid === undefined ? '' : `common_pid == ${pid}`;
    if (!hasHistTriggers()) {
      return new AllocTrace('', events, events.map((e) => RecordedEvent.start(`${name}-${e}`, `kmem/${e}`, filter)));
    }
    const dir = `${TRACING}/instances/${name}`;
    if (existsSync(dir)) rmdirSync(dir);
    mkdirSync(dir);
    for (const e of events) writeFileSync(`${dir}/events/kmem/${e}/trigger`, `${TRIGGER}${filter && ` if ${filter}`}`);
    return new AllocTrace(dir, events);
  }

  bytes(): number {
    let total = 0;
    if (this.recorded) {
      for (const event of this.recorded) for (const line of event.lines()) total += Number(/\bbytes_alloc=(\d+)/.exec(line)?.[1] ?? 0);
      return total;
    }
    for (const e of this.events) {
      const hist = readFileSync(`${this.dir}/events/kmem/${e}/hist`, 'utf8');
      for (const m of hist.matchAll(/bytes_alloc:\s*(\d+)/g)) total += Number(m[1]);
    }
    return total;
  }

  stop(): void {
    if (this.recorded) {
      for (const event of this.recorded) event.stop();
      return;
    }
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
