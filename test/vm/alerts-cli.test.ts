// Issue 4 through the CLI: thresholds set/show, refusals before sending, and
// `alerts --follow` seeing an alert within two evaluation intervals.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';

import { Context, PYTHON, cliPath, freshPort, mutexctl, python, sh, sleep, withClient } from './lib.js';

const FLOOD = `import socket, sys
for p in sys.argv[1:]:
    for i in range(30):
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'f', ('127.0.0.1', int(p)))`;

const FLOOD_LOOP = `import socket, sys, time
while True:
    for i in range(30):
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'f', ('127.0.0.1', int(sys.argv[1])))
    time.sleep(0.2)`;

describe('mutexctl thresholds', () => {
  it('refuses bad values before sending, with exit 2', () => {
    for (const arg of ['latency=0ms', 'latency=-5ms', 'latency=200', 'bandwidth=5furlongs', 'colour=1', 'error-rate=250%', 'conn-rate=99999999999/s']) {
      const run = mutexctl(['thresholds', 'set', arg]);
      assert.equal(run.status, 2, `${arg}: ${run.stderr}`);
      assert.equal(run.stderr.trim().split('\n').length, 1, `${arg}: one line`);
    }
  });

  it('sets, echoes normalised values and shows them; non-root is refused with the capability message', async () => {
    const ctx = Context.open('scope=all proto=udp port=1');
    try {
      const set = mutexctl(['thresholds', 'set', '--fd', String(ctx.id), 'latency=200ms', 'error-rate=2.5%', 'bandwidth=500Mbit', 'conn-rate=1000/s', 'drop-rate=1%']);
      assert.equal(set.status, 0, set.stderr);
      assert.match(set.stdout, /200 ms/);
      const shown = await withClient((c) => c.doRequest<'thresholds'>('thresholds-get', { fd_id: ctx.id }));
      assert.equal(shown.latency_us, 200000n);
      assert.equal(shown.error_rate_ppm, 25000);
      assert.equal(shown.bandwidth_bps, 500000000n);
      assert.equal(shown.conn_rate, 1000);
      assert.equal(shown.drop_rate_ppm, 10000);

      const denied = sh(`setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all ${process.execPath} ${cliPath} thresholds set latency=100ms 2>&1; echo "exit=$?"`);
      assert.match(denied, /CAP_NET_ADMIN/);
      assert.match(denied, /exit=1/);
      const global = await withClient((c) => c.doRequest<'thresholds'>('thresholds-get'));
      assert.equal(global.latency_us, 500000n, 'unchanged');
    } finally {
      ctx.close();
    }
  });
});

describe('mutexctl alerts --follow', () => {
  it('streams NDJSON and shows a new alert within two evaluation intervals; ends on SIGINT', async () => {
    const port = freshPort();
    const ctx = Context.open(`name=follow scope=all proto=udp port=${port}`);
    try {
      // UDP to a closed port also makes ICMP errors and drops: watch floods only.
      await withClient((c) => c.doRequest('thresholds-set', { fd_id: ctx.id, conn_rate: 5, disabled: 0b10111 }));
      // The flood goes on until the follower has printed the raise (replayed
      // from the ring, which tells us it has subscribed); the clear is live.
      const floodLoop = spawn(PYTHON, ['-c', FLOOD_LOOP, String(port)], { stdio: 'ignore' });
      const follower = spawn(process.execPath, [cliPath, 'alerts', '--follow', '--json', '--fd', String(ctx.id)], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1' },
      });
      const lines: { at: number; alert: Record<string, unknown> }[] = [];
      let buf = '';
      follower.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          lines.push({ at: Date.now(), alert: JSON.parse(buf.slice(0, nl)) as Record<string, unknown> });
          buf = buf.slice(nl + 1);
        }
      });
      let stderr = '';
      follower.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((r) => follower.on('exit', (code) => r(code)));
      const deadline = Date.now() + 90_000;
      while (lines.length === 0 && Date.now() < deadline) await sleep(100);
      floodLoop.kill();
      while (!lines.some((l) => l.alert['state'] === 'cleared') && Date.now() < deadline) await sleep(100);
      assert.equal(lines[0]?.alert['state'], 'raised', `replayed raise first; stderr: ${stderr}`);
      assert.equal(lines[0]?.alert['type'], 'connection_flood');
      const cleared = lines.find((l) => l.alert['state'] === 'cleared');
      assert.ok(cleared, 'the clear arrived live');
      const delayMs = cleared.at - Number(BigInt(String(cleared.alert['time_ns'])) / 1_000_000n);
      assert.ok(delayMs <= 2 * 1000, `printed ${delayMs} ms after the evaluation that cleared it`);
      assert.equal(Number(cleared.alert['seq']), Number(lines[0]!.alert['seq']) + 1);
      follower.kill('SIGINT');
      assert.equal(await exited, 0, stderr);
      assert.doesNotMatch(stderr, /at .*\.js:\d+/, 'no stack trace');
    } finally {
      ctx.close();
    }
  });

  it('ends quietly, at its next write, when the reader of its pipe goes away', async () => {
    const port = freshPort();
    const ctx = Context.open(`scope=all proto=udp port=${port}`);
    try {
      // UDP to a closed port also makes ICMP errors and drops: watch floods only.
      await withClient((c) => c.doRequest('thresholds-set', { fd_id: ctx.id, conn_rate: 5, disabled: 0b10111 }));
      python(FLOOD, [String(port)]);
      // head may take its line after the follower wrote everything it had (the
      // raise and perhaps its clear): the follower learns that the reader left
      // only when it writes again (no poll on stdout in Node), so each later
      // flood (a new raise, then its clear) gives it that write.
      const pipeline = spawn(
        'bash',
        ['-c', `${process.execPath} ${cliPath} alerts --follow --json --fd ${ctx.id} 2>/tmp/follow.err | head -1; echo "status=\${PIPESTATUS[0]},\${PIPESTATUS[1]}"`],
        // Its own process group: on a failure the follower and head go too
        // (head would otherwise keep this file's stdout pipe open).
        { stdio: ['ignore', 'pipe', 'inherit'], detached: true },
      );
      let out = '';
      pipeline.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<void>((r) => pipeline.on('exit', () => r()));
      let done = false;
      void exited.then(() => (done = true));
      const deadline = Date.now() + 90_000;
      while (!out.includes('\n') && !done && Date.now() < deadline) await sleep(100);
      while (!done && Date.now() < deadline) {
        python(FLOOD, [String(port)]);
        await Promise.race([exited, sleep(3000)]);
      }
      if (!done) {
        process.kill(-pipeline.pid!, 'SIGKILL');
        await exited;
      }
      assert.ok(done, `the follower ended once its reader was gone; output: ${out}`);
      assert.match(out, /^\{.*"connection_flood".*\}\nstatus=0,0\n$/);
      assert.equal(sh('cat /tmp/follow.err'), '');
    } finally {
      ctx.close();
    }
  });
});
