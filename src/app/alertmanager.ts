// Kernel alerts into Alertmanager (`alerts --follow --alertmanager URL`),
// through its v2 API (POST /api/v2/alerts), the way Prometheus sends its own:
//
// - A raised alert is posted firing, with the labels alertname, type, fd,
//   name, severity and instance; its clear is posted as the same alert (same
//   labels, so the same fingerprint) with endsAt, the time of the clear.
// - What is still active is posted again every resend interval, with endsAt
//   a few intervals ahead: an Alertmanager that restarted (it keeps alerts
//   in memory only) has them back within one interval, and alerts of a
//   follower that died resolve by themselves.
// - A failed POST is retried with backoff; what changed meanwhile is merged,
//   so each alert goes out in its latest state, never as a backlog.
// - Nothing is posted before the kernel's ring has been read, and then only
//   the last state of each (fd, type): a follower that restarts re-posts the
//   alerts still active with their original startsAt, which Alertmanager
//   de-duplicates, and the clears it missed; no storm of old events.
// - The kernel's own state (each context's alerts_active) is checked at every
//   resend: an alert whose context is gone, or whose clear was lost, is resolved.
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { postJson, type PostOptions } from '../http/client.js';
import type { AlertAttrs, FdAttrs } from '../spec/generated.js';
import { alertTypeName, enumName } from '../spec/enums.js';
import { alertUnit, formatAlertValue } from '../views/alerts.js';
import type { AlertSink } from './alert-follow.js';

/** Alertmanager's postableAlert (API v2). */
export interface PostableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt?: string;
}

/** One alert as it was raised, and resolved once its clear is known. */
interface Tracked {
  /** `fd/type`: at most one alert of a type is active per context. */
  readonly key: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  /** Wall-clock ns of the raise (the kernel's clock). */
  readonly raisedNs: bigint;
  /** Set once cleared. */
  readonly endsAt?: string;
}

const isoTime = (ns: bigint): string => new Date(Number(ns / 1_000_000n)).toISOString();

/** `bandwidth_spike` → `MutexBandwidthSpike`. */
export function alertName(type: number | undefined): string {
  const name = alertTypeName(type) ?? 'unknown';
  return `Mutex${name.split(/[_-]/).map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('')}`;
}

const keyOf = (alert: Pick<AlertAttrs, 'fd_id' | 'type'>): string => `${alert.fd_id ?? 0}/${alert.type ?? 0}`;

/** The labels and annotations of a raised alert; `name` is its context's. */
export function alertLabels(alert: AlertAttrs, context: { name?: string; instance: string }): Pick<PostableAlert, 'labels' | 'annotations'> {
  const unit = alertUnit(alert.type);
  const labels: Record<string, string> = {
    alertname: alertName(alert.type),
    type: alertTypeName(alert.type) ?? 'unknown',
    fd: String(alert.fd_id ?? 0),
  };
  // An empty label is no label to Alertmanager: a context without a name has none.
  if (context.name) labels.name = context.name;
  labels.severity = String(alert.severity ?? 0);
  labels.instance = context.instance;
  const annotations: Record<string, string> = {
    summary: alert.message ?? '',
    description: `${formatAlertValue(unit, alert.value)} (threshold ${formatAlertValue(unit, alert.threshold)})`,
    value: String(alert.value ?? 0n),
    threshold: String(alert.threshold ?? 0n),
    unit: unit ?? '',
    seq: String(alert.seq ?? 0n),
  };
  return { labels, annotations };
}

type Post = (url: URL, alerts: PostableAlert[], options: PostOptions) => Promise<void>;
type Log = (line: string) => void;

export interface ForwarderOptions {
  /** Alertmanager base URLs (each gets every alert, like Prometheus's list of Alertmanagers). */
  readonly urls: readonly URL[];
  /** The `instance` label; default: this host's name. */
  readonly instance?: string;
  /** How often active alerts are posted again. */
  readonly resendMs: number;
  /** The contexts as the kernel has them now (names, alerts_active); none: no names, no checks. */
  readonly contexts?: () => Promise<FdAttrs[]>;
  readonly log?: Log;
  /** The HTTP POST (a stand-in in unit tests). */
  readonly post?: Post;
  readonly postTimeoutMs?: number;
  /** First pause after a failed POST; it doubles up to min(30 s, resendMs). */
  readonly retryMs?: number;
}

/** Active alerts are announced to last this many resend intervals. */
const ENDS_AFTER_RESENDS = 4;

/** The POSTs to one Alertmanager: what is due, sent in its latest state, retried with backoff. */
class Target {
  private readonly due = new Map<string, Tracked>();
  private running: Promise<void> | undefined;
  private failures = 0;
  private wake: AbortController | undefined;
  stopped = false;

  constructor(
    readonly url: URL,
    private readonly endpoint: URL,
    private readonly options: Required<Pick<ForwarderOptions, 'resendMs' | 'postTimeoutMs' | 'retryMs'>> & { post: Post; log: Log },
  ) {}

  queue(items: Iterable<Tracked>, start: boolean): void {
    for (const item of items) this.due.set(item.key, item);
    if (start) this.kick();
  }

  kick(): void {
    if (this.due.size > 0 && !this.running && !this.stopped) this.running = this.deliver().finally(() => (this.running = undefined));
  }

  get pending(): number {
    return this.due.size;
  }

  private payload(item: Tracked, nowMs: number): PostableAlert {
    const endsAt = item.endsAt ?? new Date(nowMs + ENDS_AFTER_RESENDS * this.options.resendMs).toISOString();
    return { labels: item.labels, annotations: item.annotations, startsAt: item.startsAt, endsAt };
  }

  /** One POST of everything due; true when it went through. */
  private async attempt(): Promise<boolean> {
    const batch = [...this.due.values()];
    const now = Date.now();
    try {
      await this.options.post(this.endpoint, batch.map((item) => this.payload(item, now)), { timeoutMs: this.options.postTimeoutMs });
    } catch (error) {
      this.failures++;
      if (this.failures === 1) this.options.log(`alertmanager ${this.url.href}: posting ${batch.length} alert(s) failed: ${(error as Error).message}; retrying with backoff`);
      return false;
    }
    // What changed while the POST was on its way stays due.
    for (const item of batch) if (this.due.get(item.key) === item) this.due.delete(item.key);
    if (this.failures > 0) this.options.log(`alertmanager ${this.url.href}: delivered again after ${this.failures} failed attempt(s)`);
    this.failures = 0;
    return true;
  }

  private async deliver(): Promise<void> {
    while (this.due.size > 0 && !this.stopped) {
      if (await this.attempt()) continue;
      const cap = Math.min(30_000, this.options.resendMs);
      const pause = Math.min(cap, this.options.retryMs * 2 ** Math.min(this.failures - 1, 16));
      this.wake = new AbortController();
      await delay(pause, undefined, { signal: this.wake.signal }).catch(() => undefined);
    }
  }

  /** Ends retrying; one last POST of what is still due (a clear just seen, say), failures logged. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.abort();
    await this.running;
    if (this.due.size > 0 && !(await this.attempt())) this.options.log(`alertmanager ${this.url.href}: ${this.due.size} alert(s) not delivered`);
  }
}

/**
 * The sink of `alerts --follow --alertmanager`: keeps the alerts active in
 * the kernel and posts them (see the top of this file).
 */
export class AlertmanagerForwarder implements AlertSink {
  private readonly active = new Map<string, Tracked>();
  private readonly names = new Map<number, string>();
  private readonly targets: Target[];
  private readonly instance: string;
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private checking: Promise<void> | undefined;
  readonly closed = false;

  constructor(private readonly options: ForwarderOptions) {
    this.instance = options.instance ?? hostname();
    const targetOptions = {
      resendMs: options.resendMs,
      postTimeoutMs: options.postTimeoutMs ?? 10_000,
      retryMs: options.retryMs ?? 500,
      post: options.post ?? postJson,
      log: options.log ?? (() => undefined),
    };
    this.targets = options.urls.map((url) => new Target(url, new URL('api/v2/alerts', url.href.endsWith('/') ? url : `${url.href}/`), targetOptions));
  }

  /** Alerts active now, by `fd/type`. */
  get activeKeys(): string[] {
    return [...this.active.keys()];
  }

  /** Alerts waiting to be delivered, per Alertmanager. */
  get pending(): number[] {
    return this.targets.map((target) => target.pending);
  }

  async alert(alert: AlertAttrs): Promise<void> {
    const key = keyOf(alert);
    const state = enumName('alert-state', alert.state);
    if (state === 'raised') {
      const name = await this.contextName(alert.fd_id ?? 0);
      const { labels, annotations } = alertLabels(alert, { name, instance: this.instance });
      const item: Tracked = { key, labels, annotations, startsAt: isoTime(alert.time_ns ?? 0n), raisedNs: alert.time_ns ?? 0n };
      this.active.set(key, item);
      this.queue([item]);
    } else if (state === 'cleared') {
      // A clear of an alert never seen raised (its raise overwritten in the ring): its labels are unknown.
      const raised = this.active.get(key);
      if (!raised) return;
      this.active.delete(key);
      this.queue([{ ...raised, endsAt: isoTime(alert.time_ns ?? 0n) }]);
    }
  }

  async lost(): Promise<void> {
    // A lost clear leaves an alert active here only: the check after the re-sync resolves it.
  }

  /** The ring was read: posting may start; then the kernel's state is checked. */
  async synced(): Promise<void> {
    if (!this.started) {
      this.started = true;
      for (const target of this.targets) target.kick();
      this.timer = setInterval(() => void this.resend(), this.options.resendMs);
      this.timer.unref();
    }
    await this.check();
  }

  /** Every active alert again, after checking them against the kernel. */
  private async resend(): Promise<void> {
    await this.check();
    this.queue(this.active.values());
  }

  private queue(items: Iterable<Tracked>): void {
    const list = [...items];
    for (const target of this.targets) target.queue(list, this.started);
  }

  /**
   * Resolves active alerts the kernel no longer has: their context is gone
   * (closing a context ends its alerts without a clear event) or its
   * alerts_active says so (a clear that was lost). Only alerts raised before
   * the contexts were read: a newer raise may not show there yet.
   */
  private check(): Promise<void> {
    this.checking ??= this.checkOnce().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async checkOnce(): Promise<void> {
    if (!this.options.contexts || this.active.size === 0) return;
    const readNs = BigInt(Date.now()) * 1_000_000n;
    let contexts: FdAttrs[];
    try {
      contexts = await this.options.contexts();
    } catch (error) {
      this.options.log?.(`cannot read the contexts to check the active alerts: ${(error as Error).message}`);
      return;
    }
    const activeBits = new Map(contexts.map((fd) => [fd.id ?? 0, fd.alerts_active ?? 0]));
    const resolved: Tracked[] = [];
    const endsAt = isoTime(readNs);
    for (const [key, item] of this.active) {
      if (item.raisedNs >= readNs) continue;
      const [fd, type] = key.split('/').map(Number) as [number, number];
      const bits = activeBits.get(fd);
      if (bits !== undefined && bits & (1 << type)) continue;
      this.active.delete(key);
      resolved.push({ ...item, endsAt });
    }
    this.queue(resolved);
  }

  private async contextName(fdId: number): Promise<string | undefined> {
    if (!this.names.has(fdId) && this.options.contexts) {
      try {
        for (const fd of await this.options.contexts()) if (fd.id !== undefined) this.names.set(fd.id, fd.name ?? '');
      } catch {
        // no name then
      }
      if (!this.names.has(fdId)) this.names.set(fdId, ''); // gone already: not asked again
    }
    return this.names.get(fdId) || undefined;
  }

  /** Stops resending; a last POST of what is still due. Active alerts stay active in Alertmanager until their endsAt. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.targets.map((target) => target.stop()));
  }
}
