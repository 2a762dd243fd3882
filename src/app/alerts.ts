// What `alerts` does: the ring's alerts, filtered and printed like any list, or
// followed (`--follow`) into NDJSON, CSV rows or one line per alert until
// interrupted; and `alerts clear`.
import { UsageError } from '../errors.js';
import { parseHttpUrl } from '../http/client.js';
import { alertClear, alertList, fdList, withMutexClient, type MutexClient } from '../kernel/operations.js';
import {
  colorEnabled,
  csvField,
  outputClosed,
  rowToJson,
  toJsonLine,
  watchOutputClosed,
  writeOutput,
  type OutputFormat,
} from '../output/index.js';
import { DURATION_NS, parseQuantity } from '../output/units.js';
import type { AlertAttrs } from '../spec/generated.js';
import { alertRow, alertView, clearedView, formatAlertLine } from '../views/alerts.js';
import { followAlerts, matchesFilter, teeSinks, type AlertFilter, type AlertSink } from './alert-follow.js';
import { AlertmanagerForwarder } from './alertmanager.js';
import { listOrder, outputFormat, printList, printView, shownView, type ListFlags, type OutputFlags } from './print.js';

/** `--since`: a sequence number (digits only), or a look-back such as 90s, 5m, 2h, 1d. */
export type Since = { kind: 'seq'; seq: bigint } | { kind: 'duration'; ns: bigint };

export interface AlertQuery {
  since?: Since;
  type?: number;
  fdId?: number;
}

/** Wall-clock "now minus the look-back" of a duration --since. */
function sinceTimeNs(since: Since | undefined, nowMs: number): bigint | undefined {
  if (since?.kind !== 'duration') return undefined;
  return BigInt(Math.trunc(nowMs)) * 1_000_000n - since.ns;
}

/** The alerts of the ring that match: the kernel filters by seq, type and fd; a look-back is applied here. */
export async function listAlerts(client: MutexClient, query: AlertQuery = {}, nowMs = Date.now()): Promise<AlertAttrs[]> {
  const alerts = await alertList(client, {
    sinceSeq: query.since?.kind === 'seq' ? query.since.seq : undefined,
    type: query.type,
    fdId: query.fdId,
  });
  const filter: AlertFilter = { type: query.type, fdId: query.fdId, sinceTimeNs: sinceTimeNs(query.since, nowMs) };
  return alerts.filter((alert) => matchesFilter(alert, filter));
}

/** `mutexctl: 3 alerts lost (seq 10..12)`: missed notifications the ring no longer holds. */
export function lostMessage(bin: string, first: bigint, last: bigint): string {
  const count = last - first + 1n;
  return `${bin}: ${count} ${count === 1n ? 'alert' : 'alerts'} lost (seq ${first}..${last})\n`;
}

export interface StreamOptions {
  format: OutputFormat;
  header: boolean;
  color: boolean;
  bin: string;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Where alerts go besides the output (Alertmanager). */
  forward?: AlertSink;
}

/**
 * Where --follow writes: NDJSON (one line per alert, written as it comes),
 * CSV rows (after one header row), or one formatted line per alert; lost
 * alerts as a warning on stderr.
 */
export function alertStreamSink(options: StreamOptions): AlertSink & { start(): Promise<void> } {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const view = alertView();
  const line = (alert: AlertAttrs): string => {
    const row = alertRow(alert);
    switch (options.format) {
      case 'json':
        return `${toJsonLine(rowToJson(view, row))}\n`;
      case 'csv':
        return `${view.columns.map((column) => csvField(row[column.key])).join(',')}\r\n`;
      case 'table':
        return `${formatAlertLine(row, options.color)}\n`;
    }
  };
  return {
    async start() {
      if (options.format === 'csv' && options.header) await writeOutput(`${view.columns.map((column) => column.key).join(',')}\r\n`, stdout);
    },
    alert: (alert) => writeOutput(line(alert), stdout),
    lost: (first, last) => writeOutput(lostMessage(options.bin, first, last), stderr),
    get closed() {
      return outputClosed(stdout);
    },
  };
}

/**
 * `alerts --follow` on an open client: prints until SIGINT or SIGTERM, or until
 * the reader of stdout goes away (EPIPE at the next write, or the stream closing), all of which
 * end it normally (exit 0). Kernel errors reject.
 */
export async function runFollow(client: MutexClient, query: AlertQuery, options: StreamOptions, nowMs = Date.now()): Promise<void> {
  const stdout = options.stdout ?? process.stdout;
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const unwatch = watchOutputClosed(stdout, stop);
  try {
    const sink = alertStreamSink(options);
    await sink.start();
    await followAlerts(client, options.forward ? teeSinks(sink, options.forward) : sink, {
      sinceSeq: query.since?.kind === 'seq' ? query.since.seq : undefined,
      filter: { type: query.type, fdId: query.fdId, sinceTimeNs: sinceTimeNs(query.since, nowMs) },
      signal: controller.signal,
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    unwatch();
  }
}

/** `alerts`: the ring's alerts that match, sorted and cut like any list. */
export async function showAlerts(query: AlertQuery, flags: OutputFlags & ListFlags): Promise<void> {
  const view = alertView();
  const order = listOrder(view, flags);
  shownView(view, flags);
  const alerts = await withMutexClient((client) => listAlerts(client, query));
  await printList(view, alerts.map(alertRow), order, flags);
}

/** `--alertmanager`: where followed alerts are posted as well. */
export interface AlertmanagerRequest {
  readonly urls: readonly URL[];
  readonly resendMs: number;
  readonly instance?: string;
}

export interface AlertmanagerFlags {
  readonly alertmanager?: readonly string[];
  readonly 'resend-interval'?: string;
  readonly instance?: string;
  readonly follow: boolean;
}

/** The --alertmanager flags checked: URLs, a resend interval (default 1 minute, as Prometheus's), the instance label. */
export function alertmanagerRequest(flags: AlertmanagerFlags): AlertmanagerRequest | undefined {
  if (flags.alertmanager === undefined || flags.alertmanager.length === 0) {
    const stray = flags['resend-interval'] !== undefined ? '--resend-interval' : flags.instance !== undefined ? '--instance' : undefined;
    if (stray) throw new UsageError(`${stray} goes with --alertmanager`);
    return undefined;
  }
  if (!flags.follow) throw new UsageError('--alertmanager posts the alerts as they come: add --follow');
  const urls = flags.alertmanager.map((text) => parseHttpUrl(text, '--alertmanager'));
  const resendNs =
    flags['resend-interval'] === undefined
      ? 60_000_000_000n
      : parseQuantity(DURATION_NS, flags['resend-interval'], '--resend-interval', { min: 100_000_000n, max: 86_400_000_000_000n }, (value) => `${value / 1_000_000n} ms`);
  if (flags.instance !== undefined && flags.instance.trim() === '') throw new UsageError('--instance: an empty label value is no label; give a name');
  return { urls, resendMs: Number(resendNs / 1_000_000n), instance: flags.instance };
}

/** `alerts --follow [--alertmanager URL]`: prints (and posts) until interrupted (see runFollow). */
export async function streamAlerts(query: AlertQuery, flags: OutputFlags & ListFlags, bin: string, alertmanager?: AlertmanagerRequest): Promise<void> {
  if (flags.sort !== undefined || flags.limit !== undefined) throw new UsageError('--sort and --limit do not go with --follow');
  if (flags.columns !== undefined) throw new UsageError('--columns does not go with --follow: each event is printed whole');
  const format = outputFormat(flags);
  const color = colorEnabled({ isTTY: process.stdout.isTTY === true });
  await withMutexClient(async (client) => {
    const forward = alertmanager
      ? new AlertmanagerForwarder({ ...alertmanager, contexts: () => fdList(client), log: (line) => void writeOutput(`${bin}: ${line}\n`, process.stderr) })
      : undefined;
    try {
      await runFollow(client, query, { format, header: flags.header, color, bin, forward });
    } finally {
      await forward?.stop();
    }
  });
}

/** `alerts clear`: empties the ring; says so, or prints `{"cleared": true}`. */
export async function clearAlerts(flags: OutputFlags): Promise<void> {
  const view = clearedView();
  shownView(view, flags);
  await withMutexClient((client) => alertClear(client));
  if (flags.json || flags.csv) await printView(view, [{ cleared: true }], 'record', flags);
  else await writeOutput('alert ring cleared\n');
}
