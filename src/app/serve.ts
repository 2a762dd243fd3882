// What `serve` does: a Prometheus exporter. GET /metrics takes one snapshot
// of the kernel (global, contexts, flows, alert ring) and renders it with the
// same code as `export --format prometheus`, plus mutex_up and the
// exporter's own figures. Scrapes that arrive while a snapshot is being taken
// share it (one dump at a time, one rendering, one gzip). The module may come
// and go: while it is not loaded every scrape still succeeds, with mutex_up 0;
// after a reload the counters start again from zero under a new
// mutex_module_info{instance_id}.
import { describeError, ExitCode, UsageError } from '../errors.js';
import { renderPrometheus } from '../export/prometheus.js';
import { captureSnapshot, nowNs, type Scope, type Snapshot } from '../export/snapshot.js';
import { formatListenAddress, gzipOnce, serveHttp, type HttpReply, type ListenAddress } from '../http/server.js';
import { withMutexClient } from '../kernel/operations.js';
import { writeOutput } from '../output/index.js';
import { SingleFlight } from './single-flight.js';

/** The default of --listen: loopback only; a port outside the registry's taken 9100-9999 range is not to be had. */
export const DEFAULT_LISTEN = '127.0.0.1:9477';

/** The default of --max-conn-series. */
export const DEFAULT_MAX_CONN_SERIES = 10_000;

/** Flows are read even without per-flow series: mutex_fd_flows counts them by protocol and state. */
const SCOPES: readonly Scope[] = ['global', 'fd', 'conn', 'alerts'];

const METRICS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface ExporterOptions {
  /** Per-flow series (mutex_conn_*), off by default: one series per flow and figure. */
  readonly connSeries: boolean;
  /** With connSeries: at most this many flows get series; the rest are counted. */
  readonly maxConnSeries: number;
  /** Where snapshots come from: the kernel, or a stand-in in unit tests. */
  readonly capture?: (scopes: readonly Scope[]) => Promise<Snapshot>;
  /** One line about the module coming, going or failing. */
  readonly log?: (line: string) => void;
}

function captureFromKernel(scopes: readonly Scope[]): Promise<Snapshot> {
  return withMutexClient((client) => captureSnapshot(client, { scopes }));
}

/** The module's state as the log reports it: its instance, absent, or the error that hides it. */
type ModuleState = { kind: 'up'; instance: string } | { kind: 'absent' } | { kind: 'failing'; message: string };

function stateLine(previous: ModuleState | undefined, now: ModuleState): string | undefined {
  switch (now.kind) {
    case 'up':
      if (previous?.kind === 'up') {
        return previous.instance === now.instance ? undefined : `the mutex module was reloaded (instance ${previous.instance} -> ${now.instance}); its counters start again from zero`;
      }
      return `the mutex module answers (instance ${now.instance}): mutex_up 1`;
    case 'absent':
      return previous?.kind === 'absent' ? undefined : 'the mutex module is not loaded: mutex_up 0 until it is';
    case 'failing':
      return previous?.kind === 'failing' && previous.message === now.message ? undefined : `reading the mutex module failed: ${now.message}; mutex_up 0`;
  }
}

export class MetricsExporter {
  private snapshots = 0;
  private state: ModuleState | undefined;
  private readonly flight = new SingleFlight(() => this.take());

  constructor(private readonly options: ExporterOptions) {}

  /** The /metrics reply: the snapshot in flight, or a new one. */
  metrics(): Promise<HttpReply> {
    return this.flight.run();
  }

  private async take(): Promise<HttpReply> {
    const capture = this.options.capture ?? captureFromKernel;
    const started = process.hrtime.bigint();
    let snapshot: Snapshot;
    let state: ModuleState;
    try {
      snapshot = await capture(SCOPES);
      state = { kind: 'up', instance: String(snapshot.stats?.instance_id ?? '?') };
    } catch (error) {
      const { message, exitCode } = describeError(error);
      snapshot = { takenNs: nowNs(), scopes: [] };
      state = exitCode === ExitCode.moduleNotLoaded ? { kind: 'absent' } : { kind: 'failing', message };
    }
    this.snapshots++;
    const line = stateLine(this.state, state);
    this.state = state;
    if (line !== undefined) this.options.log?.(line);
    const text = renderPrometheus(snapshot, {
      perConnection: this.options.connSeries,
      maxConnections: this.options.maxConnSeries,
      exporter: {
        up: state.kind === 'up',
        snapshots: this.snapshots,
        snapshotSeconds: Number(process.hrtime.bigint() - started) / 1e9,
      },
    });
    const body = Buffer.from(text);
    return { status: 200, contentType: METRICS_TYPE, body, gzipped: gzipOnce(body) };
  }
}

const text = (status: number, body: string): HttpReply => ({ status, contentType: 'text/plain; charset=utf-8', body: Buffer.from(body) });

export interface ServeRequest extends ExporterOptions {
  readonly listen: ListenAddress;
  readonly bin: string;
  /** Stops serving (SIGINT/SIGTERM by default). */
  readonly signal?: AbortSignal;
}

/** --max-conn-series without --conn-series means nothing: say so. */
export function checkConnSeries(connSeries: boolean, maxConnSeries: number | undefined): number {
  if (maxConnSeries !== undefined && !connSeries) throw new UsageError('--max-conn-series caps the per-flow series of --conn-series: add --conn-series');
  return maxConnSeries ?? DEFAULT_MAX_CONN_SERIES;
}

/** Serves /metrics, /healthz and / until the signal (or SIGINT/SIGTERM). */
export async function runServe(request: ServeRequest): Promise<void> {
  const log = (line: string): void => void writeOutput(`${request.bin} serve: ${line}\n`, process.stderr);
  const exporter = new MetricsExporter({ log, ...request });
  const server = await serveHttp(request.listen, {
    '/metrics': () => exporter.metrics(),
    '/healthz': () => Promise.resolve(text(200, 'ok\n')),
    '/': () => Promise.resolve(text(200, `${request.bin} serve: the mutex module's statistics for Prometheus at /metrics; /healthz answers ok while it runs\n`)),
  });
  log(`listening on http://${formatListenAddress(server.address)}/metrics${request.connSeries ? ` (per-flow series, at most ${request.maxConnSeries} flows)` : ''}`);
  let stop = (): void => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  if (request.signal?.aborted) stop();
  request.signal?.addEventListener('abort', stop, { once: true });
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await stopped;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await server.close();
  }
}
