// The packet path's shortcuts (issue 14): the socket cache that answers a
// connected socket's packets without parsing or matching, and hooks that
// exist only while a namespace has a context. Every count is exact UDP
// arithmetic: a datagram of n payload bytes is n + 28 bytes at L3, seen once
// leaving and once arriving over lo.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ConnAttrs } from '../../src/spec/generated.js';
import { Context, Driven, PYTHON, connsOf, fdStats, freshPort, sh, sleep, withParam } from './lib.js';
import { FunctionCalls } from './oracles.js';

/**
 * A connected UDP sender and the receivers it talks to, all on 127.0.0.1.
 * Commands: "send N SIZE" (on the connected socket), "sendto N SIZE PORT"
 * (explicit destination on the same socket), "connect PORT"; each replies
 * "ok" once every datagram arrived.  Receivers are bound at start on every
 * port given; with --uid U they are made by a child that runs as U and they
 * connect back to the sender, so they are connected sockets too.
 */
const UDP_PEERS = `
import os, socket, sys
args = sys.argv[1:]
uid = None
if args[0] == '--uid':
    uid = int(args[1]); args = args[2:]
ports = [int(p) for p in args]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 0))
me = s.getsockname()
if uid is not None:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.setuid(uid)
        socks = {}
        for p in ports:
            x = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); x.bind(('127.0.0.1', p)); x.connect(me)
            socks[p] = x
        os.write(w, b'r')
        while True:
            for x in socks.values():
                x.setblocking(True)
            import select
            ready, _, _ = select.select(list(socks.values()), [], [])
            for x in ready:
                x.recv(65536)
    os.read(r, 1)
    recv = None
else:
    recv = {}
    for p in ports:
        x = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); x.bind(('127.0.0.1', p)); recv[p] = x
s.connect(('127.0.0.1', ports[0]))
dest = ports[0]
print('ready', flush=True)
for line in sys.stdin:
    cmd = line.split()
    if cmd[0] == 'connect':
        dest = int(cmd[1]); s.connect(('127.0.0.1', dest))
    else:
        n, size = int(cmd[1]), int(cmd[2])
        to = int(cmd[3]) if cmd[0] == 'sendto' else dest
        for i in range(n):
            if cmd[0] == 'sendto':
                s.sendto(b'u' * size, ('127.0.0.1', to))
            else:
                s.send(b'u' * size)
            if recv is not None:
                recv[to].recv(65536)
        if recv is None:
            import time; time.sleep(0.2)
    print('ok', flush=True)
if uid is not None:
    os.kill(pid, 9)
`;

const L3 = (payload: number) => BigInt(payload + 28);

function flowTo(conns: ConnAttrs[], port: number): ConnAttrs | undefined {
  return conns.find((c) => c.remote_port === port || c.local_port === port);
}

describe('the socket cache', () => {
  it('a socket no context wanted is counted from the moment a selector starts to want it', async () => {
    const [port, other] = [freshPort(), freshPort()];
    const ctx = Context.open(`name=later scope=all proto=udp port=${other}`);
    const peers = new Driven([PYTHON, '-c', UDP_PEERS, String(port)]);
    try {
      assert.equal(await peers.next(), 'ready');
      assert.equal(await peers.ask('send 50 100'), 'ok');
      assert.equal((await fdStats(ctx.id)).packets_sent, 0n, 'not wanted yet');
      ctx.write(`name=later scope=all proto=udp port=${port}`);
      assert.equal(await peers.ask('send 40 100'), 'ok');
      const fd = await fdStats(ctx.id);
      assert.equal(fd.packets_sent, 40n);
      assert.equal(fd.packets_received, 40n);
      assert.equal(fd.bytes_sent, 40n * L3(100));
      ctx.write(`name=later scope=all proto=udp port=${other}`);
      assert.equal(await peers.ask('send 30 100'), 'ok');
      const after = await fdStats(ctx.id);
      // A selector decides new flows; the flow already made stays the context's.
      assert.equal(after.packets_sent, 70n);
      assert.equal(after.packets_received, 70n);
    } finally {
      await peers.close();
      ctx.close();
    }
  });

  it('a connected socket that reconnects, or names another destination, counts on the right flow', async () => {
    const [first, second] = [freshPort(), freshPort()];
    const ctx = Context.open(`name=moves scope=all proto=udp port=${first},${second}`);
    const peers = new Driven([PYTHON, '-c', UDP_PEERS, String(first), String(second)]);
    try {
      assert.equal(await peers.next(), 'ready');
      assert.equal(await peers.ask('send 20 64'), 'ok');
      assert.equal(await peers.ask(`sendto 7 64 ${second}`), 'ok');
      assert.equal(await peers.ask('send 5 64'), 'ok');
      assert.equal(await peers.ask(`connect ${second}`), 'ok');
      assert.equal(await peers.ask('send 30 64'), 'ok');
      const conns = await connsOf(ctx.id);
      assert.equal(conns.length, 2, JSON.stringify(conns, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
      assert.equal(flowTo(conns, first)?.packets_sent, 25n);
      assert.equal(flowTo(conns, first)?.packets_received, 25n);
      assert.equal(flowTo(conns, second)?.packets_sent, 37n);
      assert.equal(flowTo(conns, second)?.bytes_received, 37n * L3(64));
    } finally {
      await peers.close();
      ctx.close();
    }
  });

  it('a socket no context wants counts once its peer\'s socket made the flow', async () => {
    // The receivers run as uid 4321 and only they match: the sender's first
    // datagram leaves unmatched, arrives at a matching socket and makes the
    // flow; every later datagram of the sender counts on it.
    const port = freshPort();
    const ctx = Context.open(`name=peer scope=uid:4321 proto=udp port=${port}`);
    const peers = new Driven([PYTHON, '-c', UDP_PEERS, '--uid', '4321', String(port)]);
    try {
      assert.equal(await peers.next(), 'ready');
      for (let i = 0; i < 10; i++) assert.equal(await peers.ask('send 1 200'), 'ok');
      const [conn] = await connsOf(ctx.id);
      assert.ok(conn, 'the receiver made the flow');
      assert.equal(conn.direction, 1, 'inbound: made by its receiving end');
      assert.equal(conn.packets_received, 10n);
      assert.equal(conn.packets_sent, 9n, 'all but the datagram that left before the flow existed');
    } finally {
      await peers.close();
      ctx.close();
    }
  });

  it('a flow the GC ended while its socket kept sending is made anew, every packet counted', async () => {
    const port = freshPort();
    await withParam('timeout_udp', 1, async () => {
      const ctx = Context.open(`name=gc scope=all proto=udp port=${port}`);
      const peers = new Driven([PYTHON, '-c', UDP_PEERS, String(port)]);
      try {
        assert.equal(await peers.next(), 'ready');
        assert.equal(await peers.ask('send 15 80'), 'ok');
        const before = (await connsOf(ctx.id))[0]?.id;
        for (let i = 0; i < 30 && (await connsOf(ctx.id)).some((c) => c.id === before); i++) await sleep(500);
        assert.ok(!(await connsOf(ctx.id)).some((c) => c.id === before), 'the GC ended the flow');
        assert.equal(await peers.ask('send 25 80'), 'ok');
        const fd = await fdStats(ctx.id);
        assert.equal(fd.packets_sent, 40n);
        assert.equal(fd.bytes_received, 40n * L3(80));
        const conns = await connsOf(ctx.id);
        assert.equal(conns.length, 1);
        assert.equal(conns[0]!.packets_sent, 25n);
      } finally {
        await peers.close();
        ctx.close();
      }
    });
  });
});

/** Five UDP datagrams to a closed port over lo: each leaves, arrives and is dropped (NO_SOCKET). */
function udpToClosedPort(port: number): void {
  sh(`${PYTHON} -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5): s.sendto(b'h', ('127.0.0.1', ${port}))
"`);
}

describe('hooks and probes only while a context exists', () => {
  it('none run before the first context, both with one, none a moment after the last closed', async () => {
    const port = freshPort();
    // Any context of an earlier test file is closed; its switch-off takes a second.
    await sleep(2500);
    const calls = FunctionCalls.start('mutex-calls', ['mutex_hook', 'mutex_kfree_skb_probe']);
    try {
      udpToClosedPort(port);
      assert.equal(calls.count('mutex_hook'), 0, 'no hook runs without a context');
      assert.equal(calls.count('mutex_kfree_skb_probe'), 0, 'nor the drop probe');
      const ctx = Context.open('name=calls scope=all');
      try {
        udpToClosedPort(port);
        assert.ok(calls.count('mutex_hook') >= 10, `hooks ran (${calls.count('mutex_hook')} calls for 5 datagrams out and in)`);
        assert.ok(calls.count('mutex_kfree_skb_probe') >= 5, 'the drop probe ran for the 5 drops');
      } finally {
        ctx.close();
      }
      await sleep(2500);
      calls.clear();
      udpToClosedPort(port);
      assert.equal(calls.count('mutex_hook'), 0, 'the hooks are gone a moment after the last context');
      assert.equal(calls.count('mutex_kfree_skb_probe'), 0, 'and the probe');
      // Opening and closing in a loop keeps them registered (no re-patching
      // each time): datagrams sent right after the last close meet them.
      sh(`${PYTHON} -c "
import os, socket
for i in range(5): os.close(os.open('/dev/mutex', os.O_RDWR))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5): s.sendto(b'h', ('127.0.0.1', ${port}))
"`);
      assert.ok(calls.count('mutex_hook') >= 10, 'still there within the second after a close');
    } finally {
      calls.stop();
    }
  });
});
