// Export and the script-facing contract, on real traffic in the real module,
// checked by parsers this project did not write: promtool, python's csv
// module, a JSON Schema validator (ajv) against docs/schema.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { decodeSnapshot, encodeSnapshot } from '../../src/export/binary.js';
import { renderExportJson } from '../../src/export/render.js';
import { captureSnapshot } from '../../src/export/snapshot.js';
import { Context, freshPort, mutexctl, mutexctlAsync, projectRoot, python, PYTHON, sh, UDP_ROUND_TRIP, withClient } from './lib.js';

const work = mkdtempSync('/tmp/export-');
const ajv = new Ajv2020({ allErrors: true, strict: true });
const schemaDir = join(projectRoot, 'docs/schema');
const schema = Object.fromEntries(
  readdirSync(schemaDir).map((file) => [file.replace('.schema.json', ''), ajv.compile(JSON.parse(readFileSync(join(schemaDir, file), 'utf8')))]),
);

function assertValid(name: string, text: string): unknown {
  const value: unknown = JSON.parse(text);
  const validate = schema[name]!;
  assert.ok(validate(value), `${name}: ${JSON.stringify(validate.errors?.slice(0, 3))}`);
  return value;
}

/** A run (sync: status, async: code) that succeeded quietly; its stdout. */
function ok(result: { stdout: string; stderr: string } & ({ status: number | null } | { code: number | null }), what: string): string {
  assert.equal('code' in result ? result.code : result.status, 0, `${what}: ${result.stderr}`);
  assert.equal(result.stderr, '', what);
  return result.stdout;
}

/** The documented column keys of one section of docs/output.md, in order. */
function documentedColumns(command: string): string[] {
  const doc = readFileSync(join(projectRoot, 'docs/output.md'), 'utf8');
  const start = doc.indexOf(`## \`mutexctl ${command} --json | --csv\``);
  assert.ok(start >= 0, `docs/output.md documents ${command}`);
  const section = doc.slice(start + 3, doc.indexOf('\n## ', start + 3) >>> 0 || undefined);
  return [...section.matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((m) => m[1]!);
}

/** Python's csv module: the header and the rows of a CSV file, as JSON. */
function readCsvWithPython(path: string): { header: string[]; rows: string[][] } {
  const out = python(
    `import csv, json, sys
with open(sys.argv[1], newline='') as f:
    rows = list(csv.reader(f, strict=True))
print(json.dumps({'header': rows[0], 'rows': rows[1:]}))`,
    [path],
  );
  return JSON.parse(out) as { header: string[]; rows: string[][] };
}

const N = 40;
const SIZE = 100;
const ports = { a: freshPort(), b: freshPort() };
let a: Context;
let b: Context;

function sendUdp(port: number, n: number, size = SIZE): void {
  const [got] = python(UDP_ROUND_TRIP, ['4', String(port), String(n), String(size)]).trim().split(' ');
  assert.equal(Number(got), n);
}

const UDP_TIMEOUT = '/sys/module/mutex/parameters/timeout_udp';
let savedUdpTimeout = '';

before(() => {
  // Under a loaded TCG host a test can take minutes: keep the UDP flows until it ends.
  savedUdpTimeout = readFileSync(UDP_TIMEOUT, 'utf8').trim();
  writeFileSync(UDP_TIMEOUT, '3600');
  a = Context.open(`name=export-a scope=all proto=udp port=${ports.a}`);
  b = Context.open(`name=export-b scope=all proto=udp port=${ports.b}`);
  sendUdp(ports.a, N);
  sendUdp(ports.b, 2 * N);
});

let closed = false;
function closeContexts(): void {
  if (closed) return;
  closed = true;
  a.close();
  b.close();
}

after(() => {
  closeContexts();
  try {
    writeFileSync(UDP_TIMEOUT, savedUdpTimeout);
  } catch {
    // reloaded: the module came back with its defaults
  }
});

describe('export', () => {
  it('every --json output validates against its schema in docs/schema, with exact numbers', async () => {
    const [stats, fds, conns, alerts, thresholds, exported, rate] = await Promise.all([
      mutexctlAsync(['stats', '--json']),
      mutexctlAsync(['fd', '--json']),
      mutexctlAsync(['conn', '--json', '--fd', String(a.id)]),
      mutexctlAsync(['alerts', '--json']),
      mutexctlAsync(['thresholds', '--json']),
      mutexctlAsync(['export', '--sections', 'global,fd,conn,alerts']),
      mutexctlAsync(['fd', String(b.id), '--rate', '--json'], { MUTEXCTL_HISTORY: join(work, 'history-empty') }),
    ]);
    assertValid('stats', ok(stats, 'stats'));
    const fdList = assertValid('fd', ok(fds, 'fd')) as { id: string; bytes_sent: number }[];
    assert.equal(fdList.find((fd) => fd.id === String(a.id))?.bytes_sent, N * (SIZE + 28));
    const connList = assertValid('conn', ok(conns, 'conn')) as { packets_sent: number; packets_received: number }[];
    // Each datagram leaves (LOCAL_OUT) and arrives (LOCAL_IN) over lo, on the same flow.
    assert.equal(connList.reduce((sum, conn) => sum + conn.packets_sent, 0), N);
    assert.equal(connList.reduce((sum, conn) => sum + conn.packets_received, 0), N);
    assertValid('alerts', ok(alerts, 'alerts'));
    assertValid('thresholds', ok(thresholds, 'thresholds'));
    const document = assertValid('export', ok(exported, 'export')) as { fds: { id: string; bytes_received: number }[]; conns: unknown[]; stats: object };
    assert.equal(document.fds.find((fd) => fd.id === String(b.id))?.bytes_received, 2 * N * (SIZE + 28));
    // Without history, --rate measures from the context's creation.
    const rated = assertValid('fd', ok(rate, 'fd --rate')) as { interval_ns: number; bytes_sent_per_sec: number };
    const expected = (2 * N * (SIZE + 28) * 1e9) / rated.interval_ns;
    assert.ok(Math.abs(rated.bytes_sent_per_sec - expected) <= 0.001, `${rated.bytes_sent_per_sec} vs ${expected}`);
  });

  it('every --columns selection of real output validates against the schema; identifiers are exact decimal strings', async () => {
    const [stats, conns, fdCols, connCols, rateCols, alertCols, thresholdCols, exportCols] = await Promise.all([
      withClient((client) => client.doRequest<'stats'>('stats-get')),
      withClient((client) => client.dumpConsistent<'conn'>('conn-get', { fd_id: a.id })),
      mutexctlAsync(['fd', '--json', '--columns', 'bytes_sent,id']),
      mutexctlAsync(['conn', '--json', '--fd', String(a.id), '--columns', 'fd_id,id,packets_sent']),
      mutexctlAsync(['stats', '--rate', '--json', '--columns', 'packets_sent_per_sec,instance_id'], { MUTEXCTL_HISTORY: join(work, 'history-columns') }),
      mutexctlAsync(['alerts', '--json', '--columns', 'message']),
      mutexctlAsync(['thresholds', '--json', '--columns', 'latency_us']),
      mutexctlAsync(['export', '--json', '--sections', 'conn', '--columns', 'id,bytes_sent']),
    ]);
    const fds = assertValid('fd', ok(fdCols, 'fd --columns')) as Record<string, unknown>[];
    assert.deepEqual(Object.keys(fds.find((fd) => fd.id === String(a.id))!), ['bytes_sent', 'id']);
    const connRows = assertValid('conn', ok(connCols, 'conn --columns')) as { id: string; fd_id: string; packets_sent: number }[];
    // Flow ids are u64: as strings they are the kernel's exactly, whatever their size.
    assert.deepEqual(connRows.map((conn) => BigInt(conn.id)).sort(), conns.map((conn) => conn.id!).sort());
    assert.ok(connRows.every((conn) => conn.fd_id === String(a.id)));
    const rated = assertValid('stats', ok(rateCols, 'stats --rate --columns')) as { instance_id: string };
    // instance_id is a random u64: almost always above 2^53, where a JSON number would lose digits.
    assert.equal(rated.instance_id, String(stats.instance_id));
    assertValid('alerts', ok(alertCols, 'alerts --columns'));
    assertValid('thresholds', ok(thresholdCols, 'thresholds --columns'));
    const exportDocument = assertValid('export', ok(exportCols, 'export --columns')) as { conns: Record<string, unknown>[] };
    assert.ok(exportDocument.conns.every((conn) => Object.keys(conn).join() === 'id,bytes_sent'));
  });

  it('CSV of every section opens in python csv with the documented header, taken_ns first', async () => {
    const scopes = { global: 'stats', fd: 'fd', conn: 'conn', alerts: 'alerts' } as const;
    const results = await Promise.all(
      Object.keys(scopes).map((scope) => mutexctlAsync(['export', '--format', 'csv', '--sections', scope, '--output', join(work, `${scope}.csv`)])),
    );
    for (const [i, [scope, command]] of Object.entries(scopes).entries()) {
      ok(results[i]!, `export --sections ${scope}`);
      const { header, rows } = readCsvWithPython(join(work, `${scope}.csv`));
      assert.deepEqual(header, ['taken_ns', ...documentedColumns(command)], scope);
      for (const row of rows) assert.equal(row.length, header.length);
      if (scope === 'fd') {
        const byId = new Map(rows.map((row) => [Number(row[header.indexOf('id')]), row]));
        assert.equal(Number(byId.get(a.id)?.[header.indexOf('packets_received')]), N);
        assert.equal(byId.get(b.id)?.[header.indexOf('name')], 'export-b');
      }
    }
  });

  it('Prometheus text passes promtool and carries the same counters', () => {
    const file = join(work, 'mutex.prom');
    ok(mutexctl(['export', '--format', 'prometheus', '--sections', 'global,fd,conn,alerts', '--output', file]), 'export prometheus');
    const check = execFileSync('sh', ['-c', `promtool check metrics < ${file} 2>&1; echo "exit $?"`], { encoding: 'utf8' });
    assert.equal(check.trim(), 'exit 0', check);
    const text = readFileSync(file, 'utf8');
    assert.match(text, new RegExp(`^mutex_fd_sent_bytes_total\\{fd="${a.id}",name="export-a"\\} ${N * (SIZE + 28)}$`, 'm'));
    assert.match(text, new RegExp(`^mutex_fd_received_packets_total\\{fd="${b.id}",name="export-b"\\} ${2 * N}$`, 'm'));
    assert.match(text, new RegExp(`^mutex_fd_flows\\{fd="${a.id}",name="export-a",protocol="udp",state="[a-z]+"\\} 1$`, 'm'));
    assert.match(text, new RegExp(`^mutex_conn_sent_bytes_total\\{conn="\\d+",fd="${a.id}",protocol="udp",local="127\\.0\\.0\\.1:\\d+",remote="127\\.0\\.0\\.1:${ports.a}"\\} ${N * (SIZE + 28)}$`, 'm'));
    assert.deepEqual(readdirSync(work).filter((name) => name.endsWith('.tmp')), [], 'no temporary file left');
  });

  it('binary → --from → JSON equals a JSON export of the same snapshot', async () => {
    // One real snapshot, rendered directly and through the binary format.
    const snapshot = await withClient((client) => captureSnapshot(client, { scopes: ['global', 'fd', 'conn', 'alerts'] }));
    const options = { scopes: snapshot.scopes, aggregate: false, header: true };
    const bin = join(work, 'snap.bin');
    writeFileSync(bin, encodeSnapshot(snapshot));
    assert.equal(renderExportJson(decodeSnapshot(readFileSync(bin)), options), renderExportJson(snapshot, options));
    // And through the CLI: --from gives that same JSON, and binary → binary is byte-identical.
    const [json, again] = await Promise.all([
      mutexctlAsync(['export', '--from', bin, '--format', 'json']),
      mutexctlAsync(['export', '--from', bin, '--format', 'binary', '--output', join(work, 'again.bin')]),
    ]);
    assert.equal(ok(json, 'export --from'), renderExportJson(snapshot, options));
    ok(again, 'export --from --format binary');
    assert.ok(readFileSync(join(work, 'again.bin')).equals(readFileSync(bin)));
    const bad = mutexctl(['export', '--from', join(projectRoot, 'package.json')]);
    assert.equal(bad.status, 2, 'a bad input file is a usage error');
    assert.match(bad.stderr, /^mutexctl: .*package\.json is not a mutexctl binary snapshot: bad magic/);
  });

  it('--fd A,B --aggregate sums counters and weights by samples', () => {
    const result = ok(mutexctl(['export', '--fd', `${a.id},${b.id}`, '--aggregate', '--sections', 'fd']), 'export --aggregate');
    const { aggregate } = assertValid('export', result) as { aggregate: Record<string, number | string[]> };
    assert.deepEqual(aggregate.fd_ids, [String(a.id), String(b.id)]);
    assert.equal(aggregate.packets_sent, 3 * N);
    assert.equal(aggregate.bytes_received, 3 * N * (SIZE + 28));
    assert.equal(aggregate.rtt_samples, 0);
  });

  it('cron: export --format csv >> file every second for 10 s under traffic gives one table with monotone counters', async () => {
    const file = join(work, 'cron.csv');
    // Steady traffic until the loop is done.
    const traffic = spawn(
      PYTHON,
      [
        '-c',
        `import socket, sys, time
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(('127.0.0.1', int(sys.argv[1])))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while True:
    s.sendto(b'y' * 64, ('127.0.0.1', int(sys.argv[1]))); r.recv(100); time.sleep(0.01)`,
        String(ports.a),
      ],
      { stdio: 'ignore' },
    );
    const ended = new Promise((resolve) => traffic.on('exit', resolve));
    try {
      // Every second for 10 s, and at least three runs: under a loaded TCG host one start can take longer than that.
      sh(
        `i=0; end=$(($(date +%s) + 10)); while [ "$(date +%s)" -lt "$end" ] || [ "$i" -lt 3 ]; do node ${projectRoot}/bin/run.js export --format csv >> ${file}; i=$((i + 1)); sleep 1; done`,
      );
      const { header, rows } = readCsvWithPython(file);
      assert.deepEqual(header, ['taken_ns', ...documentedColumns('stats')]);
      assert.ok(rows.length >= 3, `${rows.length} rows`);
      const column = (key: string) => rows.map((row) => BigInt(row[header.indexOf(key)]!));
      for (const key of ['taken_ns', 'packets_sent', 'bytes_received']) {
        const values = column(key);
        for (let i = 1; i < values.length; i++) assert.ok(values[i]! > values[i - 1]!, `${key} rises: ${values.join(' ')}`);
      }
      for (const key of ['conns_total', 'lookups_hit', 'unmatched_packets']) {
        const values = column(key);
        for (let i = 1; i < values.length; i++) assert.ok(values[i]! >= values[i - 1]!, `${key} never falls: ${values.join(' ')}`);
      }
    } finally {
      traffic.kill();
      await ended;
    }
  });
});

describe('--watch and --rate', () => {
  it('stats --rate against the previous run equals the traffic sent in between, per second', () => {
    const env = { MUTEXCTL_HISTORY: join(work, 'history') };
    ok(mutexctl(['stats', '--rate', '--json'], env), 'first --rate');
    sendUdp(ports.b, 50, 200);
    const rate = assertValid('stats', ok(mutexctl(['stats', '--rate', '--json'], env), 'second --rate')) as Record<string, number>;
    const seconds = rate.interval_ns! / 1e9;
    // 50 datagrams of 200 bytes, each sent and received once over lo (228 L3 bytes).
    assert.ok(Math.abs(rate.packets_received_per_sec! * seconds - 50) < 0.01, `${rate.packets_received_per_sec} × ${seconds}`);
    assert.ok(Math.abs(rate.bytes_sent_per_sec! * seconds - 50 * 228) < 0.01 * 228, `${rate.bytes_sent_per_sec} × ${seconds}`);
  });

  it('fd --watch --json is an NDJSON stream of valid snapshots that ends after --count', async () => {
    const result = ok(await mutexctlAsync(['fd', String(a.id), '--watch', '--interval', '500ms', '--count', '3', '--json']), 'fd --watch');
    const lines = result.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    const taken = lines.map((line) => (assertValid('fd', line) as { taken_ns: number; id: string }).taken_ns);
    assert.ok(taken[0]! < taken[1]! && taken[1]! < taken[2]!);
  });

  it('stats --rate after a module reload measures from the new load, by instance id', () => {
    const env = { MUTEXCTL_HISTORY: join(work, 'history') };
    const before = JSON.parse(ok(mutexctl(['stats', '--json']), 'stats')) as { instance_id: string };
    closeContexts(); // an open /dev/mutex holds the module
    sh('rmmod mutex && insmod /run/mutex-vm/mutex.ko');
    const loadedAt = Date.now();
    const rate = JSON.parse(ok(mutexctl(['stats', '--rate', '--json'], env), '--rate after reload')) as Record<string, number>;
    const after = JSON.parse(ok(mutexctl(['stats', '--json']), 'stats')) as { instance_id: string; load_time_ns: number };
    assert.notEqual(after.instance_id, before.instance_id);
    assert.equal(rate.instance_id, after.instance_id);
    assert.ok(rate.interval_ns! <= (Date.now() - loadedAt + 1000) * 1e6, `interval ${rate.interval_ns} ns is since the reload`);
    assert.ok(rate.packets_sent_per_sec! >= 0);
  });
});
