// Issue 3: contexts — scopes, filters, selectors, lifetime, namespaces.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';
import { describe, it } from 'node:test';

import {
  Context,
  PYTHON,
  UDP_ROUND_TRIP,
  connsOf,
  fdStats,
  freshPort,
  globalStats,
  python,
  sh,
  withClient,
} from './lib.js';

const SIZE = 200;
const udpBytes = (n: number) => BigInt(n * (SIZE + 28));

/** Spawns `sh` that waits for a line on stdin, then runs the UDP sender as its child. */
function gatedSender(port: number, n: number): { pid: number; go: () => Promise<void> } {
  const child = spawn('sh', ['-c', 'read x; "$0" -c "$1" 4 "$2" "$3" "$4" >/dev/null', PYTHON, UDP_ROUND_TRIP, String(port), String(n), String(SIZE)], {
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  const done = new Promise<void>((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sender exited ${code}`)))),
  );
  return {
    pid: child.pid!,
    go: () => {
      child.stdin.end('go\n');
      return done;
    },
  };
}

describe('scopes', () => {
  it('two cgroup contexts and a pid-tree context see exactly their own traffic; the rest is untracked', async () => {
    const cgA = '/sys/fs/cgroup/mutex-test-a';
    const cgB = '/sys/fs/cgroup/mutex-test-b';
    mkdirSync(cgA, { recursive: true });
    mkdirSync(cgB, { recursive: true });
    const sender = gatedSender(freshPort(), 17);
    const a = Context.open(`name=a scope=cgroup:${cgA} proto=udp`);
    const b = Context.open(`name=b scope=cgroup:${cgB.replace('/sys/fs/cgroup', '')} proto=udp`);
    const c = Context.open(`name=c scope=pid:${sender.pid} proto=udp`);
    try {
      const before = await globalStats();
      python(UDP_ROUND_TRIP, ['4', String(freshPort()), '11', String(SIZE)], { cgroup: cgA });
      python(UDP_ROUND_TRIP, ['4', String(freshPort()), '13', String(SIZE)], { cgroup: cgB });
      await sender.go();
      python(UDP_ROUND_TRIP, ['4', String(freshPort()), '19', String(SIZE)]); // nobody's
      const after = await globalStats();

      const [fa, fb, fc] = await Promise.all([fdStats(a.id), fdStats(b.id), fdStats(c.id)]);
      assert.equal(fa.packets_sent, 11n);
      assert.equal(fa.bytes_sent, udpBytes(11));
      assert.equal(fb.packets_sent, 13n);
      assert.equal(fb.bytes_received, udpBytes(13));
      assert.equal(fc.packets_sent, 17n);
      assert.equal(fc.bytes_sent, udpBytes(17));
      for (const f of [fa, fb, fc]) assert.equal(f.conns_total, 1n);

      const sum = (key: 'bytes_sent' | 'bytes_received' | 'packets_sent' | 'conns_total') =>
        fa[key]! + fb[key]! + fc[key]!;
      for (const key of ['bytes_sent', 'bytes_received', 'packets_sent', 'conns_total'] as const)
        assert.equal(after[key]! - before[key]!, sum(key), `global ${key} equals the sum over fds`);
      assert.equal(after.unmatched_packets! - before.unmatched_packets!, 2n * 19n, 'outsider: each datagram out and in');
      assert.match(b.read(), /^selector name=b scope=cgroup:\/mutex-test-b proto=udp$/m);
    } finally {
      a.close();
      b.close();
      c.close();
      rmdirSync(cgA);
      rmdirSync(cgB);
    }
  });

  it('uid scope and the port/peer filters narrow what a context sees', async () => {
    const port = freshPort();
    const other = freshPort();
    const byUid = Context.open(`scope=uid:0 proto=udp port=${port}`);
    const byPeer = Context.open(`scope=all proto=udp peer=10.9.9.0/24`);
    try {
      python(UDP_ROUND_TRIP, ['4', String(port), '5', String(SIZE)]);
      python(UDP_ROUND_TRIP, ['4', String(other), '7', String(SIZE)]);
      assert.equal((await fdStats(byUid.id)).packets_sent, 5n);
      assert.equal((await fdStats(byPeer.id)).packets_sent, 0n, '127.0.0.1 is outside 10.9.9.0/24');
    } finally {
      byUid.close();
      byPeer.close();
    }
  });
});

describe('selectors', () => {
  const bad = [
    'colour=blue',
    'scope=all peer=10.0.0.0/33',
    'scope=all peer=300.1.2.3',
    'scope=all port=70000',
    'scope=all port=9-3',
    'scope=pid:0',
    'scope=cgroup:/does/not/exist',
    'scope=everything',
    'scope=all proto=sctp',
    'scope=all scope=all',
    'name=',
    '',
    '   \n',
    'scope=all\u0000port=1',
    'x'.repeat(64 * 1024),
  ];
  it('an invalid selector fails with EINVAL and leaves the old one in force', () => {
    const port = freshPort();
    const ctx = Context.open(`name=keep scope=all proto=udp port=${port}`);
    try {
      const good = ctx.read();
      for (const selector of bad) {
        assert.throws(
          () => ctx.write(selector),
          (err: NodeJS.ErrnoException) => err.code === 'EINVAL',
          JSON.stringify(selector.slice(0, 40)),
        );
        assert.equal(ctx.read(), good);
      }
      python(UDP_ROUND_TRIP, ['4', String(port), '3', String(SIZE)]);
      assert.match(ctx.read(), /^packets_sent 3$/m, 'the old selector still counts');
    } finally {
      ctx.close();
    }
  });

  it('a valid selector is echoed in canonical form', () => {
    const ctx = Context.open('name=web scope=all proto=udp,tcp port=443,8000-8080 peer=10.0.0.0/8,::1');
    try {
      assert.match(ctx.read(), /^selector name=web scope=all proto=tcp,udp port=443,8000-8080 peer=10\.0\.0\.0\/8,::1\/128$/m);
    } finally {
      ctx.close();
    }
  });

  it('a user without CAP_NET_ADMIN cannot open /dev/mutex', () => {
    const out = sh(
      `setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all ${PYTHON} -c "
import os
try:
    os.open('/dev/mutex', os.O_RDWR); print('opened')
except OSError as e:
    print(e.errno)" `,
    );
    assert.equal(out.trim(), '1', 'EPERM');
  });
});

describe('lifetime', () => {
  it('a context lives while any reference exists and dies with the last, taking its flows', async () => {
    const port = freshPort();
    const script = `
import os, socket, sys, time
fd = os.open('/dev/mutex', os.O_RDWR)
os.write(fd, b'scope=all proto=udp port=${port}')
print(os.pread(fd, 100, 0).decode().split()[1], flush=True)
r, w = os.pipe()
if os.fork() == 0:
    os.close(w); os.read(r, 1); os._exit(0)     # the child keeps fd until told
os.close(r)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'z', ('127.0.0.1', ${port}))
os.close(fd)                                      # parent's reference gone
print('closed', flush=True)
sys.stdin.readline()
os.write(w, b'x'); os.wait()
`;
    const child = spawn(PYTHON, ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines: string[] = [];
    let buf = '';
    const waitLines = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (lines.length >= n ? resolve() : undefined);
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          const parts = buf.split('\n');
          buf = parts.pop()!;
          lines.push(...parts);
          check();
        });
        check();
      });
    await waitLines(2);
    const id = Number(lines[0]);
    assert.equal((await connsOf(id)).length, 1, 'alive through the child reference');
    const exited = new Promise((r) => child.on('exit', r));
    child.stdin.end('\n');
    await exited;
    await withClient(async (client) => {
      const fds = await client.dumpConsistent<'fd'>('fd-get');
      assert.ok(!fds.some((f) => f.id === id), 'gone after the last close');
      const conns = await client.dumpConsistent<'conn'>('conn-get');
      assert.ok(!conns.some((c) => c.fd_id === id), 'its flows are gone too');
    });
  });
});

describe('network namespaces', () => {
  it('contexts and flows in another netns are invisible here, and the reverse', async () => {
    sh('ip netns add mutex-test && ip -n mutex-test link set lo up');
    const port = freshPort();
    const script = `
import os, socket, sys
fd = os.open('/dev/mutex', os.O_RDWR)
os.write(fd, b'scope=all proto=udp port=${port}')
print(os.pread(fd, 100, 0).decode().split()[1], flush=True)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'n', ('127.0.0.1', ${port}))
sys.stdin.readline()
`;
    const child = spawn('ip', ['netns', 'exec', 'mutex-test', PYTHON, '-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    const here = Context.open(`scope=all proto=udp port=${port}`);
    try {
      const theirId = await new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
      python(`import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'h', ('127.0.0.1', int(sys.argv[1])))`, [String(port)]);
      await withClient(async (client) => {
        const fds = await client.dumpConsistent<'fd'>('fd-get');
        assert.ok(fds.some((f) => f.id === here.id));
        assert.ok(!fds.some((f) => f.id === theirId), 'their context is not listed here');
        const conns = await client.dumpConsistent<'conn'>('conn-get');
        assert.ok(!conns.some((c) => c.fd_id === theirId), 'their flows are not listed here');
        await assert.rejects(client.doRequest<'fd'>('fd-get', { id: theirId }), /no context/);
      });
      const theirView = sh(
        `ip netns exec mutex-test ${process.execPath} -e '
import("./dist/src/netlink/index.js").then(async ({ MutexClient }) => {
  const c = await MutexClient.open();
  const fds = await c.dumpConsistent("fd-get");
  const conns = await c.dumpConsistent("conn-get");
  console.log(JSON.stringify({ fds: fds.map((f) => f.id), conns: conns.map((x) => x.fd_id) }));
  c.close();
})'`,
      );
      const view = JSON.parse(theirView) as { fds: number[]; conns: number[] };
      assert.deepEqual(view.fds, [theirId], 'they see only their own context');
      assert.deepEqual(view.conns, [theirId], 'and only their own flow');
    } finally {
      here.close();
      child.stdin.end('\n');
      await new Promise((r) => child.on('exit', r));
      sh('ip netns del mutex-test');
    }
  });
});
