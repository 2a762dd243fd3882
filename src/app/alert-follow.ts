// Following alerts (`alerts --follow`): the `alerts` multicast group joined
// FIRST, then the kernel's ring read, then every notification as it comes, in
// sequence order, each alert once.
//
// Sequence numbers are consecutive per network namespace, so a notification
// whose seq is more than one past the last one seen means notifications were
// lost (a slow reader, or ENOBUFS on the socket): the missing ones are read
// back from the ring, and those the ring no longer holds are reported as lost.
// Every seq is tracked, also of alerts the filters leave out, since the
// filters (--type, --fd, --since) only decide what is printed.
import { setTimeout as delay } from 'node:timers/promises';
import { alertList, isTransient, subscribeAlerts, type MutexClient } from '../kernel/operations.js';
import type { AlertAttrs } from '../spec/generated.js';

export interface AlertFilter {
  /** alert-type value. */
  readonly type?: number;
  readonly fdId?: number;
  /** Only alerts at or after this wall-clock time (ns since the epoch). */
  readonly sinceTimeNs?: bigint;
}

export function matchesFilter(alert: AlertAttrs, filter: AlertFilter): boolean {
  if (filter.type !== undefined && alert.type !== filter.type) return false;
  if (filter.fdId !== undefined && alert.fd_id !== filter.fdId) return false;
  if (filter.sinceTimeNs !== undefined && (alert.time_ns === undefined || alert.time_ns < filter.sinceTimeNs)) return false;
  return true;
}

/** Where followed alerts go. */
export interface AlertSink {
  /** One alert that passed the filters, in sequence order. */
  alert(alert: AlertAttrs): Promise<void>;
  /** Alerts first..last were missed and are no longer in the ring. */
  lost(first: bigint, last: bigint): Promise<void>;
  /**
   * The ring has been read: at the start, and after each gap was filled in
   * from it. Everything the ring held up to now has been handed over.
   */
  synced?(): Promise<void>;
  /** True once output can go nowhere (the reader of a pipe went away): following stops. */
  readonly closed: boolean;
}

/** Every event to each sink in turn; closed once all of them are. */
export function teeSinks(...sinks: AlertSink[]): AlertSink {
  return {
    async alert(alert) {
      for (const sink of sinks) await sink.alert(alert);
    },
    async lost(first, last) {
      for (const sink of sinks) await sink.lost(first, last);
    },
    async synced() {
      for (const sink of sinks) await sink.synced?.();
    },
    get closed() {
      return sinks.every((sink) => sink.closed);
    },
  };
}

export interface FollowOptions {
  /** Print only alerts after this sequence number (and report missing ones after it as lost). */
  readonly sinceSeq?: bigint;
  readonly filter?: AlertFilter;
  /** Stops following, e.g. on SIGINT; the returned promise then resolves. */
  readonly signal?: AbortSignal;
  /** Pause before re-reading the ring after a transient failure (grows per attempt). */
  readonly retryDelayMs?: number;
  readonly retries?: number;
}

export class AlertFollower {
  private lastSeq: bigint | undefined;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private finish: (error?: unknown) => void = () => undefined;
  private readonly filter: AlertFilter;

  constructor(
    private readonly client: MutexClient,
    private readonly sink: AlertSink,
    private readonly options: FollowOptions = {},
  ) {
    // --since 0 is "everything": no baseline, so nothing before the ring's oldest counts as lost.
    this.lastSeq = options.sinceSeq === 0n ? undefined : options.sinceSeq;
    this.filter = options.filter ?? {};
  }

  /** The highest sequence number handled so far. */
  get last(): bigint | undefined {
    return this.lastSeq;
  }

  /** Follows until the signal aborts or the sink closes (resolves), or a kernel error (rejects). */
  run(): Promise<void> {
    const { signal } = this.options;
    return new Promise<void>((resolve, reject) => {
      let unsubscribe: (() => void) | undefined;
      const onAbort = (): void => this.finish();
      this.finish = (error?: unknown) => {
        if (this.stopped) return;
        this.stopped = true;
        unsubscribe?.();
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error instanceof Error ? error : new Error(String(error)));
      };
      if (signal?.aborted) {
        this.finish();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        // Subscribe before reading the ring: an alert raised in between is then
        // both in the ring and notified, and de-duplicated by its seq.
        unsubscribe = subscribeAlerts(
          this.client,
          (alert) => this.enqueue(() => this.handle(alert)),
          () => this.enqueue(() => this.recover()),
        );
      } catch (error) {
        this.finish(error);
        return;
      }
      this.enqueue(() => this.recover());
    });
  }

  /** One task at a time, in arrival order: the ring read, notifications, re-syncs. */
  private enqueue(task: () => Promise<void>): void {
    this.chain = this.chain
      .then(async () => {
        if (this.stopped) return;
        await task();
        if (this.sink.closed) this.finish();
      })
      .catch((error: unknown) => this.finish(error));
  }

  private async handle(alert: AlertAttrs): Promise<void> {
    const { seq } = alert;
    if (seq === undefined) return;
    if (this.lastSeq !== undefined && seq <= this.lastSeq) return; // already printed from the ring
    if (this.lastSeq !== undefined && seq > this.lastSeq + 1n) {
      await this.recover(seq);
      if (this.stopped || this.sink.closed || (this.lastSeq !== undefined && seq <= this.lastSeq)) return;
    }
    await this.emit(alert);
  }

  /**
   * Prints what the ring holds after the last seq handled; a hole before the
   * first of those (or before `upTo`, the notification that showed the gap)
   * was overwritten in the ring: reported as lost.
   */
  private async recover(upTo?: bigint): Promise<void> {
    const ring = await this.readRingRetrying(this.lastSeq);
    for (const item of ring) {
      if (this.stopped || this.sink.closed) return;
      const { seq } = item;
      if (seq === undefined || (this.lastSeq !== undefined && seq <= this.lastSeq)) continue;
      if (this.lastSeq !== undefined && seq > this.lastSeq + 1n) await this.sink.lost(this.lastSeq + 1n, seq - 1n);
      await this.emit(item);
    }
    if (upTo !== undefined && this.lastSeq !== undefined && upTo > this.lastSeq + 1n) {
      await this.sink.lost(this.lastSeq + 1n, upTo - 1n);
      this.lastSeq = upTo - 1n;
    }
    if (!this.stopped && !this.sink.closed) await this.sink.synced?.();
  }

  private async emit(alert: AlertAttrs): Promise<void> {
    this.lastSeq = alert.seq;
    if (matchesFilter(alert, this.filter)) await this.sink.alert(alert);
  }

  private async readRingRetrying(sinceSeq: bigint | undefined): Promise<AlertAttrs[]> {
    const retries = this.options.retries ?? 8;
    const pause = this.options.retryDelayMs ?? 50;
    for (let attempt = 0; ; attempt++) {
      try {
        return await alertList(this.client, { sinceSeq });
      } catch (error) {
        if (this.stopped || attempt >= retries || !isTransient(error)) throw error;
        await delay(pause * (attempt + 1));
      }
    }
  }
}

/** Follows alerts into `sink` until stopped (see AlertFollower). */
export function followAlerts(client: MutexClient, sink: AlertSink, options: FollowOptions = {}): Promise<void> {
  return new AlertFollower(client, sink, options).run();
}
