import { Flags } from '@oclif/core';
import { followAlerts, matchesFilter, type AlertFilter, type AlertSink } from '../../app/alert-follow.js';
import { BaseCommand, type OutputFlags } from '../../cli/base-command.js';
import { listFlags } from '../../cli/flags.js';
import { parseSince, type Since } from '../../cli/parse.js';
import { UsageError } from '../../errors.js';
import { alertList, withMutexClient, type MutexClient } from '../../kernel/operations.js';
import type { AlertAttrs } from '../../spec/generated.js';
import {
  colorEnabled,
  csvField,
  outputClosed,
  rowToJson,
  toJsonLine,
  watchOutputClosed,
  writeOutput,
  type OutputFormat,
} from '../../output/index.js';
import { alertTypeChoices, parseAlertType } from '../../thresholds/fields.js';
import { alertRow, alertView, formatAlertLine } from '../../views/alerts.js';

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

export default class Alerts extends BaseCommand {
  static override summary = 'List alerts from the kernel ring, or follow them as they are raised and cleared.';

  static override description = `The module evaluates every context against its thresholds (see \`mutexctl thresholds\`) and records an alert event when a value crosses a threshold (raised) and when it falls back below (cleared). The last events (1000 by default) are kept in a ring; every event is also multicast to listeners.

Without --follow: the events in the ring, oldest first, filtered by --type, --fd and --since. --json prints an array of objects, --csv a header row and a row per event, with these fields in this order: seq, time_ns, type (high_latency|high_error_rate|bandwidth_spike|connection_flood|packet_drop), severity (0-10), state (raised|cleared), fd_id, value, threshold, unit (us|ppm|bps|conn/s: the unit of value and threshold, by type), message.

--follow first joins the multicast group, then prints the ring's events, then each new one as it arrives: --json as NDJSON (one object per line, written at once), --csv as rows, otherwise one line per event. Each event is printed once. Sequence numbers are consecutive: when notifications were missed (a slow reader), the missing events are read back from the ring, and those already overwritten there are reported on stderr as "mutexctl: N alerts lost (seq A..B)". Ends with exit 0 on Ctrl-C (SIGINT), SIGTERM, or when the reader of a pipe goes away.

--since takes a sequence number (events after it) or a look-back such as 90s, 5m, 2h or 1d (events at most that old).`;

  static override examples = [
    { description: 'The events in the ring.', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'High-latency events of context 3 in the last 10 minutes.', command: '<%= config.bin %> <%= command.id %> --type high_latency --fd 3 --since 10m' },
    { description: 'Events after sequence number 120, as CSV.', command: '<%= config.bin %> <%= command.id %> --since 120 --csv' },
    { description: 'Follow events as NDJSON.', command: "<%= config.bin %> <%= command.id %> --follow --json | jq -c 'select(.state == \"raised\")'" },
    { description: 'The first event (from the ring, or the next one raised), then stop.', command: '<%= config.bin %> <%= command.id %> --follow --json | head -1' },
    { description: 'Empty the ring (needs CAP_NET_ADMIN).', command: '<%= config.bin %> alerts clear' },
  ];

  static override flags = {
    type: Flags.string({ description: `Only events of this type: ${alertTypeChoices()} (or latency, error-rate, bandwidth, conn-rate, drop-rate).`, helpValue: 'TYPE' }),
    fd: Flags.integer({ description: 'Only events of this context (fd id).', helpValue: 'ID', min: 1, max: 0xffff_ffff }),
    since: Flags.string({ description: 'Only events after this sequence number, or at most this old (90s, 5m, 2h, 1d).', helpValue: 'SEQ|DURATION' }),
    follow: Flags.boolean({ char: 'f', description: 'Print the ring, then keep printing events as they happen, until interrupted.' }),
    ...listFlags,
    sort: Flags.string({
      description: 'Sort by these columns (JSON key names, comma-separated); a leading - for descending, e.g. --sort=-severity,seq. Default: seq (oldest first).',
      helpValue: 'KEY[,KEY]',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Alerts);
    const query: AlertQuery = {
      type: flags.type === undefined ? undefined : parseAlertType(flags.type, '--type'),
      fdId: flags.fd,
      since: flags.since === undefined ? undefined : parseSince(flags.since),
    };
    const view = alertView();
    if (flags.follow) {
      if (flags.sort !== undefined || flags.limit !== undefined) throw new UsageError('--sort and --limit do not go with --follow');
      if (flags.columns !== undefined) throw new UsageError('--columns does not go with --follow: each event is printed whole');
      await this.follow(query, flags);
      return;
    }
    const order = this.listOrder(view, flags);
    this.shownView(view, flags);
    const alerts = await withMutexClient((client) => listAlerts(client, query));
    await this.printList(view, alerts.map(alertRow), order, flags);
  }

  private async follow(query: AlertQuery, flags: OutputFlags): Promise<void> {
    const format = this.outputFormat(flags);
    const color = colorEnabled({ isTTY: process.stdout.isTTY === true });
    await withMutexClient((client) => runFollow(client, query, { format, header: flags.header, color, bin: this.config.bin }));
  }
}

/**
 * `alerts --follow` on an open client: prints until SIGINT or SIGTERM, or until
 * the reader of stdout goes away (EPIPE, or the stream closing), all of which
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
    await followAlerts(client, sink, {
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
