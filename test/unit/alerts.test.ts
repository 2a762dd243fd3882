// alerts: the JSON/CSV/table columns, listing with filters, and --follow:
// subscribe first, ring second, every event once and in order, gaps read back
// from the ring, overwritten ones reported lost, NDJSON one flushed line each.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { boxedCells, hasRawControl, plainCells } from './helpers/table.js';
import { AlertFollower, followAlerts, type AlertSink } from '../../src/app/alert-follow.js';
import { alertStreamSink, listAlerts, lostMessage } from '../../src/app/alerts.js';
import { mutexCodec } from '../../src/netlink/codec.js';
import { alertClear } from '../../src/kernel/operations.js';
import { KernelError } from '../../src/netlink/errors.js';
import { operations, type AlertAttrs } from '../../src/spec/generated.js';
import { renderView, type Row } from '../../src/output/index.js';
import { alertRow, alertView, formatAlertLine, formatAlertValue } from '../../src/views/alerts.js';
import { genlReply } from './helpers/fake-kernel.js';
import { MUTEX_FAMILY_ID, mutexKernel, type MutexKernel } from './helpers/mutex-kernel.js';

const NOW_MS = Date.UTC(2025, 0, 1, 12, 0, 0);
const NOW_NS = BigInt(NOW_MS) * 1_000_000n;
const COLUMNS = ['seq', 'time_ns', 'type', 'severity', 'state', 'fd_id', 'value', 'threshold', 'unit', 'message'];

function alert(seq: number, overrides: Partial<AlertAttrs> = {}): AlertAttrs {
  return {
    seq: BigInt(seq),
    time_ns: NOW_NS - BigInt(100 - seq) * 1_000_000_000n,
    type: 0,
    severity: 5,
    state: 0,
    fd_id: 3,
    value: 612_345n,
    threshold: 500_000n,
    message: 'average RTT 612 ms above 500 ms',
    ...overrides,
  };
}

const view = alertView();
const render = (rows: readonly Row[], format: 'json' | 'csv' | 'table', boxed = false) =>
  renderView(view, rows, { format, shape: 'list', header: true, boxed, color: false, nowMs: NOW_MS });

describe('alert rows', () => {
  it('JSON: the documented keys in order, names for type and state, the unit by type', () => {
    const rows = [
      alertRow(alert(7)),
      alertRow(alert(8, { type: 1, state: 1, severity: 0, value: 20_000n, threshold: 100_000n, message: 'error rate back below' })),
      alertRow(alert(9, { type: 2, value: 2n ** 64n - 1n, threshold: 1_000_000_000n })),
      alertRow(alert(10, { type: 3, value: 15_000n, threshold: 10_000n })),
      alertRow(alert(11, { type: 4, value: 60_000n, threshold: 50_000n })),
    ];
    const text = render(rows, 'json');
    assert.match(text, /"value": 18446744073709551615,/);
    const parsed = JSON.parse(text) as Record<string, unknown>[];
    assert.deepEqual(Object.keys(parsed[0]!), COLUMNS);
    assert.deepEqual(parsed[0], {
      seq: '7',
      time_ns: Number(NOW_NS - 93_000_000_000n),
      type: 'high_latency',
      severity: 5,
      state: 'raised',
      fd_id: '3',
      value: 612345,
      threshold: 500000,
      unit: 'us',
      message: 'average RTT 612 ms above 500 ms',
    });
    assert.deepEqual(parsed.map((row) => [row.type, row.state, row.unit]), [
      ['high_latency', 'raised', 'us'],
      ['high_error_rate', 'cleared', 'ppm'],
      ['bandwidth_spike', 'raised', 'bps'],
      ['connection_flood', 'raised', 'conn/s'],
      ['packet_drop', 'raised', 'ppm'],
    ]);
  });

  it('CSV: the same columns, RFC 4180 quoting', () => {
    const [header, row, end] = render([alertRow(alert(7, { message: 'rtt "high", 612 ms' }))], 'csv').split('\r\n');
    assert.equal(header, COLUMNS.join(','));
    assert.equal(row, `7,${NOW_NS - 93_000_000_000n},high_latency,5,raised,3,612345,500000,us,"rtt ""high"", 612 ms"`);
    assert.equal(end, '');
  });

  it('table: human units and the age, boxed or plain the same cells', () => {
    const alerts = [alertRow(alert(7)), alertRow(alert(8, { type: 2, state: 1, value: 1_500_000_000n, threshold: 1_000_000_000n }))];
    const rows = boxedCells(render(alerts, 'table', true));
    assert.deepEqual(plainCells(render(alerts, 'table')), rows);
    assert.deepEqual(rows[0], ['SEQ', 'TIME', 'TYPE', 'SEV', 'STATE', 'FD', 'VALUE', 'THRESHOLD', 'MESSAGE']);
    assert.deepEqual(rows[1], ['7', '2025-01-01T11:58:27Z (1 min ago)', 'high_latency', '5', 'raised', '3', '612.35 ms', '500 ms', 'average RTT 612 ms above 500 ms']);
    assert.deepEqual(rows[2]!.slice(2, 8), ['bandwidth_spike', '5', 'cleared', '3', '1.5 Gbit/s', '1 Gbit/s']);
  });

  it('a message with control characters: escaped in tables and the follow line, JSON-escaped, CSV-quoted', () => {
    const hostile = alertRow(alert(9, { message: 'evil\u001b[2J\u001b[31mred\nmutexctl: fake\u009b' }));
    const escaped = 'evil\\x1b[2J\\x1b[31mred\\nmutexctl: fake\\x9b';
    for (const boxed of [true, false]) {
      const text = render([hostile], 'table', boxed);
      assert.equal(hasRawControl(text), false, 'nothing raw but the line ends');
      assert.equal(text.split('\n').filter((line) => line.includes('mutexctl: fake')).length, 1, 'no line of its own');
      assert.ok(text.includes(escaped), text);
    }
    assert.ok(formatAlertLine(hostile).endsWith(` ${escaped}`));
    assert.equal((JSON.parse(render([hostile], 'json')) as { message: string }[])[0]!.message, 'evil\u001b[2J\u001b[31mred\nmutexctl: fake\u009b');
    assert.equal(hasRawControl(render([hostile], 'json')), false, 'JSON escapes control characters (C1 too)');
    const csv = render([hostile], 'csv').split('\r\n')[1]!;
    assert.ok(csv.endsWith(',"evil\u001b[2J\u001b[31mred\nmutexctl: fake\u009b"'), 'the CSV field is quoted');
  });

  it('human values per unit; the follow line', () => {
    assert.equal(formatAlertValue('ppm', 125_000n), '12.5 %');
    assert.equal(formatAlertValue('ppm', 42n), '42 ppm');
    assert.equal(formatAlertValue('conn/s', 15_000n), '15,000/s');
    assert.equal(formatAlertValue(undefined, 5n), '5');
    assert.equal(
      formatAlertLine(alertRow(alert(7))),
      '#7 2025-01-01T11:58:27Z raised high_latency fd 3 sev 5: 612.35 ms (threshold 500 ms) average RTT 612 ms above 500 ms',
    );
    assert.ok(formatAlertLine(alertRow(alert(7)), true).includes(`${String.fromCharCode(27)}[31mraised`), 'raised in red');
  });

  it('an unknown type (a newer module): its number, no unit', () => {
    const row = alertRow(alert(1, { type: 9 }));
    assert.equal(row.type, '9');
    assert.equal(row.unit, undefined);
  });
});

describe('alerts list', () => {
  it('asks the kernel to filter by seq, type and fd; a look-back filters on time_ns', async () => {
    const ring = [alert(1), alert(2), alert(98), alert(99)];
    const { client, requests } = await mutexKernel(() => ({ items: ring as Record<string, unknown>[] }));
    const recent = await listAlerts(client, { since: { kind: 'duration', ns: 5_000_000_000n }, type: 0, fdId: 3 }, NOW_MS);
    assert.deepEqual(requests, [{ operation: 'alert-get', dump: true, attributes: { fd_id: 3, type: 0 } }]);
    assert.deepEqual(recent.map((a) => a.seq), [98n, 99n]);
    await listAlerts(client, { since: { kind: 'seq', seq: 2n } });
    assert.deepEqual(requests[1], { operation: 'alert-get', dump: true, attributes: { since_seq: 2n } });
  });
});

describe('alerts clear', () => {
  it('one alert-clear request; EPERM is the CAP_NET_ADMIN message (exit 1)', async () => {
    const allowed = await mutexKernel(() => ({ items: [] }));
    await alertClear(allowed.client);
    assert.deepEqual(allowed.requests, [{ operation: 'alert-clear', dump: false, attributes: {} }]);
    const denied = await mutexKernel(() => ({ errno: 1 }));
    await assert.rejects(alertClear(denied.client), (error: unknown) => {
      assert.ok(error instanceof KernelError);
      assert.equal(error.exitCode, 1);
      assert.equal(error.message, 'permission denied: this operation needs CAP_NET_ADMIN (run as root)');
      return true;
    });
  });
});

// ---- --follow -------------------------------------------------------------------

const ALERT_NTF = operations['alert-ntf']!.value;

/** A ring the fake kernel dumps (seq > since-seq, oldest first), and notifications to deliver. */
async function ringKernel(onDump?: (since: bigint | undefined, kernel: MutexKernel) => void) {
  const state = { ring: [] as AlertAttrs[], dumps: [] as (bigint | undefined)[] };
  const holder: { kernel?: MutexKernel } = {};
  const kernel = await mutexKernel((request) => {
    if (request.operation !== 'alert-get') return { errno: 95 };
    const since = request.attributes.since_seq as bigint | undefined;
    state.dumps.push(since);
    onDump?.(since, holder.kernel!);
    return { items: state.ring.filter((a) => since === undefined || a.seq! > since) as Record<string, unknown>[] };
  });
  holder.kernel = kernel;
  const notify = (a: AlertAttrs) => kernel.fake.notify(genlReply(MUTEX_FAMILY_ID, ALERT_NTF, 0, mutexCodec.encode('alert', a)));
  return { kernel, state, notify };
}

class RecordingSink implements AlertSink {
  readonly events: string[] = [];
  closed = false;
  async alert(a: AlertAttrs): Promise<void> {
    this.events.push(String(a.seq));
  }
  async lost(first: bigint, last: bigint): Promise<void> {
    this.events.push(`lost ${first}..${last}`);
  }
}

/** Lets the follower's queue drain (the fake kernel answers within microtasks). */
async function drain(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => alert(from + i));

describe('alerts --follow', () => {
  it('subscribes before reading the ring, de-duplicates, recovers gaps from the ring, reports overwritten ones', async () => {
    const { kernel, state, notify } = await ringKernel((_since, k) => {
      // The first dump: by now the group is joined, and 3 (already in the ring) and 4 are notified meanwhile.
      if (state.dumps.length === 1) {
        assert.equal(k.fake.memberships.has(7), true, 'joined the alerts group before the first dump');
        state.ring.push(alert(4));
        notify(alert(3));
        notify(alert(4));
      }
    });
    state.ring.push(...range(1, 3));
    const sink = new RecordingSink();
    const controller = new AbortController();
    const done = followAlerts(kernel.client, sink, { signal: controller.signal });
    await drain();
    assert.deepEqual(sink.events, ['1', '2', '3', '4']);
    assert.deepEqual(state.dumps, [undefined]);

    // 5..7 were never delivered and 5 is already overwritten: 8 shows the gap.
    state.ring = range(6, 8);
    notify(alert(8));
    await drain();
    assert.deepEqual(state.dumps, [undefined, 4n]);
    assert.deepEqual(sink.events.slice(4), ['lost 5..5', '6', '7', '8']);

    notify(alert(9));
    notify(alert(8)); // a duplicate
    await drain();
    // Two gaps at once: 10..11 still in the ring, 14 not (the ring was cleared after 13).
    state.ring = range(10, 13);
    notify(alert(12));
    await drain();
    state.ring = [];
    notify(alert(15));
    await drain();
    assert.deepEqual(sink.events.slice(8), ['9', '10', '11', '12', '13', 'lost 14..14', '15']);
    assert.deepEqual(state.dumps, [undefined, 4n, 9n, 13n]);

    controller.abort();
    await done;
    assert.equal(kernel.fake.memberships.size, 0, 'left the group');
    assert.equal(kernel.fake.listeners.size, 0);
  });

  it('--since SEQ: the ring after it, and what is gone reported as lost', async () => {
    const { kernel, state } = await ringKernel();
    state.ring = range(20, 22);
    const sink = new RecordingSink();
    const controller = new AbortController();
    const done = followAlerts(kernel.client, sink, { signal: controller.signal, sinceSeq: 15n });
    await drain();
    assert.deepEqual(state.dumps, [15n]);
    assert.deepEqual(sink.events, ['lost 16..19', '20', '21', '22']);
    controller.abort();
    await done;
  });

  it('filters decide what is printed, never the sequence tracking', async () => {
    const { kernel, state, notify } = await ringKernel();
    state.ring = [alert(1), alert(2, { type: 4 }), alert(3, { fd_id: 9 })];
    const sink = new RecordingSink();
    const controller = new AbortController();
    const done = followAlerts(kernel.client, sink, { signal: controller.signal, filter: { type: 0, fdId: 3 } });
    await drain();
    notify(alert(4, { type: 2 }));
    notify(alert(5));
    await drain();
    assert.deepEqual(sink.events, ['1', '5']);
    assert.deepEqual(state.dumps, [undefined], 'no gap: 4 was seen, just not printed');
    controller.abort();
    await done;
  });

  it('a receive-buffer overrun (ENOBUFS) re-reads the ring after the last seq', async () => {
    const { kernel, state } = await ringKernel();
    state.ring = range(1, 2);
    const sink = new RecordingSink();
    const controller = new AbortController();
    const done = followAlerts(kernel.client, sink, { signal: controller.signal });
    await drain();
    state.ring = range(1, 5);
    kernel.fake.overrun();
    await drain();
    assert.deepEqual(state.dumps, [undefined, 2n]);
    assert.deepEqual(sink.events, ['1', '2', '3', '4', '5']);
    controller.abort();
    await done;
  });

  it('a transient failure of the re-read (EBUSY while a dump still runs) is retried', async () => {
    let calls = 0;
    const kernel = await mutexKernel(() => (++calls === 1 ? { errno: 16 } : { items: [alert(1)] as Record<string, unknown>[] }));
    const sink = new RecordingSink();
    const controller = new AbortController();
    const done = followAlerts(kernel.client, sink, { signal: controller.signal, retryDelayMs: 1 });
    for (let i = 0; i < 50 && sink.events.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 2));
    assert.deepEqual(sink.events, ['1']);
    controller.abort();
    await done;
  });

  it('a kernel error ends following with that error', async () => {
    const kernel = await mutexKernel(() => ({ errno: 22, extack: { message: 'bad since-seq' } }));
    await assert.rejects(followAlerts(kernel.client, new RecordingSink()), /kernel: bad since-seq/);
    assert.equal(kernel.fake.memberships.size, 0);
  });

  it('stops when the output is closed', async () => {
    const { kernel, state, notify } = await ringKernel();
    const sink = new RecordingSink();
    const follower = new AlertFollower(kernel.client, sink);
    const done = follower.run();
    await drain();
    state.ring = [alert(1)];
    sink.closed = true;
    notify(alert(1));
    await done;
    assert.equal(kernel.fake.memberships.size, 0);
  });
});

/** A stdout stand-in recording each write; `broken` makes writes fail like a pipe whose reader left. */
class Output extends Writable {
  readonly writes: string[] = [];
  broken = false;
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.broken) {
      callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      return;
    }
    this.writes.push(chunk.toString());
    callback();
  }
}

describe('alerts --follow output', () => {
  it('NDJSON: one line per event, each written on its own; lost ones on stderr', async () => {
    const { kernel, state, notify } = await ringKernel();
    state.ring = range(1, 2);
    const stdout = new Output();
    const stderr = new Output();
    const sink = alertStreamSink({ format: 'json', header: true, color: false, bin: 'mutexctl', stdout, stderr });
    const controller = new AbortController();
    const done = followAlerts(kernel.client, sink, { signal: controller.signal });
    await drain();
    const flood = alert(5, { type: 3, value: 12_000n, threshold: 10_000n });
    state.ring = [alert(4), flood];
    notify(flood);
    await drain();
    controller.abort();
    await done;
    assert.equal(stdout.writes.length, 4);
    for (const write of stdout.writes) assert.match(write, /^\{[^\n]*\}\n$/);
    const events = stdout.writes.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(events.map((event) => event.seq), ['1', '2', '4', '5']);
    assert.deepEqual(Object.keys(events[3]!), COLUMNS);
    assert.equal(events[3]!.unit, 'conn/s');
    assert.deepEqual(stderr.writes, ['mutexctl: 1 alert lost (seq 3..3)\n']);
    assert.equal(lostMessage('mutexctl', 10n, 12n), 'mutexctl: 3 alerts lost (seq 10..12)\n');
  });

  it('CSV: a header row once, then a row per event; table: one line per event', async () => {
    for (const [format, expected] of [
      ['csv', [`${COLUMNS.join(',')}\r\n`, /^1,\d+,high_latency,5,raised,3,612345,500000,us,average RTT 612 ms above 500 ms\r\n$/]],
      ['table', [/^#1 2025-01-01T11:58:21Z raised high_latency fd 3 sev 5: 612\.35 ms \(threshold 500 ms\) average RTT/]],
    ] as const) {
      const { kernel, state } = await ringKernel();
      state.ring = [alert(1)];
      const stdout = new Output();
      const sink = alertStreamSink({ format, header: true, color: false, bin: 'mutexctl', stdout, stderr: new Output() });
      const controller = new AbortController();
      await sink.start();
      const done = followAlerts(kernel.client, sink, { signal: controller.signal });
      await drain();
      controller.abort();
      await done;
      assert.equal(stdout.writes.length, expected.length, format);
      expected.forEach((pattern, i) => (typeof pattern === 'string' ? assert.equal(stdout.writes[i], pattern) : assert.match(stdout.writes[i]!, pattern)));
    }
  });

  it('a closed pipe (EPIPE) ends following quietly on the next write', async () => {
    const { kernel, state, notify } = await ringKernel();
    state.ring = [alert(1)];
    const stdout = new Output();
    const sink = alertStreamSink({ format: 'json', header: true, color: false, bin: 'mutexctl', stdout, stderr: new Output() });
    const done = followAlerts(kernel.client, sink);
    await drain();
    stdout.broken = true;
    notify(alert(2));
    await done;
    assert.equal(stdout.writes.length, 1);
    assert.equal(sink.closed, true);
    assert.equal(kernel.fake.memberships.size, 0);
  });
});

describe('alerts --follow as a process', { timeout: 30_000 }, () => {
  const harness = fileURLToPath(new URL('./helpers/follow-process.js', import.meta.url));

  interface Started {
    child: ChildProcessWithoutNullStreams;
    firstLines: Promise<string>;
    ended: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  }

  function start(format: string, lines: number): Started {
    const child = spawn(process.execPath, [harness, 'run', format], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let resolveLines: (text: string) => void = () => undefined;
    const firstLines = new Promise<string>((resolve) => (resolveLines = resolve));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.split('\n').length > lines) resolveLines(stdout);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
    );
    return { child, firstLines, ended };
  }

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} ends it with exit 0, every line whole`, async () => {
      const { child, firstLines, ended } = start('json', 4);
      await firstLines;
      child.kill(signal);
      const result = await ended;
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      const lines = result.stdout.split('\n');
      assert.equal(lines.pop(), '', 'ends with a newline');
      assert.deepEqual(
        lines.map((line) => (JSON.parse(line) as { seq: string }).seq),
        lines.map((_, i) => String(i + 1)),
      );
    });
  }

  it('a reader that goes away (| head -1) ends it quietly with exit 0', async () => {
    const { child, firstLines, ended } = start('json', 1);
    const first = await firstLines;
    assert.equal((JSON.parse(first.split('\n')[0]!) as { seq: string }).seq, '1');
    child.stdout.destroy();
    const result = await ended;
    assert.equal(result.code, 0);
    assert.equal(result.signal, null);
    assert.equal(result.stderr, '');
  });
});
