// Issue 4: alerts raised and cleared by real traffic, thresholds, the ring
// and the multicast group.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';

import { MutexClient, type Notification } from '../../src/netlink/index.js';
import type { AlertAttrs, ThresholdsAttrs } from '../../src/spec/generated.js';
import { Context, PYTHON, freshPort, globalStats, python, sh, sleep, withClient } from './lib.js';

const TYPE = { latency: 0, errors: 1, bandwidth: 2, flood: 3, drops: 4 } as const;
const RAISED = 0;
const CLEARED = 1;

let follower: MutexClient;
const heard: AlertAttrs[] = [];

before(async () => {
  // A listener started before any traffic, as an operator's `alerts --follow` would be.
  follower = await MutexClient.open();
  follower.subscribe('alerts', (n: Notification) => heard.push(n.attributes as AlertAttrs));
  await withClient((c) => c.doRequest('thresholds-set', { interval_ms: 500 }));
});

after(async () => {
  follower.close();
  await withClient((c) => c.doRequest('thresholds-set', { reset: true }));
});

function setFor(fd: number, attrs: Partial<ThresholdsAttrs>) {
  return withClient((c) => c.doRequest('thresholds-set', { fd_id: fd, ...attrs }));
}

function ring(fd: number): Promise<AlertAttrs[]> {
  return withClient((c) => c.dumpConsistent<'alert'>('alert-get', { fd_id: fd }));
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 20000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(200);
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** Runs traffic, waits for the raise, stops it, waits for the clear; checks ring and follower. */
async function raiseAndClear(fd: number, type: number, traffic: () => { stop: () => Promise<void> }) {
  const load = traffic();
  try {
    await until(`a raised ${type} alert`, async () => (await ring(fd)).some((a) => a.type === type && a.state === RAISED));
  } finally {
    await load.stop();
  }
  await until(`the ${type} alert cleared`, async () => (await ring(fd)).some((a) => a.type === type && a.state === CLEARED));
  const events = (await ring(fd)).filter((a) => a.type === type);
  assert.deepEqual(
    events.map((a) => a.state),
    [RAISED, CLEARED],
    'exactly one raise for the crossing, then one clear',
  );
  const [raised, cleared] = events;
  assert.ok(raised!.value! > raised!.threshold!, 'raised above its threshold');
  assert.ok(raised!.severity! >= 5 && raised!.severity! <= 10);
  assert.equal(cleared!.severity, 0);
  assert.match(raised!.message!, /raised on fd/);
  await until('the follower heard both', () => {
    const seqs = heard.filter((a) => a.fd_id === fd && a.type === type).map((a) => a.seq);
    return seqs.length === 2;
  });
  const followed = heard.filter((a) => a.fd_id === fd && a.type === type);
  assert.deepEqual(followed.map((a) => a.seq), events.map((a) => a.seq), 'the follower saw the same events');
}

/** A python loop in the background until stopped. */
function background(script: string, args: string[] = []) {
  const child = spawn(PYTHON, ['-c', script, ...args], { stdio: 'ignore' });
  return {
    stop: async () => {
      child.kill();
      await new Promise((r) => child.on('exit', r));
    },
  };
}

const PINGPONG_FOREVER = `
import socket, sys, threading
port = int(sys.argv[1])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', port)); srv.listen(1)
def serve():
    c, _ = srv.accept()
    while True:
        b = c.recv(100)
        if not b: break
        c.sendall(b)
threading.Thread(target=serve, daemon=True).start()
cl = socket.create_connection(('127.0.0.1', port))
while True:
    cl.sendall(b'p'); cl.recv(100)
`;

describe('each alert type is raised by real traffic and cleared when it stops', () => {
  it('high latency (netem delay), with a per-fd override beating the global value', async () => {
    const port = freshPort();
    const other = freshPort();
    sh('modprobe sch_netem 2>/dev/null; tc qdisc add dev lo root netem delay 20ms');
    const ctx = Context.open(`name=lat scope=all proto=tcp port=${port}`);
    const plain = Context.open(`name=lat-global scope=all proto=tcp port=${other}`);
    try {
      await setFor(ctx.id, { latency_us: 10000n });
      const second = background(PINGPONG_FOREVER, [String(other)]);
      try {
        await raiseAndClear(ctx.id, TYPE.latency, () => background(PINGPONG_FOREVER, [String(port)]));
      } finally {
        await second.stop();
      }
      assert.equal((await ring(plain.id)).length, 0, 'the global 500 ms threshold was not crossed');
    } finally {
      sh('tc qdisc del dev lo root 2>/dev/null || true');
      ctx.close();
      plain.close();
    }
  });

  it('high error rate (connection resets)', async () => {
    const port = freshPort();
    const ctx = Context.open(`name=err scope=all proto=tcp port=${port}`);
    try {
      await setFor(ctx.id, { error_rate_ppm: 10000 });
      await raiseAndClear(ctx.id, TYPE.errors, () =>
        background(
          `import socket, sys, time
while True:
    try: socket.create_connection(('127.0.0.1', int(sys.argv[1])))
    except OSError: pass
    time.sleep(0.05)`,
          [String(port)],
        ),
      );
    } finally {
      ctx.close();
    }
  });

  it('bandwidth spike (iperf3)', async () => {
    const port = freshPort();
    const ctx = Context.open(`name=bw scope=all proto=tcp port=${port}`);
    const server = spawn('iperf3', ['-s', '-p', String(port)], { stdio: 'ignore' });
    try {
      await setFor(ctx.id, { bandwidth_bps: 10_000_000n });
      await sleep(1500);
      await raiseAndClear(ctx.id, TYPE.bandwidth, () => {
        const client = spawn('iperf3', ['-c', '127.0.0.1', '-p', String(port), '-t', '60'], { stdio: 'ignore' });
        return {
          stop: async () => {
            client.kill('SIGINT');
            await new Promise((r) => client.on('exit', r));
          },
        };
      });
    } finally {
      server.kill();
      ctx.close();
    }
  });

  it('connection flood (a burst of new flows)', async () => {
    const port = freshPort();
    const ctx = Context.open(`name=flood scope=all proto=udp port=${port}`);
    try {
      await setFor(ctx.id, { conn_rate: 20 });
      await raiseAndClear(ctx.id, TYPE.flood, () =>
        background(
          `import socket, sys, time
while True:
    for _ in range(50):
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'c', ('127.0.0.1', int(sys.argv[1])))
    time.sleep(0.2)`,
          [String(port)],
        ),
      );
    } finally {
      ctx.close();
    }
  });

  it('packet drops (a tiny receive buffer)', async () => {
    const port = freshPort();
    const ctx = Context.open(`name=drop scope=all proto=udp port=${port}`);
    try {
      await setFor(ctx.id, { drop_rate_ppm: 10000 });
      await raiseAndClear(ctx.id, TYPE.drops, () =>
        background(
          `import socket, sys, time
port = int(sys.argv[1])
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1); r.bind(('127.0.0.1', port))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while True:
    for _ in range(20): s.sendto(b'd' * 1000, ('127.0.0.1', port))
    time.sleep(0.1)`,
          [String(port)],
        ),
      );
    } finally {
      ctx.close();
    }
  });
});

describe('thresholds', () => {
  it('reports the seed defaults and a context’s effective values', async () => {
    const ctx = Context.open('scope=all proto=udp port=1');
    try {
      const global = await withClient((c) => c.doRequest<'thresholds'>('thresholds-get'));
      assert.equal(global.latency_us, 500000n);
      assert.equal(global.error_rate_ppm, 100000);
      assert.equal(global.bandwidth_bps, 1000000000n);
      assert.equal(global.conn_rate, 10000);
      assert.equal(global.drop_rate_ppm, 50000);
      assert.equal(global.disabled, 0);
      await setFor(ctx.id, { latency_us: 200000n, disabled: 1 << TYPE.flood });
      const mine = await withClient((c) => c.doRequest<'thresholds'>('thresholds-get', { fd_id: ctx.id }));
      assert.equal(mine.latency_us, 200000n);
      assert.equal(mine.error_rate_ppm, 100000, 'inherited');
      assert.equal(mine.overridden, 0b100001);
      assert.equal(mine.disabled, 1 << TYPE.flood);
      await withClient((c) => c.doRequest('thresholds-set', { fd_id: ctx.id, reset: true }));
      const reset = await withClient((c) => c.doRequest<'thresholds'>('thresholds-get', { fd_id: ctx.id }));
      assert.equal(reset.overridden, 0);
      assert.equal(reset.latency_us, 500000n);
    } finally {
      ctx.close();
    }
  });

  it('invalid values sent raw are refused by the kernel with the attribute named, and change nothing', async () => {
    const ctx = Context.open('scope=all proto=udp port=1');
    try {
      const before = await withClient((c) => c.doRequest<'thresholds'>('thresholds-get'));
      const cases: [Partial<ThresholdsAttrs>, RegExp][] = [
        [{ latency_us: 0n }, /latency-us|range|policy/i],
        [{ error_rate_ppm: 2_000_000 }, /error-rate-ppm|range|policy/i],
        [{ conn_rate: 0, latency_us: 1000n }, /conn-rate|range|policy/i],
        [{ interval_ms: 50 }, /interval-ms|range|policy/i],
        [{ fd_id: ctx.id, interval_ms: 500 }, /interval is global/],
        [{ fd_id: 4000000, latency_us: 1000n }, /no context/],
      ];
      for (const [attrs, message] of cases) {
        await assert.rejects(withClient((c) => c.doRequest('thresholds-set', attrs)), message, JSON.stringify(attrs, (_, v) => (typeof v === 'bigint' ? String(v) : v)));
      }
      const after = await withClient((c) => c.doRequest<'thresholds'>('thresholds-get'));
      assert.deepEqual(after, before, 'nothing half-applied');
    } finally {
      ctx.close();
    }
  });

  it('a non-root user can read thresholds but not set them or clear alerts', () => {
    const script = `
import("./dist/src/netlink/index.js").then(async ({ MutexClient }) => {
  const c = await MutexClient.open();
  const t = await c.doRequest("thresholds-get");
  const out = { read: String(t.latency_us) };
  for (const [op, attrs] of [["thresholds-set", { latency_us: 1n }], ["alert-clear", {}]]) {
    try { await c.doRequest(op, attrs); out[op] = "allowed"; } catch (e) { out[op] = e.message; }
  }
  console.log(JSON.stringify(out));
  c.close();
});`;
    const out = JSON.parse(sh(`setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all ${process.execPath} -e '${script}'`)) as Record<string, string>;
    assert.equal(out['read'], '500000');
    assert.match(out['thresholds-set']!, /CAP_NET_ADMIN/);
    assert.match(out['alert-clear']!, /CAP_NET_ADMIN/);
  });
});

describe('the ring and slow listeners', () => {
  it('alert-clear empties the ring; sequence numbers go on', async () => {
    const last = (await withClient((c) => c.dumpConsistent<'alert'>('alert-get'))).at(-1);
    assert.ok(last, 'earlier tests left alerts');
    const stats = await globalStats();
    assert.equal(stats.alerts_raised! + stats.alerts_cleared!, last.seq, 'every event has its sequence number');
    await withClient((c) => c.doRequest('alert-clear'));
    assert.equal((await withClient((c) => c.dumpConsistent<'alert'>('alert-get'))).length, 0);
    assert.ok((await globalStats()).alerts_raised! >= 5n);
  });

  it('a follower that stops reading detects the gap from sequence numbers and refills it from the ring', async () => {
    const slow = await MutexClient.open({ receiveBufferBytes: 4096 });
    const got: AlertAttrs[] = [];
    slow.subscribe('alerts', (n) => got.push(n.attributes as AlertAttrs));
    const dropsBefore = (await globalStats()).alerts_notify_dropped!;
    const baseline = heard.reduce((m, a) => (a.seq! > m ? a.seq! : m), 0n);
    const ports = Array.from({ length: 30 }, () => freshPort());
    const contexts = ports.map((p) => Context.open(`scope=all proto=udp port=${p}`));
    try {
      for (const ctx of contexts) await setFor(ctx.id, { conn_rate: 1 });
      // Block this process's event loop so the slow socket is not read while
      // 30 contexts each raise a connection-flood alert.
      python(
        `import socket, sys, time
for p in sys.argv[1:]:
    for i in range(3):
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'f', ('127.0.0.1', int(p)))
time.sleep(3)`,
        ports.map(String),
      );
      await sleep(500);
      const dropsAfter = (await globalStats()).alerts_notify_dropped!;
      assert.ok(dropsAfter > dropsBefore, 'notifications were lost to the full buffer');
      const seqs = got.map((a) => Number(a.seq));
      const gaps = seqs.some((s, i) => i > 0 && s !== seqs[i - 1]! + 1);
      assert.ok(gaps || seqs.length < 30, 'the follower sees a gap in the sequence numbers');
      const refill = await withClient((c) => c.dumpConsistent<'alert'>('alert-get', { since_seq: baseline }));
      const all = new Set([...seqs, ...refill.map((a) => Number(a.seq))]);
      const ids = new Set(contexts.map((c) => c.id));
      const raisedFor = new Set(refill.filter((a) => ids.has(a.fd_id!) && a.state === RAISED).map((a) => a.fd_id));
      assert.equal(raisedFor.size, 30, 'the ring holds every raise');
      const sorted = [...all].sort((a, b) => a - b);
      assert.equal(sorted[0], Number(baseline) + 1);
      assert.equal(sorted.at(-1)! - sorted[0]! + 1, sorted.length, 'together: no seq missing');
    } finally {
      slow.close();
      for (const ctx of contexts) ctx.close();
    }
  });
});

describe('ring size', () => {
  it('a full ring overwrites the oldest alerts and counts them', async () => {
    const ko = process.env['MUTEX_KO'] ?? '/run/mutex-vm/mutex.ko';
    sh(`rmmod mutex && insmod ${ko} alert_ring_size=16`);
    const ports = Array.from({ length: 20 }, () => freshPort());
    const contexts = ports.map((p) => Context.open(`scope=all proto=udp port=${p}`));
    try {
      for (const ctx of contexts) await setFor(ctx.id, { conn_rate: 1 });
      python(
        `import socket, sys
for p in sys.argv[1:]:
    for i in range(3):
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'r', ('127.0.0.1', int(p)))`,
        ports.map(String),
      );
      await until('20 raises', async () => (await globalStats()).alerts_raised! >= 20n);
      const stats = await globalStats();
      const kept = await withClient((c) => c.dumpConsistent<'alert'>('alert-get'));
      const total = stats.alerts_raised! + stats.alerts_cleared!;
      assert.equal(kept.length, 16, 'the ring holds its size');
      assert.equal(stats.alerts_overwritten, total - 16n);
      assert.equal(kept.at(-1)!.seq, total, 'the newest are kept');
      assert.equal(kept[0]!.seq, total - 15n);
    } finally {
      for (const ctx of contexts) ctx.close();
      sh(`rmmod mutex && insmod ${ko}`);
    }
  });
});
