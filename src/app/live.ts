// --watch and --rate for the commands that read counters (stats, fd, conn):
// one snapshot, or one every --interval; raw values, or per-second rates since
// the previous snapshot (the previous run's, kept in the history file).
import { statsGet, withMutexClient, type MutexClient } from '../kernel/operations.js';
import { MutexctlError, UsageError } from '../errors.js';
import {
  escapeControl,
  listWriter,
  renderView,
  rowToJson,
  sortRows,
  tableStyle,
  toJsonLine,
  watchOutputClosed,
  writeOutput,
  type OutputFormat,
  type Row,
  type SortKey,
  type TableStyle,
  type View,
  type ViewShape,
} from '../output/index.js';
import { nowNs } from '../export/snapshot.js';
import { TAKEN_NS } from '../views/common.js';
import { baselineOf, rateRows, rateView, type RateBaseline, type RateSubject } from '../views/rate.js';
import { DURATION_NS, parseQuantity } from '../output/units.js';
import { listOrder, outputFormat, shownView, type ListFlags, type OutputFlags } from './print.js';
import { loadBaseline, saveBaseline } from './rate-history.js';

export interface LiveFlags {
  watch: boolean;
  interval?: string;
  count?: number;
  rate: boolean;
}

/** What a command reads, and how its rows are matched between snapshots. */
export interface LiveSource extends RateSubject {
  /** History file name and heading, e.g. "conn". */
  readonly name: string;
  readonly shape: ViewShape;
  readonly fetch: (client: MutexClient) => Promise<Row[]>;
  /**
   * A list the kernel can hand over piece by piece: one pass of its dump,
   * rows as they arrive, and whether the kernel marked the pass inconsistent
   * by then. Such a list is in the kernel's order unless --sort says otherwise.
   */
  readonly each?: (client: MutexClient, onRows: (rows: Row[], interrupted: boolean) => void) => Promise<{ interrupted: boolean }>;
}

export interface LivePlan {
  readonly view: View;
  readonly format: OutputFormat;
  readonly header: boolean;
  readonly sort?: readonly SortKey[];
  readonly limit?: number;
  readonly intervalMs: number;
  readonly count?: number;
}


const MIN_INTERVAL_NS = 100_000_000n;

/** --interval as milliseconds; usage errors before anything is read. */
export function parseInterval(flags: LiveFlags): number {
  if (flags.interval === undefined) return 1000;
  if (!flags.watch) throw new UsageError('--interval goes with --watch');
  const ns = parseQuantity(DURATION_NS, flags.interval, '--interval', { min: MIN_INTERVAL_NS, max: 86_400_000_000_000n }, (value) => `${value / 1_000_000n} ms`);
  return Number(ns / 1_000_000n);
}

/** The view the rows are shown through: with --rate, counters become rates. */
export function liveView(source: LiveSource, flags: LiveFlags): View {
  if (flags.count !== undefined && !flags.watch) throw new UsageError('--count goes with --watch');
  return flags.rate ? rateView(source.view) : source.view;
}

/**
 * What stats, fd and conn print: one snapshot, or with --watch one every
 * interval; with --rate, counters as per-second rates. `commandLine` heads
 * each --watch table.
 */
export async function showLive(source: LiveSource, flags: OutputFlags & ListFlags & LiveFlags, commandLine: () => string): Promise<void> {
  const intervalMs = parseInterval(flags);
  const full = liveView(source, flags);
  const view = shownView(full, flags);
  const order = source.shape === 'list' ? listOrder(full, flags, { kernelOrder: source.each !== undefined }) : {};
  const plan: LivePlan = { view, format: outputFormat(flags), header: flags.header, sort: order.keys, limit: order.limit, intervalMs, count: flags.count };
  if (flags.watch) await watch(source, plan, flags.rate, commandLine());
  else if (source.each && !flags.rate && plan.sort === undefined && plan.format !== 'table') await streamOnce(source.each, plan, plan.format);
  else await showOnce(source, plan, flags.rate);
}

/**
 * Text of a streamed listing held back before any is written: a pass the
 * kernel marks inconsistent before then is read again, as a collected one
 * would be; past it, rows go out as they arrive and memory stays flat.
 */
export const STREAM_HOLD_BYTES = 4 << 20;
const STREAM_ATTEMPTS = 10;

/**
 * JSON or CSV of a list, written as the kernel dumps it: the same bytes as
 * showOnce's for the same rows in the same order. A pass interrupted while
 * its text is still held back (contexts came or went) is read again; one
 * interrupted later is finished and then fails, since rows are out already.
 */
export async function streamOnce(each: NonNullable<LiveSource['each']>, plan: LivePlan, format: 'json' | 'csv'): Promise<void> {
  await withMutexClient((client) => streamList(client, each, plan, format));
}

/** streamOnce on an open client, writing through `write` (stdout by default). */
export async function streamList(
  client: MutexClient,
  each: NonNullable<LiveSource['each']>,
  plan: Pick<LivePlan, 'view' | 'header' | 'limit'>,
  format: 'json' | 'csv',
  write: (text: string) => Promise<void> = writeOutput,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const writer = listWriter(plan.view, format, plan.header);
    let held: string[] | undefined = [];
    let heldLength = 0;
    let listed = 0;
    let failure: unknown;
    let written = Promise.resolve();
    const emit = (text: string): void => {
      if (text.length === 0) return;
      if (held === undefined) {
        // Written at once (stdout into a pipe or file is synchronous on Linux); a failure is thrown at the end.
        written = write(text).catch((error: unknown) => {
          failure ??= error;
        });
        return;
      }
      held.push(text);
      heldLength += text.length;
    };
    const commit = (): void => {
      if (held === undefined) return;
      const text = held.join('');
      held = undefined;
      emit(text);
    };
    const { interrupted } = await each(client, (rows, interruptedSoFar) => {
      const room = plan.limit === undefined ? rows.length : Math.max(0, plan.limit - listed);
      const shown = room < rows.length ? rows.slice(0, room) : rows;
      listed += shown.length;
      if (shown.length > 0) emit(writer.rows(shown));
      if (held !== undefined && heldLength > STREAM_HOLD_BYTES && !interruptedSoFar) commit();
    });
    if (interrupted && held !== undefined) {
      if (attempt < STREAM_ATTEMPTS) continue;
      throw new MutexctlError(`the list kept changing while it was read (inconsistent after ${attempt} attempts); try again`);
    }
    emit(writer.end());
    commit();
    await written;
    if (failure !== undefined) throw failure;
    if (interrupted) {
      throw new MutexctlError('contexts were created or closed while the list was written: it may miss flows of a new context or show some of a closed one; try again');
    }
    return;
  }
}

async function instanceIdOf(client: MutexClient, rows: readonly Row[]): Promise<bigint> {
  const fromRow = rows[0]?.instance_id;
  if (typeof fromRow === 'bigint') return fromRow;
  return (await statsGet(client)).instance_id ?? 0n;
}

interface Reading {
  readonly rows: Row[];
  readonly takenNs: bigint;
}

/** One snapshot, as rates when asked: `baseline` is updated to it. */
async function read(client: MutexClient, source: LiveSource, rate: boolean, baseline: { current?: RateBaseline }): Promise<Reading> {
  const takenNs = nowNs();
  const rows = await source.fetch(client);
  if (!rate) return { rows, takenNs };
  const instanceId = await instanceIdOf(client, rows);
  const rated = rateRows(source, rows, instanceId, takenNs, baseline.current);
  baseline.current = baselineOf(source, rows, instanceId, takenNs);
  return { rows: rated, takenNs };
}

function ordered(rows: readonly Row[], plan: LivePlan): Row[] {
  const sorted = plan.sort === undefined ? [...rows] : sortRows(rows, plan.sort);
  return plan.limit === undefined ? sorted : sorted.slice(0, plan.limit);
}

/** Without --watch: one snapshot (rates against the previous run's). */
export async function showOnce(source: LiveSource, plan: LivePlan, rate: boolean): Promise<void> {
  const baseline: { current?: RateBaseline } = { current: rate ? loadBaseline(source.name) : undefined };
  const reading = await withMutexClient((client) => read(client, source, rate, baseline));
  if (rate && baseline.current) await saveBaseline(source.name, baseline.current);
  const rows = ordered(reading.rows, plan);
  await writeOutput(renderView(plan.view, rows, { format: plan.format, shape: source.shape, header: plan.header, ...tableStyle(process.stdout) }));
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

/** --watch: a snapshot every interval until SIGINT/SIGTERM, --count, or the reader of stdout going away. */
export async function watch(source: LiveSource, plan: LivePlan, rate: boolean, commandLine: string): Promise<void> {
  const stdout = process.stdout;
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const unwatch = watchOutputClosed(stdout, stop);
  const stamped: View = { columns: [TAKEN_NS, ...plan.view.columns] };
  const style = tableStyle(stdout);
  const live = plan.format === 'table' && style.boxed;
  const baseline: { current?: RateBaseline } = {};
  try {
    await withMutexClient(async (client) => {
      for (let shown = 0; !controller.signal.aborted && (plan.count === undefined || shown < plan.count); shown++) {
        const started = Date.now();
        const reading = await read(client, source, rate, baseline);
        const rows = ordered(reading.rows, plan).map((row) => ({ ...row, taken_ns: reading.takenNs }));
        await writeOutput(renderTick(plan, source.shape, stamped, rows, { first: shown === 0, live, style, commandLine, takenNs: reading.takenNs }));
        if (plan.count !== undefined && shown + 1 >= plan.count) break;
        await sleep(Math.max(0, plan.intervalMs - (Date.now() - started)), controller.signal);
      }
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    unwatch();
  }
}

interface TickOptions {
  readonly first: boolean;
  readonly live: boolean;
  readonly style: TableStyle;
  readonly commandLine: string;
  readonly takenNs: bigint;
}

function renderTick(plan: LivePlan, shape: ViewShape, stamped: View, rows: readonly Row[], tick: TickOptions): string {
  switch (plan.format) {
    case 'json': {
      const objects = rows.map((row) => rowToJson(stamped, row));
      return `${toJsonLine(shape === 'record' ? (objects[0] ?? {}) : objects)}\n`;
    }
    case 'csv':
      return renderView(stamped, rows, { format: 'csv', shape, header: plan.header && tick.first, color: false });
    case 'table': {
      const when = new Date(Number(tick.takenNs / 1_000_000n)).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
      const heading = `Every ${plan.intervalMs / 1000}s: ${escapeControl(tick.commandLine)}    ${when}\n\n`;
      const table = renderView(plan.view, rows, { format: 'table', shape, header: plan.header, ...tick.style });
      // On a terminal: redraw in place (cursor home, clear screen); in a pipe or file: one block per snapshot.
      return tick.live ? `\x1b[H\x1b[2J${heading}${table}` : `${tick.first ? '' : '\n'}${heading}${table}`;
    }
  }
}
