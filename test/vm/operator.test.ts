// What operators coming from ss, conntrack and drop_monitor look for (issue
// 15): the process behind each flow, filters applied in the kernel, and drops
// by the kernel's own drop reason, each against an outside oracle.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ConnAttrs } from '../../src/spec/generated.js';
import { Context, Driven, PYTHON, connsOf, fdStats, freshPort, mutexctl, sh, withClient } from './lib.js';
import { DropTrace } from './oracles.js';

/**
 * A TCP client named by prctl (its comm) that connects to each port given,
 * sends one line on each, and waits: "pid" replies its pid once connected.
 */
const NAMED_CLIENT = `
import ctypes, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)  # PR_SET_NAME
conns = [socket.create_connection(('127.0.0.1', int(p)), timeout=30) for p in sys.argv[2:]]
for c in conns:
    c.sendall(b'hello\\n')
import os
print(os.getpid(), flush=True)
sys.stdin.readline()
`;

/** A TCP server on each port given that accepts and reads forever (as "srv"); "serving" once all listen. */
const SERVER = `
import ctypes, socket, sys, threading
ctypes.CDLL(None).prctl(15, b'srv', 0, 0, 0)
def serve(s):
    while True:
        c, _ = s.accept()
        threading.Thread(target=lambda c=c: [None for _ in iter(lambda: c.recv(4096), b'')], daemon=True).start()
for p in sys.argv[1:]:
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', int(p))); s.listen(16)
    threading.Thread(target=serve, args=(s,), daemon=True).start()
print('serving', flush=True)
sys.stdin.readline()
`;

const portsOf = (conns: readonly ConnAttrs[]) => conns.map((c) => c.remote_port).sort((a, b) => a! - b!);

describe('the process behind each flow', () => {
  it('two processes sharing one context: each flow names the one that sent on it, and --process keeps only its flows', async () => {
    const ports = [freshPort(), freshPort(), freshPort()];
    const server = new Driven([PYTHON, '-c', SERVER, ...ports.map(String)]);
    const ctx = Context.open(`name=procs scope=all proto=tcp port=${ports.join(',')}`);
    try {
      assert.equal(await server.next(), 'serving');
      const alpha = new Driven([PYTHON, '-c', NAMED_CLIENT, 'alpha', String(ports[0]), String(ports[1])]);
      const beta = new Driven([PYTHON, '-c', NAMED_CLIENT, 'beta', String(ports[2])]);
      try {
        const [alphaPid, betaPid] = [Number(await alpha.next()), Number(await beta.next())];
        const conns = await connsOf(ctx.id);
        assert.equal(conns.length, 3, 'one flow per connection (both ends are this host: one key)');
        for (const conn of conns) {
          const mine = conn.remote_port === ports[2] ? { pid: betaPid, comm: 'beta' } : { pid: alphaPid, comm: 'alpha' };
          assert.equal(conn.pid, mine.pid, `flow to ${conn.remote_port}`);
          assert.equal(conn.comm, mine.comm);
        }
        const byName = JSON.parse(mutexctl(['conn', '--fd', String(ctx.id), '--process', 'alpha', '--json']).stdout) as { remote_port: number; pid: number }[];
        assert.deepEqual(byName.map((c) => c.remote_port).sort(), [ports[0], ports[1]].sort());
        const byPid = JSON.parse(mutexctl(['conn', '--fd', String(ctx.id), '--process', String(betaPid), '--json']).stdout) as { remote_port: number }[];
        assert.deepEqual(byPid.map((c) => c.remote_port), [ports[2]]);
        const table = mutexctl(['conn', '--fd', String(ctx.id), '--columns', 'remote_port,pid,comm', '--csv']);
        assert.match(table.stdout, new RegExp(`${ports[2]},${betaPid},beta`));
      } finally {
        await alpha.close();
        await beta.close();
      }
    } finally {
      ctx.close();
      await server.close();
    }
  });
});

describe('filters in the kernel', () => {
  it('family, CIDR and port ranges select exactly the flows a reading of every flow would', async () => {
    const base = freshPort();
    for (let i = 1; i < 12; i++) freshPort();
    const ctx = Context.open(`name=filters scope=all proto=udp port=${base}-${base + 11}`);
    try {
      // UDP to 127.0.0.1, 127.0.0.2 and ::1, four ports each.
      sh(`${PYTHON} -c "
import socket
for i, (fam, host) in enumerate([(socket.AF_INET, '127.0.0.1'), (socket.AF_INET, '127.0.0.2'), (socket.AF_INET6, '::1')]):
    for p in range(4):
        s = socket.socket(fam, socket.SOCK_DGRAM); s.sendto(b'f', (host, ${base} + 4 * i + p))
"`);
      const all = await connsOf(ctx.id);
      assert.equal(all.length, 12);
      const cases: [string[], (c: ConnAttrs) => boolean][] = [
        [['-4'], (c) => c.family === 2],
        [['-6'], (c) => c.family === 10],
        [['--remote', '127.0.0.2/32'], (c) => c.remote_port! >= base + 4 && c.remote_port! < base + 8],
        [['--remote', '127.0.0.0/8'], (c) => c.family === 2],
        [['--remote', '::1'], (c) => c.family === 10],
        [['--rport', `${base + 2}-${base + 5}`], (c) => c.remote_port! >= base + 2 && c.remote_port! <= base + 5],
        [['-4', '--rport', `${base + 3}-${base + 9}`], (c) => c.family === 2 && c.remote_port! >= base + 3],
        [['--rport', String(base + 11), '--local', '::1/128'], (c) => c.remote_port === base + 11],
      ];
      for (const [flags, keep] of cases) {
        const run = mutexctl(['conn', '--fd', String(ctx.id), ...flags, '--json']);
        assert.equal(run.status, 0, run.stderr);
        const got = (JSON.parse(run.stdout) as { remote_port: number }[]).map((c) => c.remote_port).sort((a, b) => a - b);
        assert.deepEqual(got, portsOf(all.filter(keep)), flags.join(' '));
      }
      // In the kernel: the dump itself carries only the matching flows.
      const dumped = await withClient((c) => c.dumpConsistent<'conn'>('conn-get', { fd_id: ctx.id, family: 10 }));
      assert.equal(dumped.length, 4);
    } finally {
      ctx.close();
    }
  });

  it('a malformed filter is refused by the kernel with a message, and by the CLI before asking', async () => {
    await assert.rejects(
      withClient((c) => c.dumpConsistent<'conn'>('conn-get', { local_addr: Uint8Array.from([127, 0, 0, 1]), local_prefix_len: 40 })),
      /prefix is longer than the address/,
    );
    await assert.rejects(withClient((c) => c.dumpConsistent<'conn'>('conn-get', { local_port_max: 80 })), /needs its first port/);
    await assert.rejects(withClient((c) => c.dumpConsistent<'conn'>('conn-get', { family: 7 })), /family must be/);
    const run = mutexctl(['conn', '--rport', '99999']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--rport must be a port/);
  });
});

/** Context and flow drops of one reason, against the kernel's kfree_skb events of that reason. */
async function reasonsAgree(ctx: Context, trace: DropTrace, reason: string, least: number) {
  const kernel = trace.counts().filter((c) => c.reason === reason && c.protocol === 0x0800).reduce((n, c) => n + c.hits, 0);
  assert.ok(kernel >= least, `the kernel dropped ${kernel} packets for ${reason}`);
  const fd = await fdStats(ctx.id);
  const byReason = Object.fromEntries((fd.drop_reasons ?? []).map((r) => [r.reason, r.drops]));
  assert.deepEqual(byReason, { [reason]: BigInt(kernel) }, `context drops by reason vs ${kernel} ${reason} events`);
  assert.equal(fd.drops, BigInt(kernel));
  const flows = (await connsOf(ctx.id)).map((c) => Object.fromEntries((c.drop_reasons ?? []).map((r) => [r.reason, r.drops])));
  const perFlow = flows.reduce((n, f) => n + (f[reason] ?? 0n), 0n);
  assert.equal(perFlow, BigInt(kernel), 'the flows\' drops of that reason add up to the same');
  return kernel;
}

describe('drops by the kernel\'s drop reason', () => {
  it('a full receive buffer: SOCKET_RCVBUFF, as the kernel counts it', async () => {
    const port = freshPort();
    const ctx = Context.open(`name=rcvbuf scope=all proto=udp port=${port}`);
    const trace = DropTrace.start('mutex-reason-rcvbuf');
    try {
      sh(`${PYTHON} -c "
import socket
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048); r.bind(('127.0.0.1', ${port}))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect(('127.0.0.1', ${port}))
for i in range(300): s.send(b'x' * 1000)
"`);
      await reasonsAgree(ctx, trace, 'SOCKET_RCVBUFF', 100);
    } finally {
      trace.stop();
      ctx.close();
    }
  });

  it('no socket listening: NO_SOCKET, and the Prometheus export labels it', async () => {
    const port = freshPort();
    const ctx = Context.open(`name=nosock scope=all proto=udp port=${port}`);
    const trace = DropTrace.start('mutex-reason-nosock');
    try {
      sh(`${PYTHON} -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(25): s.sendto(b'x', ('127.0.0.1', ${port}))
"`);
      const kernel = await reasonsAgree(ctx, trace, 'NO_SOCKET', 25);
      const text = mutexctl(['export', '--format', 'prometheus']).stdout;
      assert.match(text, new RegExp(`^mutex_fd_drops_by_reason_total\\{fd="${ctx.id}",name="nosock",reason="NO_SOCKET"\\} ${kernel}$`, 'm'));
    } finally {
      trace.stop();
      ctx.close();
    }
  });

  it('an nftables drop rule: NETFILTER_DROP on the flow it cut', async () => {
    const port = freshPort();
    const ctx = Context.open(`name=nft scope=all proto=udp port=${port}`);
    const sender = new Driven([PYTHON, '-c', `
import socket, sys
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(('127.0.0.1', ${port}))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect(('127.0.0.1', ${port}))
for line in sys.stdin:
    for i in range(int(line)):
        try: s.send(b'n' * 10)
        except OSError: pass
    print('sent', flush=True)
`]);
    let trace: DropTrace | undefined;
    try {
      assert.equal(await sender.ask('5'), 'sent');
      sh(`nft add table inet mutextest && nft add chain inet mutextest out '{ type filter hook output priority 0; }' && nft add rule inet mutextest out udp dport ${port} drop`);
      trace = DropTrace.start('mutex-reason-nft');
      assert.equal(await sender.ask('7'), 'sent');
      await reasonsAgree(ctx, trace, 'NETFILTER_DROP', 7);
      const [conn] = await connsOf(ctx.id);
      assert.equal(conn!.packets_sent, 5n, 'the dropped datagrams never left');
    } finally {
      trace?.stop();
      sh('nft delete table inet mutextest 2>/dev/null || true');
      await sender.close();
      ctx.close();
    }
  });
});
