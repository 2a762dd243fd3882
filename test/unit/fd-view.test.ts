import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KernelError } from '../../src/netlink/errors.js';
import { parseSort, renderView, sortRows, type Row } from '../../src/output/index.js';
import { fdRow, fdView, formatRttHistogram, selectorWithoutName } from '../../src/views/fd.js';
import { fdGet, fdList } from '../../src/kernel/operations.js';
import { mutexKernel } from './helpers/mutex-kernel.js';
import { boxedCells, hasRawControl, plainCells } from './helpers/table.js';
import { csvRecord, documentedColumns, withEveryFigure } from './helpers/contract.js';

const NOW_MS = Date.UTC(2025, 0, 1, 12, 0, 0);
const NOW_NS = BigInt(NOW_MS) * 1_000_000n;
const U64_MAX = 2n ** 64n - 1n;

function histogram(buckets: Record<number, bigint>): bigint[] {
  return Array.from({ length: 32 }, (_, i) => buckets[i] ?? 0n);
}

const web = withEveryFigure('fd', {
  id: 3,
  name: 'web',
  selector: 'name=web scope=cgroup:/mutexctl-1-ab proto=tcp port=443',
  owner_tgid: 1234,
  owner_uid: 0,
  owner_comm: 'mutexctl',
  created_ns: NOW_NS - 3_700_000_000_000n,
  uptime_ns: 3_700_000_000_000n,
  conns_open: 2n,
  conns_total: 1500n,
  bytes_sent: 1_000_000_000n,
  bytes_received: U64_MAX,
  packets_sent: 1000n,
  packets_received: 2000n,
  retransmits: 3n,
  errors: 1n,
  drops: 0n,
  rtt_samples: 26n,
  rtt_sum_us: 300_000n,
  rtt_min_us: 600n,
  rtt_max_us: 30_000n,
  rtt_p50_us: 16_384n,
  rtt_p90_us: 32_768n,
  rtt_p99_us: 32_768n,
  rtt_hist: histogram({ 10: 5n, 14: 20n, 15: 1n }),
  sent_bytes_per_sec: 1_250_000n,
  sent_bytes_per_sec_peak: 5_000_000n,
  received_bytes_per_sec: 125_000n,
  received_bytes_per_sec_peak: 250_000n,
  conns_per_sec: 1n,
  conns_per_sec_peak: 10n,
  alerts_active: 0b10001,
  flows_tracked: 5n,
});

/** A context without a name or RTT samples (UDP only). */
const idle = {
  ...web,
  id: 9,
  name: '',
  selector: 'scope=pid:77',
  owner_tgid: 77,
  owner_comm: 'python3',
  uptime_ns: 4_200_000_000n,
  conns_open: 0n,
  conns_total: 1n,
  bytes_sent: 640n,
  bytes_received: 0n,
  rtt_samples: 0n,
  rtt_sum_us: 0n,
  rtt_min_us: 0n,
  rtt_max_us: 0n,
  rtt_p50_us: 0n,
  rtt_p90_us: 0n,
  rtt_p99_us: 0n,
  rtt_hist: histogram({}),
  sent_bytes_per_sec: 0n,
  received_bytes_per_sec: 0n,
  alerts_active: 0,
  flows_tracked: 1n,
};

const view = fdView();
const render = (rows: readonly Row[], format: 'json' | 'csv' | 'table', shape: 'list' | 'record' = 'list', boxed = true) =>
  renderView(view, rows, { format, shape, header: true, boxed, color: false, nowMs: NOW_MS });

/** The documented contract (docs/output.md), which lists the view's columns: checked against the view below. */
const KEYS = documentedColumns('fd');

describe('fd rows', () => {
  it('has the documented columns in order', () => {
    assert.deepEqual(view.columns.map((column) => column.key), KEYS);
  });

  it('JSON: every field, exact u64, rtt_hist as an integer array, rtt_avg_us derived', () => {
    const text = render([fdRow(web)], 'json', 'record');
    assert.match(text, /\n {2}"bytes_received": 18446744073709551615,\n/);
    assert.match(text, /\n {2}"rtt_avg_us": 11538,\n/);
    assert.match(text, /\n {2}"rtt_hist": \[\n {4}0,\n/);
    const parsed = JSON.parse(text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), KEYS);
    assert.deepEqual(parsed.rtt_hist, histogram({ 10: 5n, 14: 20n, 15: 1n }).map(Number));
    assert.equal(parsed.selector, web.selector);
    assert.equal(parsed.name, 'web');
    assert.equal(parsed.uptime_ns, 3_700_000_000_000);
    assert.deepEqual(parsed.alerts_active, ['high_latency', 'packet_drop']);
  });

  it('JSON list: an array; rtt_avg_us is 0 without samples', () => {
    const parsed = JSON.parse(render([fdRow(web), fdRow(idle)], 'json')) as Record<string, unknown>[];
    assert.deepEqual(parsed.map((fd) => fd.rtt_avg_us), [11538, 0]);
    assert.deepEqual(parsed.map((fd) => fd.alerts_active), [['high_latency', 'packet_drop'], []]);
  });

  it('alerts_active: an unknown bit (a newer module) by its number; absent when the kernel does not send it', () => {
    assert.deepEqual(fdRow({ ...web, alerts_active: 0b100100 }).alerts_active, ['bandwidth_spike', '5']);
    const older: Partial<typeof web> = { ...web };
    delete older.alerts_active;
    const parsed = JSON.parse(render([fdRow(older)], 'json', 'record')) as Record<string, unknown>;
    assert.equal('alerts_active' in parsed, false);
  });

  it("CSV: the documented header; the histogram is one field of ';'-separated buckets", () => {
    const [header, row, end] = render([fdRow(web)], 'csv').split('\r\n');
    assert.equal(header, KEYS.join(','));
    assert.equal(end, '');
    const expected: Record<string, string> = {
      id: '3', name: 'web', selector: 'name=web scope=cgroup:/mutexctl-1-ab proto=tcp port=443', owner_tgid: '1234',
      owner_uid: '0', owner_comm: 'mutexctl', created_ns: String(NOW_NS - 3_700_000_000_000n), uptime_ns: '3700000000000',
      conns_open: '2', conns_total: '1500', bytes_sent: '1000000000', bytes_received: '18446744073709551615',
      packets_sent: '1000', packets_received: '2000', retransmits: '3', errors: '1', drops: '0', rtt_samples: '26',
      rtt_sum_us: '300000', rtt_min_us: '600', rtt_max_us: '30000', rtt_avg_us: '11538', rtt_p50_us: '16384',
      rtt_p90_us: '32768', rtt_p99_us: '32768', rtt_hist: '0;0;0;0;0;0;0;0;0;0;5;0;0;0;20;1;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0',
      sent_bytes_per_sec: '1250000', sent_bytes_per_sec_peak: '5000000', received_bytes_per_sec: '125000',
      received_bytes_per_sec_peak: '250000', conns_per_sec: '1', conns_per_sec_peak: '10',
      alerts_active: 'high_latency;packet_drop', flows_tracked: '5',
    };
    // Figures the fixture leaves at 0 (withEveryFigure).
    for (const key of KEYS) if (!(key in expected) && key in web) expected[key] = '0';
    // Every field: the fixture's values, and empty for a figure the fixture does not have.
    assert.deepEqual(csvRecord(header!, row!), Object.fromEntries(KEYS.map((key) => [key, expected[key] ?? ''])));
    const [, idleRow] = render([fdRow(idle)], 'csv').split('\r\n');
    const idleRecord = csvRecord(header!, idleRow!);
    assert.equal(idleRecord.alerts_active, '', 'no alert raised: an empty field');
    assert.deepEqual([idleRecord.conns_per_sec, idleRecord.conns_per_sec_peak, idleRecord.flows_tracked], ['1', '10', '1']);
  });

  it('a context or process name with control characters is escaped in tables, never sent raw', () => {
    const hostile = fdRow({ ...web, name: 'web\u001b[2J', owner_comm: 'evil\nfake\u007f', selector: 'name=web\u001b[2J scope=all' });
    for (const boxed of [true, false]) {
      for (const shape of ['list', 'record'] as const) {
        const text = render([hostile], 'table', shape, boxed);
        assert.equal(hasRawControl(text), false, `${shape}, boxed ${boxed}`);
        assert.ok(text.includes('web\\x1b[2J'), text);
        assert.ok(text.includes('evil\\nfake\\x7f'), text);
      }
    }
    assert.equal((JSON.parse(render([hostile], 'json', 'record')) as { owner_comm: string }).owner_comm, 'evil\nfake\u007f');
    assert.equal(hasRawControl(render([hostile], 'json', 'record')), false);
  });

  it('table: compact columns in human units, boxed or plain the same cells', () => {
    const rows = boxedCells(render([fdRow(web), fdRow(idle)], 'table'));
    assert.deepEqual(plainCells(render([fdRow(web), fdRow(idle)], 'table', 'list', false)), rows);
    assert.deepEqual(rows, [
      ['ID', 'NAME', 'SELECTOR', 'OWNER', 'CONNS OPEN/TOT', 'SENT', 'RECV', 'BW NOW OUT/IN', 'RTT P50/P99', 'RETR', 'ERR', 'DROP', 'UPTIME', 'ALERTS'],
      ['3', 'web', 'scope=cgroup:/mutexctl-1-ab proto=tcp port=443', 'mutexctl/1234', '2/1,500', '953.7 MiB', '16 EiB', '10 Mbit/s / 1 Mbit/s', '16.38 ms / 32.77 ms', '3', '1', '0', '1h01m', 'high_latency,packet_drop'],
      ['9', '-', 'scope=pid:77', 'python3/77', '0/1', '640 B', '0 B', '0 bit/s / 0 bit/s', '-', '3', '1', '0', '4s', '-'],
    ]);
  });

  it('table for one context: the histogram as its non-empty buckets', () => {
    const text = render([fdRow(web)], 'table', 'record');
    assert.match(text, /│ rtt histogram\s+│\s+<1\.02 ms: 5, <16\.38 ms: 20, <32\.77 ms: 1 │/);
    assert.match(text, /│ uptime\s+│\s+1h01m │/);
    assert.match(text, /│ created\s+│\s+2025-01-01T10:58:20Z \(1 h ago\) │/);
    assert.match(text, /│ owner pid\s+│\s+1234 │/);
    assert.match(text, /│ sent rate\s+│\s+10 Mbit\/s │/);
    assert.match(text, /│ alerts raised now\s+│\s+high_latency, packet_drop │/);
    assert.match(render([fdRow(idle)], 'table', 'record'), /│ alerts raised now\s+│\s+- │/);
  });

  it('helpers: histogram labels and the selector without its name', () => {
    assert.equal(formatRttHistogram(histogram({ 0: 2n, 1: 1n, 20: 1234n })), '0 µs: 2, <2 µs: 1, <1.05 s: 1,234');
    assert.equal(formatRttHistogram(histogram({})), '-');
    assert.equal(selectorWithoutName('name=web scope=all port=443'), 'scope=all port=443');
  });

  it('sorts by a rate descending and by name', () => {
    const rows = [fdRow(idle), fdRow(web)];
    assert.deepEqual(sortRows(rows, parseSort(view, '-sent_bytes_per_sec')).map((row) => row.id), [3, 9]);
    assert.deepEqual(sortRows(rows, parseSort(view, 'name')).map((row) => row.id), [9, 3]);
    assert.throws(() => parseSort(view, 'rtt_hist'), /--sort: unknown column "rtt_hist"/);
    assert.throws(() => parseSort(view, 'alerts_active'), /--sort: unknown column "alerts_active"/);
  });
});

describe('fd requests to the kernel', () => {
  it('dumps fd-get and decodes the multi-attr histogram', async () => {
    const { client, requests } = await mutexKernel(() => ({ items: [web, idle] }));
    const fds = await fdList(client);
    assert.deepEqual(requests, [{ operation: 'fd-get', dump: true, attributes: {} }]);
    assert.deepEqual(fds[0]!.rtt_hist, web.rtt_hist);
    assert.equal(fds[1]!.name, '');
  });

  it('gets one context by id; a missing one is "no context with id N"', async () => {
    const { client, requests } = await mutexKernel((request) => (request.attributes.id === 3 ? { items: [web] } : { errno: 2 }));
    assert.equal((await fdGet(client, 3)).owner_comm, 'mutexctl');
    assert.deepEqual(requests[0], { operation: 'fd-get', dump: false, attributes: { id: 3 } });
    await assert.rejects(fdGet(client, 4), (error: unknown) => {
      assert.ok(error instanceof KernelError);
      assert.equal(error.message, 'no context with id 4 in this network namespace');
      return true;
    });
  });
});
