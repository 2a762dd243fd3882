// The export formats on hand-made snapshots. The same properties are checked
// on real snapshots of the real module in test/vm/export.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ConnAttrs, FdAttrs, StatsAttrs } from '../../src/spec/generated.js';
import { aggregateFds, histogramPercentile } from '../../src/export/aggregate.js';
import { decodeSnapshot, encodeSnapshot, SnapshotFormatError } from '../../src/export/binary.js';
import { CONN_METRICS, FD_METRICS, GLOBAL_METRICS, NOT_METRICS, renderPrometheus, toSeconds } from '../../src/export/prometheus.js';
import { renderExport, renderExportCsv, renderExportJson } from '../../src/export/render.js';
import type { Snapshot } from '../../src/export/snapshot.js';
import { UsageError } from '../../src/errors.js';
import { renderView, selectColumns, type Row, type View } from '../../src/output/index.js';
import { alertRow, alertView } from '../../src/views/alerts.js';
import { connRow, connView } from '../../src/views/conn.js';
import { fdRow, fdView } from '../../src/views/fd.js';
import { metricType } from '../../src/views/metrics.js';
import { statsRow, statsView } from '../../src/views/stats.js';
import { withEveryFigure } from './helpers/contract.js';

const TAKEN = 1_764_460_800_123_000_000n;

function hist(buckets: Record<number, bigint>): bigint[] {
  return Array.from({ length: 32 }, (_, i) => buckets[i] ?? 0n);
}

const stats: StatsAttrs = {
  instance_id: 0xdead_beef_cafe_f00dn,
  load_time_ns: TAKEN - 60_000_000_000n,
  fds_total: 3n,
  fds_active: 2,
  conns_total: 10n,
  conns_open: 2n,
  bytes_sent: 2n ** 64n - 1n,
  bytes_received: 5000n,
  packets_sent: 7n,
  packets_received: 9n,
  retransmits: 1n,
  errors: 2n,
  drops: 3n,
  rtt_samples: 4n,
  rtt_sum_us: 4_000n,
  rtt_min_us: 500n,
  rtt_max_us: 1_500n,
  sent_bytes_per_sec: 100n,
  sent_bytes_per_sec_peak: 1000n,
  received_bytes_per_sec: 50n,
  received_bytes_per_sec_peak: 500n,
  conns_per_sec: 1n,
  conns_per_sec_peak: 4n,
  lookups_hit: 11n,
  lookups_miss: 12n,
  flow_buckets: 65536,
  flow_limit: 262144,
  flows_evicted: 5n,
  flows_untracked: 0n,
  memory_bytes: 600_000n,
  unmatched_packets: 13n,
  alerts_raised: 2n,
  alerts_cleared: 1n,
  alerts_overwritten: 0n,
  alerts_notify_dropped: 0n,
  flows_tracked: 3n,
};

function fd(id: number, name: string, samples: Record<number, bigint>, sumUs: bigint, min: bigint, max: bigint, extra: Partial<FdAttrs> = {}): FdAttrs {
  const rtt_hist = hist(samples);
  const rtt_samples = rtt_hist.reduce((a, b) => a + b, 0n);
  return {
    id,
    name,
    selector: `name=${name} scope=all`,
    owner_tgid: 100 + id,
    owner_uid: 0,
    owner_comm: 'proxy',
    created_ns: TAKEN - 10_000_000_000n,
    uptime_ns: 10_000_000_000n,
    conns_open: 1n,
    conns_total: 2n,
    bytes_sent: 1000n * BigInt(id),
    bytes_received: 2000n * BigInt(id),
    packets_sent: 10n,
    packets_received: 20n,
    retransmits: 0n,
    errors: 0n,
    drops: 0n,
    rtt_samples,
    rtt_sum_us: sumUs,
    rtt_min_us: min,
    rtt_max_us: max,
    rtt_p50_us: histogramPercentile(rtt_hist, rtt_samples, 50),
    rtt_p90_us: histogramPercentile(rtt_hist, rtt_samples, 90),
    rtt_p99_us: histogramPercentile(rtt_hist, rtt_samples, 99),
    rtt_hist,
    sent_bytes_per_sec: 10n,
    sent_bytes_per_sec_peak: 20n,
    received_bytes_per_sec: 30n,
    received_bytes_per_sec_peak: 40n,
    conns_per_sec: 0n,
    conns_per_sec_peak: 1n,
    alerts_active: 0,
    flows_tracked: 2n,
    ...extra,
  };
}

// 1 sample of ~100 ms vs 99 samples of ~1 ms: an average of averages would say ~50 ms.
const slow = fd(3, 'slow "one"\\', { 17: 1n }, 100_000n, 100_000n, 100_000n, { alerts_active: 1 });
const fast = fd(5, 'fast', { 10: 99n }, 99_000n, 900n, 1_000n);
const idle = fd(7, 'idle', {}, 0n, 0n, 0n);

const conn: ConnAttrs = {
  id: 42n,
  fd_id: 3,
  family: 10,
  protocol: 6,
  local_addr: Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 1]),
  local_port: 443,
  remote_addr: Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 2]),
  remote_port: 50000,
  direction: 1,
  state: 1,
  start_ns: TAKEN - 5_000_000_000n,
  last_ns: TAKEN - 1_000_000n,
  bytes_sent: 100n,
  bytes_received: 200n,
  packets_sent: 1n,
  packets_received: 2n,
  retransmits: 0n,
  errors: 0n,
  drops: 0n,
  rtt_samples: 1n,
  rtt_sum_us: 1_234n,
  rtt_min_us: 1_234n,
  rtt_max_us: 1_234n,
  midstream: 0,
};

// Every figure present (0 where the tests do not care), as the kernel sends them all.
const snapshot: Snapshot = {
  takenNs: TAKEN,
  scopes: ['global', 'fd', 'conn', 'alerts'],
  stats: withEveryFigure('stats', stats),
  fds: [slow, fast, idle].map((fd) => withEveryFigure('fd', fd)),
  conns: [withEveryFigure('conn', conn)],
  alerts: [{ seq: 9n, time_ns: TAKEN - 1n, type: 0, severity: 7, state: 0, fd_id: 3, value: 612_000n, threshold: 500_000n, message: 'fd 3 (slow): latency 612 ms > 500 ms' }],
};

const everything = { scopes: snapshot.scopes, aggregate: false, header: true };

describe('binary snapshots', () => {
  it('decode what they encode, and render the same JSON as the snapshot they came from', () => {
    const bytes = encodeSnapshot(snapshot);
    assert.equal(bytes.subarray(0, 8).toString('latin1'), 'MUTEXSNP');
    assert.equal(bytes.readUInt16LE(8), 1);
    const decoded = decodeSnapshot(bytes);
    // Buffer.toJSON runs before a replacer; spell both kinds of bytes the same way.
    const bytesOf = (v: unknown): unknown => (v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' ? (v as { data: unknown }).data : v);
    const plain = (value: Snapshot): unknown =>
      JSON.parse(JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : bytesOf(v))));
    assert.deepEqual(plain(decoded), plain(snapshot));
    assert.equal(renderExportJson(decoded, everything), renderExportJson(snapshot, everything));
    assert.ok(encodeSnapshot(decoded).equals(bytes), 'binary → binary is byte-identical');
  });

  it('refuse what is not a snapshot, saying why', () => {
    const bytes = encodeSnapshot(snapshot);
    assert.throws(() => decodeSnapshot(Buffer.from('{"format":"mutex-export"}'), 'x.json'), (error: unknown) => error instanceof SnapshotFormatError && /x\.json .*magic/.test(error.message));
    const future = Buffer.from(bytes);
    future.writeUInt16LE(2, 8);
    assert.throws(() => decodeSnapshot(future), /version 2/);
    assert.throws(() => decodeSnapshot(bytes.subarray(0, bytes.length - 5)), /truncated|missing/);
  });
});

describe('--aggregate', () => {
  const total = aggregateFds([slow, fast, idle]);

  it('sums counters and histograms and weights the RTT average by samples', () => {
    assert.equal(total.bytes_sent, 1000n * (3n + 5n + 7n));
    assert.equal(total.conns_open, 3n);
    assert.equal(total.conns_total, 6n);
    assert.equal(total.flows_tracked, 6n);
    assert.equal(total.rtt_samples, 100n);
    assert.equal(total.rtt_sum_us, 199_000n);
    assert.equal(total.rtt_hist?.[10], 99n);
    assert.equal(total.rtt_hist?.[17], 1n);
    // 199 000 / 100 = 1 990 µs, not (100 000 + 1 000) / 2.
    const json = JSON.parse(renderExportJson({ ...snapshot, fds: [slow, fast, idle] }, { scopes: ['fd'], aggregate: true, header: true }));
    assert.equal(json.aggregate.rtt_avg_us, 1990);
    assert.deepEqual(json.aggregate.fd_ids, ['3', '5', '7']);
    assert.equal(json.fds, undefined);
  });

  it('takes min over contexts with samples only, max over all, and percentiles from the summed histogram', () => {
    assert.equal(total.rtt_min_us, 900n);
    assert.equal(total.rtt_max_us, 100_000n);
    assert.equal(total.rtt_p50_us, 1023n); // bucket 10: 512-1023 µs
    assert.equal(total.rtt_p99_us, 1023n); // the 99th of 100 samples is still in bucket 10
    assert.equal(aggregateFds([slow, fast, fast]).rtt_p99_us, 1023n);
    assert.equal(aggregateFds([slow]).rtt_p50_us, slow.rtt_p50_us);
    assert.equal(total.alerts_active, 1);
  });

  it('of one context equals the kernel percentiles of that context', () => {
    for (const one of [slow, fast, idle]) {
      const agg = aggregateFds([one]);
      assert.deepEqual([agg.rtt_p50_us, agg.rtt_p90_us, agg.rtt_p99_us], [one.rtt_p50_us, one.rtt_p90_us, one.rtt_p99_us]);
    }
  });
});

describe('Prometheus text', () => {
  const text = renderPrometheus(snapshot, { perConnection: true });

  it('passes promtool check metrics', () => {
    const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(result.error, undefined, 'promtool must be installed (Debian package prometheus)');
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    assert.equal(`${result.stdout}${result.stderr}`.trim(), '');
  });

  it('names everything mutex_*, with _total exactly on counters, and seconds for times', () => {
    const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    for (const [name, type] of types) {
      assert.match(name, /^mutex_[a-z0-9_]+$/);
      assert.equal(name.endsWith('_total'), type === 'counter', name);
      assert.doesNotMatch(name, /_(us|ns|ms|sec)(_|$)/, name);
    }
    assert.match(text, /^mutex_sent_bytes_total 18446744073709551615$/m);
    assert.match(text, /^mutex_rtt_seconds_sum 0\.004$/m);
    assert.match(text, /^mutex_flow_lookups_total\{result="miss"\} 12$/m);
  });

  it('exports open connections and tracked flows as gauges, started connections as a counter', () => {
    const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    assert.equal(types.get('mutex_connections_open'), 'gauge');
    assert.equal(types.get('mutex_flows_tracked'), 'gauge');
    assert.equal(types.get('mutex_fd_connections_open'), 'gauge');
    assert.equal(types.get('mutex_fd_flows_tracked'), 'gauge');
    assert.equal(types.get('mutex_connections_tracked_total'), 'counter');
    assert.match(text, /^mutex_connections_open 2$/m);
    assert.match(text, /^mutex_flows_tracked 3$/m);
    assert.match(text, /^mutex_connections_tracked_total 10$/m);
    assert.match(text, /^mutex_fd_connections_open\{fd="5",name="fast"\} 1$/m);
    assert.match(text, /^mutex_fd_flows_tracked\{fd="5",name="fast"\} 2$/m);
    assert.doesNotMatch(text, /midstream/);
    for (const [set, key] of [['stats', 'conns_open'], ['stats', 'flows_tracked'], ['fd', 'conns_open'], ['fd', 'flows_tracked']] as const) {
      const column = (set === 'stats' ? statsView() : fdView()).columns.find((c) => c.key === key)!;
      assert.equal(metricType(column), 'gauge', `${set}.${key}`);
    }
    assert.equal(metricType(statsView().columns.find((c) => c.key === 'flows_untracked')!), 'counter');
    assert.equal(metricType(statsView().columns.find((c) => c.key === 'conns_total')!), 'counter');
  });

  it('escapes label values and gives histograms cumulative buckets ending at +Inf = _count', () => {
    assert.match(text, /mutex_fd_sent_bytes_total\{fd="3",name="slow \\"one\\"\\\\"\} 3000/);
    const buckets = [...text.matchAll(/^mutex_fd_rtt_seconds_bucket\{fd="5",name="fast",le="([^"]+)"\} (\d+)$/gm)];
    assert.equal(buckets.length, 32);
    assert.equal(buckets.at(-1)![1], '+Inf');
    const counts = buckets.map((m) => Number(m[2]));
    assert.deepEqual(counts, [...counts].sort((a, b) => a - b));
    assert.match(text, /^mutex_fd_rtt_seconds_count\{fd="5",name="fast"\} 99$/m);
    assert.match(text, /^mutex_fd_rtt_seconds_bucket\{fd="5",name="fast",le="0\.001023"\} 99$/m);
    assert.match(text, /^mutex_fd_flows\{fd="3",name="slow \\"one\\"\\\\",protocol="tcp",state="established"\} 1$/m);
    assert.match(text, /^mutex_fd_alert_active\{fd="3",name="[^}]*",type="high_latency"\} 1$/m);
  });

  it('has per-connection series only on request', () => {
    assert.match(text, /^mutex_conn_sent_bytes_total\{conn="42",fd="3",protocol="tcp",local="\[2001:db8::1\]:443",remote="\[2001:db8::2\]:50000"\} 100$/m);
    assert.doesNotMatch(renderPrometheus(snapshot, { perConnection: false }), /mutex_conn_/);
  });

  it('maps every numeric attribute of stats, fd and conn, or says why not', () => {
    const tables: [string, object, ReturnType<typeof statsView>][] = [
      ['stats', GLOBAL_METRICS, statsView()],
      ['fd', FD_METRICS, fdView()],
      ['conn', CONN_METRICS, connView()],
    ];
    for (const [set, table, view] of tables) {
      for (const column of view.columns) {
        if (metricType(column) === undefined && !column.key.endsWith('_ns')) continue;
        if (['id', 'fd_id', 'rtt_avg_us'].includes(column.key)) continue;
        assert.ok(Object.hasOwn(table, column.key) || NOT_METRICS.has(column.key), `${set}.${column.key} has no metric`);
      }
    }
  });

  it('writes seconds exactly', () => {
    assert.equal(toSeconds(1_500n, 'us'), '0.0015');
    assert.equal(toSeconds(2_000_000n, 'us'), '2');
    assert.equal(toSeconds(1_764_460_800_123_000_000n, 'ns'), '1764460800.123');
  });
});

describe('CSV export', () => {
  it('is one table with taken_ns in front', () => {
    const csv = renderExportCsv(snapshot, { scopes: ['global'], aggregate: false, header: true });
    const [header, row, end] = csv.split('\r\n');
    assert.equal(header, ['taken_ns', ...statsView().columns.map((c) => c.key)].join(','));
    assert.ok(row!.startsWith(`${TAKEN},${stats.instance_id},`));
    assert.equal(end, '');
    assert.equal(renderExportCsv(snapshot, { scopes: ['fd'], aggregate: false, header: false }).split('\r\n').length, 4);
  });

  it('refuses several scopes', () => {
    assert.throws(() => renderExport(snapshot, 'csv', everything), UsageError);
  });
});

describe('JSON Schemas (docs/schema)', () => {
  const directory = join(import.meta.dirname, '../../../docs/schema');
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  const compiled = Object.fromEntries(
    readdirSync(directory).map((file) => [file.replace('.schema.json', ''), ajv.compile(JSON.parse(readFileSync(join(directory, file), 'utf8')))]),
  );

  interface ExportDocument {
    stats: Record<string, unknown>;
    fds: unknown[];
    conns: Record<string, unknown>[];
    alerts: unknown[];
  }
  const exported = (): ExportDocument => JSON.parse(renderExportJson(snapshot, everything)) as ExportDocument;

  it('accept the JSON export', () => {
    const document = exported();
    assert.ok(compiled.export!(exported()), JSON.stringify(compiled.export!.errors));
    assert.ok(compiled.stats!(document.stats), JSON.stringify(compiled.stats!.errors));
    assert.ok(compiled.fd!(document.fds), JSON.stringify(compiled.fd!.errors));
    assert.ok(compiled.conn!(document.conns), JSON.stringify(compiled.conn!.errors));
    assert.ok(compiled.alerts!(document.alerts), JSON.stringify(compiled.alerts!.errors));
  });

  it("accept tomorrow's output (appended fields) and every --columns selection", () => {
    const document = exported();
    assert.ok(compiled.stats!({ ...document.stats, a_new_counter: 5, a_new_name: 'x' }), JSON.stringify(compiled.stats!.errors));
    assert.ok(compiled.export!({ ...document, a_new_section: [] }), JSON.stringify(compiled.export!.errors));
    const views: [string, View, Row[], 'record' | 'list'][] = [
      ['stats', statsView(), [statsRow(snapshot.stats!)], 'record'],
      ['fd', fdView(), snapshot.fds!.map(fdRow), 'list'],
      ['conn', connView(), snapshot.conns!.map(connRow), 'list'],
      ['alerts', alertView(), snapshot.alerts!.map(alertRow), 'list'],
    ];
    for (const [name, full, rows, shape] of views) {
      const keys = full.columns.map((column) => column.key);
      // Each column alone, each column left out, and the reversed order.
      const selections = [...keys.map((key) => [key]), ...keys.map((key) => keys.filter((other) => other !== key)), [...keys].reverse()];
      for (const selection of selections) {
        const output = JSON.parse(renderView(selectColumns(full, selection.join(',')), rows, { format: 'json', shape, header: true, color: false })) as unknown;
        assert.ok(compiled[name]!(output), `${name} --columns ${selection.join(',')}: ${JSON.stringify(compiled[name]!.errors)}`);
      }
    }
  });

  it('identifiers are decimal strings: exact above 2^53', () => {
    const document = exported();
    assert.equal(typeof document.stats.instance_id, 'string');
    assert.equal(document.stats.instance_id, String(snapshot.stats!.instance_id));
    assert.ok(snapshot.stats!.instance_id! > 2n ** 53n, 'the fixture is above 2^53');
    assert.equal(compiled.stats!({ ...document.stats, instance_id: Number(snapshot.stats!.instance_id) }), false, 'not a number');
    assert.equal(compiled.stats!({ ...document.stats, instance_id: '0x10' }), false, 'decimal digits only');
  });

  it('reject wrong samples', () => {
    const document = exported();
    const wrong = [
      { ...document.stats, bytes_sent: '5' },
      { ...document.stats, bytes_sent: -1 },
      { ...document.stats, bytes_sent: 1.5 },
    ];
    for (const sample of wrong) assert.equal(compiled.stats!(sample), false, JSON.stringify(sample).slice(0, 80));
    assert.equal(compiled.conn!([{ ...document.conns[0], state: 'listening' }]), false);
    assert.equal(compiled.conn!([{ ...document.conns[0], local_addr: 'localhost' }]), false);
    assert.equal(compiled.export!({ ...document, version: 2 }), false);
  });
});
