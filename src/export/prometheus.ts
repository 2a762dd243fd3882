// The Prometheus text exposition format (version 0.0.4), as node_exporter's
// textfile collector reads it: every family once with HELP and TYPE, names
// under `mutex_`, counters ending in `_total`, base units (bytes, seconds).
// Per-connection series only when the conn scope is asked for (cardinality).
import { figures, type AlertAttrs, type ConnAttrs, type DropReasonAttrs, type FdAttrs, type StatsAttrs } from '../spec/generated.js';
import { formatAddress, formatEndpoint } from '../output/index.js';
import { alertTypeName, enumName, enumNames } from '../spec/enums.js';
import { dropReasonTally, protocolName } from '../views/common.js';
import type { Snapshot } from './snapshot.js';

type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';
type Labels = Readonly<Record<string, string>>;

interface Sample {
  readonly suffix: string;
  readonly labels: Labels;
  readonly value: string;
}

interface Family {
  readonly help: string;
  readonly type: MetricType;
  /** Its samples, written out as they come (`mutexctl serve --conn-series` may have millions). */
  readonly lines: string[];
}

/** A plain number sample, with µs or ns scaled to seconds. */
interface SimpleMetric {
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly help: string;
  readonly unit?: 'us' | 'ns';
  /** Extra constant labels, e.g. result="hit". */
  readonly labels?: Labels;
}

type FigureSet = 'stats' | 'fd' | 'conn';

/** The catalog's metrics of one set (kernel/counters.yaml): attribute key → metric. */
function metricsOf(set: FigureSet): Readonly<Record<string, SimpleMetric>> {
  const table: Record<string, SimpleMetric> = {};
  for (const [key, figure] of Object.entries(figures[set] ?? {})) {
    const prometheus = figure.prometheus;
    if (!prometheus || figure.kind === 'reasons') continue;
    const unit = figure.unit === 'us' || figure.unit === 'ns' ? figure.unit : undefined;
    table[key] = {
      name: prometheus.name,
      type: figure.kind === 'counter' ? 'counter' : 'gauge',
      help: prometheus.help,
      ...(unit ? { unit } : {}),
      ...(prometheus.labels ? { labels: prometheus.labels } : {}),
    };
  }
  return table;
}

/** What each attribute of the stats set becomes; the RTT sum and samples become the mutex_rtt_seconds summary. */
export const GLOBAL_METRICS: Readonly<Partial<Record<keyof StatsAttrs, SimpleMetric>>> = metricsOf('stats');

/** Per-context metrics (labels fd and name); the RTT histogram becomes mutex_fd_rtt_seconds. */
export const FD_METRICS: Readonly<Partial<Record<keyof FdAttrs, SimpleMetric>>> = metricsOf('fd');

/** Per-connection metrics (labels conn, fd, protocol, local, remote). */
export const CONN_METRICS: Readonly<Partial<Record<keyof ConnAttrs, SimpleMetric>>> = metricsOf('conn');

/**
 * Attributes that are not a metric of their own (identities, text, a part of a
 * composite metric, a 0/1 property of a flow): the catalog's `prometheus: none`.
 */
export const NOT_METRICS = new Set(
  (['stats', 'fd', 'conn'] as const).flatMap((set) =>
    Object.entries(figures[set] ?? {})
      .filter(([, figure]) => figure.prometheus === null)
      .map(([key]) => key),
  ),
);

export function escapeLabelValue(value: string): string {
  if (!/[\\\n"]/.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

// Label values are ASCII names: code-unit order, no ICU collation.
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([key, value]) => `${key}="${escapeLabelValue(value)}"`).join(',')}}`;
}

/** A decimal number of seconds from integer µs or ns, without float rounding of the integer part. */
export function toSeconds(value: bigint, unit: 'us' | 'ns'): string {
  const scale = unit === 'us' ? 1_000_000n : 1_000_000_000n;
  const digits = unit === 'us' ? 6 : 9;
  const whole = value / scale;
  const fraction = (value % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return fraction === '' ? whole.toString() : `${whole}.${fraction}`;
}

class Exposition {
  private readonly families = new Map<string, Family>();
  // The label set of the previous sample, rendered: a flow's or a context's
  // figures come one after another with the same labels.
  private lastLabels: Labels | undefined;
  private lastLabelText = '';

  add(name: string, type: MetricType, help: string, sample: Sample): void {
    let family = this.families.get(name);
    if (!family) {
      family = { help, type, lines: [] };
      this.families.set(name, family);
    }
    if (sample.labels !== this.lastLabels) {
      this.lastLabels = sample.labels;
      this.lastLabelText = labelText(sample.labels);
    }
    family.lines.push(`${name}${sample.suffix}${this.lastLabelText} ${sample.value}`);
  }

  simple(metric: SimpleMetric, value: bigint | number | undefined, labels: Labels): void {
    if (value === undefined) return;
    const big = BigInt(value);
    const text = metric.unit ? toSeconds(big, metric.unit) : big.toString();
    this.add(metric.name, metric.type, metric.help, { suffix: '', labels: metric.labels ? { ...labels, ...metric.labels } : labels, value: text });
  }

  render(): string {
    const parts: string[] = [];
    for (const [name, family] of this.families) parts.push(`# HELP ${name} ${family.help}\n# TYPE ${name} ${family.type}\n${family.lines.join('\n')}\n`);
    return parts.join('');
  }
}

function addSimple<T extends object>(out: Exposition, table: Readonly<Partial<Record<keyof T, SimpleMetric>>>, attrs: T, labels: Labels): void {
  for (const [key, metric] of Object.entries(table) as [keyof T & string, SimpleMetric][]) {
    out.simple(metric, attrs[key] as bigint | number | undefined, labels);
  }
}

/** Each figure of the set counted by the kernel's drop reason: one series per reason, labelled reason. */
function addByReason(out: Exposition, set: FigureSet, attrs: FdAttrs | ConnAttrs, labels: Labels): void {
  for (const [key, figure] of Object.entries(figures[set] ?? {})) {
    if (figure.kind !== 'reasons' || !figure.prometheus) continue;
    const tally = dropReasonTally((attrs as Record<string, unknown>)[key] as DropReasonAttrs[] | undefined);
    for (const [reason, count] of Object.entries(tally)) {
      out.add(figure.prometheus.name, 'counter', figure.prometheus.help, { suffix: '', labels: { ...labels, reason }, value: count.toString() });
    }
  }
}

/** The log2 histogram as a Prometheus histogram: bucket i's upper bound is 2^i - 1 µs (0 for bucket 0), the last is +Inf. */
function addRttHistogram(out: Exposition, name: string, help: string, fd: FdAttrs, labels: Labels): void {
  const hist = fd.rtt_hist ?? [];
  let cumulative = 0n;
  hist.forEach((count, i) => {
    cumulative += count;
    const le = i === hist.length - 1 ? '+Inf' : toSeconds(i === 0 ? 0n : (1n << BigInt(i)) - 1n, 'us');
    out.add(name, 'histogram', help, { suffix: '_bucket', labels: { ...labels, le }, value: cumulative.toString() });
  });
  if (hist.length === 0) out.add(name, 'histogram', help, { suffix: '_bucket', labels: { ...labels, le: '+Inf' }, value: '0' });
  out.add(name, 'histogram', help, { suffix: '_sum', labels, value: toSeconds(fd.rtt_sum_us ?? 0n, 'us') });
  out.add(name, 'histogram', help, { suffix: '_count', labels, value: cumulative.toString() });
}

function addRttSummary(out: Exposition, name: string, help: string, attrs: { rtt_sum_us?: bigint; rtt_samples?: bigint }, labels: Labels): void {
  if (attrs.rtt_samples === undefined) return;
  out.add(name, 'summary', help, { suffix: '_sum', labels, value: toSeconds(attrs.rtt_sum_us ?? 0n, 'us') });
  out.add(name, 'summary', help, { suffix: '_count', labels, value: attrs.rtt_samples.toString() });
}

/** What `mutexctl serve` adds about itself: mutex_up and the mutex_exporter_* families. */
export interface ExporterStatus {
  /** The module answered this snapshot (mutex_up 1); 0 while it is not loaded. */
  readonly up: boolean;
  /** Kernel snapshots taken since the exporter started (concurrent scrapes share one). */
  readonly snapshots: number;
  /** How long this snapshot's kernel reads took. */
  readonly snapshotSeconds: number;
}

export interface PrometheusOptions {
  /** Per-connection series (the conn scope). */
  readonly perConnection: boolean;
  /**
   * At most this many flows get series of their own: those with the lowest
   * ids (the oldest, so a flow's series does not come and go between
   * scrapes). With `exporter`, the others are counted in
   * mutex_exporter_conn_series_omitted.
   */
  readonly maxConnections?: number;
  readonly exporter?: ExporterStatus;
}

function fdLabels(fd: FdAttrs): Labels {
  return { fd: String(fd.id ?? 0), name: fd.name ?? '' };
}

function addFd(out: Exposition, fd: FdAttrs, conns: readonly ConnAttrs[] | undefined): void {
  const labels = fdLabels(fd);
  addSimple(out, FD_METRICS, fd, labels);
  addByReason(out, 'fd', fd, labels);
  addRttHistogram(out, 'mutex_fd_rtt_seconds', 'Smoothed-RTT samples of the context (log2 buckets).', fd, labels);
  for (const type of enumNames('alert-type').map((_, bit) => bit)) {
    out.add('mutex_fd_alert_active', 'gauge', 'Whether an alert of this type is raised now for the context (1) or not (0).', {
      suffix: '',
      labels: { ...labels, type: alertTypeName(type)! },
      value: (fd.alerts_active ?? 0) & (1 << type) ? '1' : '0',
    });
  }
  if (!conns) return;
  const counts = new Map<string, { protocol: string; state: string; count: number }>();
  for (const conn of conns) {
    if (conn.fd_id !== fd.id) continue;
    const protocol = protocolName(conn.protocol) ?? 'unknown';
    const state = enumName('flow-state', conn.state) ?? 'unknown';
    const key = `${protocol}/${state}`;
    const entry = counts.get(key) ?? { protocol, state, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  for (const { protocol, state, count } of [...counts.values()].sort((a, b) => compareText(a.protocol + a.state, b.protocol + b.state))) {
    out.add('mutex_fd_flows', 'gauge', 'Flows of the context in the flow table now, by protocol and state.', {
      suffix: '',
      labels: { ...labels, protocol, state },
      value: String(count),
    });
  }
}

function addConn(out: Exposition, conn: ConnAttrs): void {
  const endpoint = (address: Uint8Array | undefined, port: number | undefined): string =>
    address ? formatEndpoint(formatAddress(address), port) : '';
  const labels: Labels = {
    conn: String(conn.id ?? 0n),
    fd: String(conn.fd_id ?? 0),
    protocol: protocolName(conn.protocol) ?? 'unknown',
    local: endpoint(conn.local_addr, conn.local_port),
    remote: endpoint(conn.remote_addr, conn.remote_port),
  };
  addSimple(out, CONN_METRICS, conn, labels);
  addByReason(out, 'conn', conn, labels);
  addRttSummary(out, 'mutex_conn_rtt_seconds', 'Smoothed-RTT samples of the flow.', conn, labels);
}

function addAlerts(out: Exposition, alerts: readonly AlertAttrs[]): void {
  const last = alerts.reduce((max, alert) => ((alert.seq ?? 0n) > max ? (alert.seq ?? 0n) : max), 0n);
  out.add('mutex_alert_ring_last_sequence', 'gauge', 'Sequence number of the newest alert in the ring (0 when empty).', {
    suffix: '',
    labels: {},
    value: last.toString(),
  });
  const counts = new Map<string, number>();
  for (const alert of alerts) {
    const key = `${alertTypeName(alert.type)}\0${enumName('alert-state', alert.state)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const type of enumNames('alert-type').map((_, bit) => alertTypeName(bit)!)) {
    for (const state of enumNames('alert-state')) {
      out.add('mutex_alert_ring_events', 'gauge', 'Alert events kept in the ring, by type and state.', {
        suffix: '',
        labels: { type, state },
        value: String(counts.get(`${type}\0${state}`) ?? 0),
      });
    }
  }
}

/** The flows that get series of their own: all, or the `max` with the lowest ids. */
function connectionsShown(conns: readonly ConnAttrs[], max: number | undefined): readonly ConnAttrs[] {
  if (max === undefined || conns.length <= max) return conns;
  const id = (conn: ConnAttrs): bigint => conn.id ?? 0n;
  return [...conns].sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0)).slice(0, max);
}

function addExporter(out: Exposition, status: ExporterStatus): void {
  const gauge = (name: string, help: string, value: string): void => out.add(name, 'gauge', help, { suffix: '', labels: {}, value });
  gauge('mutex_up', 'Whether the mutex module answered this scrape (1) or is not loaded (0).', status.up ? '1' : '0');
  out.add('mutex_exporter_snapshots_total', 'counter', 'Kernel snapshots mutexctl serve took since it started; concurrent scrapes share one.', {
    suffix: '',
    labels: {},
    value: String(status.snapshots),
  });
  gauge('mutex_exporter_snapshot_duration_seconds', 'How long the kernel reads of this snapshot took.', String(status.snapshotSeconds));
}

export function renderPrometheus(snapshot: Snapshot, options: PrometheusOptions): string {
  const out = new Exposition();
  if (options.exporter) addExporter(out, options.exporter);
  const { stats } = snapshot;
  if (stats) {
    if (stats.instance_id !== undefined) {
      out.add('mutex_module_info', 'gauge', 'The loaded module; instance_id changes on every load.', {
        suffix: '',
        labels: { instance_id: stats.instance_id.toString() },
        value: '1',
      });
    }
    addSimple(out, GLOBAL_METRICS, stats, {});
    addRttSummary(out, 'mutex_rtt_seconds', 'Smoothed-RTT samples of tracked TCP sockets.', stats, {});
  }
  for (const fd of snapshot.fds ?? []) addFd(out, fd, snapshot.conns);
  if (options.perConnection) {
    const conns = snapshot.conns ?? [];
    const shown = connectionsShown(conns, options.maxConnections);
    for (const conn of shown) addConn(out, conn);
    if (options.exporter) {
      out.add('mutex_exporter_conn_series_omitted', 'gauge', 'Flows left without series of their own in this scrape: above --max-conn-series.', {
        suffix: '',
        labels: {},
        value: String(conns.length - shown.length),
      });
    }
  }
  if (snapshot.alerts) addAlerts(out, snapshot.alerts);
  return out.render();
}
