// Issue 3: many flows — complete dumps under traffic, and the flow limit.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { Context, PYTHON, connsOf, fdStats, freshPort, globalStats, mutexctl, python, sleep, withClient, withParam } from './lib.js';

const MANY_FLOWS = `
import socket, sys
port, first, count = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
for p in range(first, first + count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', p)); s.sendto(b'f', ('127.0.0.1', port)); s.close()
`;

const KEEP_SENDING = `
import socket, sys, time
port, first = int(sys.argv[1]), int(sys.argv[2])
socks = []
for p in range(first, first + 50):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', p)); socks.append(s)
print('ready', flush=True)
while True:
    for s in socks:
        s.sendto(b'k', ('127.0.0.1', port))
    time.sleep(0.01)
`;

describe('dumps at scale', () => {
  // Creating and listing 10 000 flows outlasts the UDP idle timeout under emulation.
  it('10 000 flows are dumped completely and exactly once while traffic goes on', () => withParam('timeout_udp', 900, async () => {
    const port = freshPort();
    const first = 30000;
    const count = 10000;
    const ctx = Context.open(`name=many scope=all proto=udp port=${port}`);
    const background = spawn(PYTHON, ['-c', KEEP_SENDING, String(port), String(first)], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      python(MANY_FLOWS, [String(port), String(first), String(count)]);
      await new Promise((r) => background.stdout.once('data', r));

      const viaClient = await withClient((c) => c.dumpConsistent<'conn'>('conn-get', { fd_id: ctx.id }, 10));
      const ports = viaClient.map((c) => c.local_port!).sort((x, y) => x - y);
      if (viaClient.length !== count) {
        const seen = new Set(ports);
        const missing = Array.from({ length: count }, (_, i) => first + i).filter((p) => !seen.has(p));
        const fd = await fdStats(ctx.id);
        const global = await globalStats();
        assert.fail(
          `${viaClient.length} flows dumped, not ${count}; missing local ports ${missing.slice(0, 20).join(',')}; ` +
            `the context tracks ${fd.flows_tracked}, untracked packets ${global.flows_untracked}, ` +
            `flows in the table ${global.flows_tracked}, contexts here ${global.fds_active}, this namespace's flow limit ${global.flow_limit}; ` +
            `${readFileSync('/proc/mutex/stats', 'utf8').split('\n').filter((l) => /flow|context|netns/.test(l)).join('; ')}`,
        );
      }
      assert.equal(new Set(viaClient.map((c) => c.id)).size, count, 'no flow twice');
      assert.deepEqual(ports, Array.from({ length: count }, (_, i) => first + i), 'every flow once');

      const run = mutexctl(['conn', '--fd', String(ctx.id), '--csv', '--no-header']);
      assert.equal(run.status, 0, run.stderr);
      const rows = run.stdout.trimEnd().split(/\r?\n/).map((line) => line.split(','));
      assert.equal(rows.length, count, 'the CLI lists them all');
      // Streamed in the kernel's order: the library's dump is in the same order, flow for flow.
      const tuple = (c: (typeof viaClient)[number]) => [String(c.id), String(c.fd_id), 'ipv4', 'udp', '127.0.0.1', String(c.local_port), '127.0.0.1', String(c.remote_port)];
      assert.deepEqual(rows.map((r) => r.slice(0, 8)), viaClient.map(tuple), 'the same flows, ids and 5-tuples, in the dump\'s order');
      const json = mutexctl(['conn', '--fd', String(ctx.id), '--json']);
      assert.equal(json.status, 0, json.stderr);
      const objects = JSON.parse(json.stdout) as { id: number; local_port: number }[];
      assert.deepEqual(objects.map((o) => [String(o.id), String(o.local_port)]), rows.map((r) => [r[0], r[5]]), '--json lists the same, in the same order');
      const sorted = mutexctl(['conn', '--fd', String(ctx.id), '--csv', '--no-header', '--sort', 'id']);
      const sortedIds = sorted.stdout.trimEnd().split(/\r?\n/).map((line) => BigInt(line.split(',')[0]!));
      assert.deepEqual(sortedIds, viaClient.map((c) => c.id!).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), '--sort id sorts');
      assert.equal((await fdStats(ctx.id)).flows_tracked, BigInt(count));
    } finally {
      background.kill();
      ctx.close();
    }
  }));
});

describe('flow timeouts', () => {
  it('the GC ends idle flows after their timeout and counts them as evicted', () => withParam('timeout_udp', 2, async () => {
    const port = freshPort();
    const ctx = Context.open(`scope=all proto=udp port=${port}`);
    try {
      const before = await globalStats();
      python(`import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'g', ('127.0.0.1', int(sys.argv[1])))`, [String(port)]);
      assert.equal((await connsOf(ctx.id)).length, 1);
      await sleep(5000);
      assert.equal((await connsOf(ctx.id)).length, 0, 'gone after the idle timeout');
      const after = await globalStats();
      assert.equal(after.flows_evicted! - before.flows_evicted!, 1n);
      const fd = await fdStats(ctx.id);
      assert.equal(fd.flows_tracked, 0n);
      assert.equal(fd.conns_total, 1n, 'ended flows still count in the totals');
      assert.equal(fd.packets_sent, 1n);
    } finally {
      ctx.close();
    }
  }));
});

describe('the GC and busy flows', () => {
  // The GC reads jiffies once per walk; a packet counted after that read (a tick
  // later, on another CPU) must not make its flow look 2^32 - 1 jiffies idle.
  it('flows that send every 10 ms are never evicted, whatever the GC reads while they do', () => withParam('timeout_udp', 2, async () => {
    const port = freshPort();
    const first = 61000 + (port % 4000); // above the ephemeral ports
    const ctx = Context.open(`name=busy scope=all proto=udp port=${port}`);
    const background = spawn(PYTHON, ['-c', KEEP_SENDING, String(port), String(first)], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((r) => background.stdout.once('data', r));
      await sleep(500);
      const before = await globalStats();
      const ids = (await connsOf(ctx.id)).map((c) => c.id).sort();
      assert.equal(ids.length, 50);
      await sleep(8000); // eight GC rounds and more, with a 2 s timeout
      const after = await globalStats();
      assert.equal(after.flows_evicted! - before.flows_evicted!, 0n, 'no busy flow evicted');
      assert.deepEqual((await connsOf(ctx.id)).map((c) => c.id).sort(), ids, 'the same 50 flows, none re-created');
    } finally {
      background.kill();
      ctx.close();
    }
  }));
});

describe('flow limit', () => {
  it('a flood past the limit keeps memory bounded and counts untracked flows', async () => {
    const param = '/sys/module/mutex/parameters/max_flows';
    const saved = readFileSync(param, 'utf8').trim();
    const port = freshPort();
    const limit = 1000;
    const flood = 3000;
    const ctx = Context.open(`name=flood scope=all proto=udp port=${port}`);
    try {
      const before = await globalStats();
      assert.equal(before.flows_tracked, 0n, 'no other flows in the table');
      writeFileSync(param, String(limit));
      python(MANY_FLOWS, [String(port), '40000', String(flood)]);
      const after = await globalStats();
      assert.equal(after.flows_tracked, BigInt(limit));
      assert.equal((await fdStats(ctx.id)).flows_tracked, BigInt(limit));
      // Every datagram of an untracked flow is refused twice over lo: out and in.
      assert.equal(after.flows_untracked! - before.flows_untracked!, 2n * BigInt(flood - limit));
      assert.equal(after.flow_limit, limit);
      assert.ok(after.memory_bytes! <= BigInt(limit) * 256n + BigInt(after.flow_buckets!) * 16n, `memory ${after.memory_bytes}`);
    } finally {
      writeFileSync(param, saved);
      ctx.close();
    }
  });
});
