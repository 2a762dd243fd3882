// A flow's life against the kernel's own view of its socket (issue 11):
// picked up mid-stream after idle eviction or by a later context, times that
// hold still, percentiles read while samples arrive, bursty alerts, inbound
// flows of a pid scope, receive-only RTT, ICMP errors quoting 8 bytes, conn
// lookup by id, listings under churn, owners and paths in the reader's
// namespaces.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';
import { describe, it } from 'node:test';

import type { AlertAttrs, FdAttrs } from '../../src/spec/generated.js';
import { Context, Driven, PYTHON, cliPath, connsOf, fdStats, freshPort, globalStats, mutexctl, python, sh, sleep, withClient, withParam } from './lib.js';

/**
 * One TCP connection over lo on port: "send N" sends N bytes to the server
 * (which reads them and answers one byte); replies with the retransmissions
 * of both sockets as ss counts them.
 */
const STREAM = `
import re, socket, subprocess, sys, threading
port = int(sys.argv[1])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', port)); srv.listen(1)
def serve():
    c, _ = srv.accept()
    while True:
        head = c.recv(8)
        if not head: break
        n = int(head); got = 0
        while got < n: got += len(c.recv(min(65536, n - got)) or sys.exit('closed early'))
        c.sendall(b'k')
threading.Thread(target=serve, daemon=True).start()
cl = socket.create_connection(('127.0.0.1', port))
def retrans():
    out = subprocess.run(['ss', '-tinH', f'( sport = :{port} or dport = :{port} )'], capture_output=True, text=True).stdout
    return sum(int(m) for m in re.findall(r'\\bretrans:\\d+/(\\d+)', out))
print('ready', flush=True)
for line in sys.stdin:
    n = int(line.split()[1])
    cl.sendall(b'%08d' % n + b'z' * n)
    assert cl.recv(1) == b'k'
    print(retrans(), flush=True)
`;

function lossOnLo(percent: number | undefined) {
  sh('tc qdisc del dev lo root 2>/dev/null || true');
  if (percent !== undefined) sh(`modprobe sch_netem 2>/dev/null; tc qdisc add dev lo root netem loss ${percent}%`);
}

describe('a connection picked up mid-stream inherits nothing twice', () => {
  it('after idle eviction and after a context opened late, retransmits equal ss and the connection counts once', async () => {
    const port = freshPort();
    await withParam('timeout_tcp_established', 2, async () => {
      const first = Context.open(`name=early scope=all proto=tcp port=${port}`);
      const stream = new Driven([PYTHON, '-c', STREAM, String(port)]);
      let late: Context | undefined;
      try {
        assert.equal(await stream.next(), 'ready');
        lossOnLo(10);
        let ssRetrans = 0;
        for (let i = 0; i < 10 && ssRetrans === 0; i++) ssRetrans = Number(await stream.ask('send 400000'));
        assert.ok(ssRetrans > 0, 'the loss caused retransmissions');
        let fd = await fdStats(first.id);
        assert.equal(fd.retransmits, BigInt(ssRetrans), 'retransmits = ss before eviction');
        assert.equal(fd.conns_total, 1n);

        // Idle past the established timeout: the GC ends the flow.
        lossOnLo(undefined);
        const evicted = (await globalStats()).flows_evicted!;
        await sleep(4500);
        assert.equal((await globalStats()).flows_evicted, evicted + 1n, 'the idle flow was evicted');
        assert.equal((await connsOf(first.id)).length, 0);
        ssRetrans = Number(await stream.ask('send 20000'));
        fd = await fdStats(first.id);
        const [again] = await connsOf(first.id);
        assert.equal(again!.midstream, 1, 'picked up mid-stream');
        assert.equal(fd.retransmits, BigInt(ssRetrans), 'retransmits = ss after the flow came back (not twice)');
        assert.equal(fd.conns_total, 1n, 'still one connection');
        assert.equal(again!.retransmits, 0n, 'the new flow inherited none of the socket\'s earlier retransmissions');

        // A context opened on the established connection (after the flow went idle again).
        await sleep(4500);
        late = Context.open(`name=late scope=all proto=tcp port=${port}`);
        const atOpen = ssRetrans;
        lossOnLo(10);
        for (let i = 0; i < 10 && ssRetrans === atOpen; i++) ssRetrans = Number(await stream.ask('send 400000'));
        lossOnLo(undefined);
        ssRetrans = Number(await stream.ask('send 10'));
        assert.ok(ssRetrans > atOpen, 'more retransmissions after the late context opened');
        const lateFd = await fdStats(late.id);
        assert.equal(lateFd.retransmits, BigInt(ssRetrans - atOpen), 'the late context counts only those since it picked the connection up');
        assert.equal(lateFd.conns_total, 0n, 'a connection it saw start: none');
        assert.equal((await connsOf(late.id))[0]!.midstream, 1);
      } finally {
        lossOnLo(undefined);
        await stream.close();
        first.close();
        late?.close();
      }
    });
  });
});

/** Pingpong on `conns` connections, in `procs` processes, for `secs` seconds. */
const PINGPONG = `
import os, socket, sys, threading, time
port, conns, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', port)); srv.listen(64)
def serve():
    while True:
        c, _ = srv.accept()
        threading.Thread(target=echo, args=(c,), daemon=True).start()
def echo(c):
    while True:
        b = c.recv(100)
        if not b: break
        c.sendall(b)
threading.Thread(target=serve, daemon=True).start()
pids = []
for k in range(2):
    pid = os.fork()
    if pid == 0:
        cls = [socket.create_connection(('127.0.0.1', port)) for i in range(conns // 2)]
        end = time.time() + secs
        while time.time() < end:
            for cl in cls:
                cl.sendall(b'p'); cl.recv(100)
        os._exit(0)
    pids.append(pid)
for pid in pids: os.waitpid(pid, 0)
`;

describe('readers see consistent figures while samples arrive', () => {
  it('no percentile above rtt_max_us, rates never above their peak, flow times fixed, on 2 CPUs', async () => {
    const port = freshPort();
    sh('modprobe sch_netem 2>/dev/null; tc qdisc add dev lo root netem delay 1ms 1ms');
    const ctx = Context.open(`name=hammer scope=all proto=tcp port=${port}`);
    const load = spawn(PYTHON, ['-c', PINGPONG, String(port), '8', '8'], { stdio: 'ignore' });
    const done = new Promise((r) => load.on('exit', r));
    let reads = 0;
    const seen: FdAttrs[] = [];
    try {
      await withClient(async (client) => {
        let running = true;
        void done.then(() => (running = false));
        while (running) {
          const fd = await client.doRequest<'fd'>('fd-get', { id: ctx.id });
          reads++;
          if (fd.rtt_samples! > 0n) seen.push(fd);
          for (const p of [fd.rtt_p50_us!, fd.rtt_p90_us!, fd.rtt_p99_us!])
            assert.ok(p <= fd.rtt_max_us!, `percentile ${p} above the max ${fd.rtt_max_us} (samples ${fd.rtt_samples})`);
          assert.ok(fd.rtt_p50_us! <= fd.rtt_p90_us! && fd.rtt_p90_us! <= fd.rtt_p99_us!);
          assert.ok(fd.sent_bytes_per_sec! <= fd.sent_bytes_per_sec_peak!);
          assert.ok(fd.received_bytes_per_sec! <= fd.received_bytes_per_sec_peak!);
        }
      });
      assert.ok(reads > 50 && seen.length > 20, `${reads} reads, ${seen.length} with samples`);
      assert.ok(seen.some((fd) => fd.rtt_samples! < 100n), 'some reads were taken while there were few samples');

      const first = await connsOf(ctx.id);
      await sleep(300);
      const second = new Map((await connsOf(ctx.id)).map((c) => [c.id, c]));
      assert.ok(first.length >= 8);
      for (const c of first) {
        const again = second.get(c.id)!;
        assert.ok(c.start_ns! <= c.last_ns!, 'the first packet is not after the last');
        assert.equal(again.start_ns, c.start_ns, 'start_ns does not move between reads');
        assert.equal(again.last_ns, c.last_ns, 'last_ns does not move without a packet');
      }
    } finally {
      load.kill();
      await done;
      ctx.close();
      sh('tc qdisc del dev lo root 2>/dev/null || true');
    }
  });
});

const BURSTS = `
import socket, sys, threading, time
port, bursts, on, off = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
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
cl.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for i in range(bursts):
    end = time.time() + on
    while time.time() < end:
        cl.sendall(b'p'); cl.recv(100)
    if i + 1 < bursts: time.sleep(off)
`;

describe('bursty traffic around a threshold', () => {
  it('one raise and one clear per real crossing, none for the quiet gaps between bursts', async () => {
    const port = freshPort();
    const ctx = Context.open(`name=bursty scope=all proto=tcp port=${port}`);
    const alerts = () => withClient((c) => c.dumpConsistent<'alert'>('alert-get', { fd_id: ctx.id, type: 0 }));
    try {
      await withClient(async (c) => {
        await c.doRequest('thresholds-set', { interval_ms: 500 });
        await c.doRequest('thresholds-set', { fd_id: ctx.id, latency_us: 8000n });
      });
      sh('modprobe sch_netem 2>/dev/null; tc qdisc add dev lo root netem delay 10ms');
      // Four bursts of 1 s with 1.5 s of silence between: three quiet intervals or more each.
      python(BURSTS, [String(port), '4', '1', '1.5']);
      let events: AlertAttrs[] = await alerts();
      assert.deepEqual(events.map((a) => a.state), [0], 'raised once, not cleared by the silences');
      sh('tc qdisc del dev lo root');
      python(BURSTS, [String(port + 1), '1', '3', '0'].map(String));
      await sleep(1200);
      events = await alerts();
      // The second program's connection is another flow of the same context, fast now.
      assert.deepEqual(events.map((a) => a.state), [0, 1], 'cleared once the latency really fell');
    } finally {
      sh('tc qdisc del dev lo root 2>/dev/null || true');
      await withClient((c) => c.doRequest('thresholds-set', { reset: true }));
      ctx.close();
    }
  });
});

/**
 * Two namespaces joined by a veth pair, IPv4 only.  The neighbours are
 * permanent: a slow guest would otherwise let them go stale and send ARP
 * probes through the veth in the middle of a count.
 */
function vethPair(a: string, b: string) {
  sh(`set -e; ip netns add ${a}; ip netns add ${b}
    ip link add ${a}0 netns ${a} type veth peer name ${b}0 netns ${b}
    for ns in ${a} ${b}; do ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1; ip -n $ns link set lo up; done
    ip -n ${a} addr add 10.78.0.1/24 dev ${a}0 && ip -n ${b} addr add 10.78.0.2/24 dev ${b}0
    ip -n ${a} link set ${a}0 up && ip -n ${b} link set ${b}0 up
    ip -n ${a} neigh replace 10.78.0.2 lladdr $(ip netns exec ${b} cat /sys/class/net/${b}0/address) dev ${a}0 nud permanent
    ip -n ${b} neigh replace 10.78.0.1 lladdr $(ip netns exec ${a} cat /sys/class/net/${a}0/address) dev ${b}0 nud permanent
    ip netns exec ${a} ping -c1 -W5 10.78.0.2 >/dev/null`);
  return {
    /** rx/tx packets and bytes of b's veth end. */
    counters: () => {
      const read = (what: string) => BigInt(sh(`ip netns exec ${b} cat /sys/class/net/${b}0/statistics/${what}`).trim());
      return { rxPackets: read('rx_packets'), txPackets: read('tx_packets'), rxBytes: read('rx_bytes'), txBytes: read('tx_bytes') };
    },
    remove: () => sh(`ip netns del ${a}; ip netns del ${b}`),
  };
}

function pythonIn(netns: string, script: string, args: string[]): string {
  return execFileSync('ip', ['netns', 'exec', netns, PYTHON, '-c', script, ...args], { encoding: 'utf8' });
}

/** `mutexctl conn --fd ID --json` inside netns. */
function connsIn(netns: string, fd: number): ConnAttrsJson[] {
  const run = spawnSync('ip', ['netns', 'exec', netns, process.execPath, cliPath, 'conn', '--fd', String(fd), '--json'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as ConnAttrsJson[];
}

interface ConnAttrsJson {
  id: string | number;
  direction: string;
  packets_received: number;
  packets_sent: number;
  bytes_received: number;
  bytes_sent: number;
  rtt_samples: number;
  midstream: number;
  state: string;
}

describe('inbound connections of a pid scope', () => {
  it('the server side is inbound from the SYN on: every packet through the veth is counted', async () => {
    const veth = vethPair('mpa', 'mpb');
    const port = freshPort();
    // The server in b opens its own pid-scoped context (scope: itself), then serves one connection.
    const server = new Driven([
      'ip', 'netns', 'exec', 'mpb', PYTHON, '-c',
      `import os, socket, sys
fd = os.open('/dev/mutex', os.O_RDWR)
os.write(fd, b'name=srv proto=tcp')
srv = socket.socket(); srv.bind(('10.78.0.2', int(sys.argv[1]))); srv.listen(1)
print(os.pread(fd, 100, 0).decode().split()[1], flush=True)
c, _ = srv.accept()
got = 0
while got < 3000: got += len(c.recv(4096) or sys.exit('closed early'))
c.sendall(b'r' * 10)
sys.stdin.readline()`,
      String(port),
    ]);
    try {
      const fd = Number(await server.next());
      const before = veth.counters();
      pythonIn('mpa', `import socket, sys, time
c = socket.create_connection(('10.78.0.2', int(sys.argv[1])))
c.sendall(b'q' * 3000)
got = 0
while got < 10: got += len(c.recv(100) or sys.exit('closed early'))
time.sleep(0.3)`, [String(port)]);
      const after = veth.counters();
      const [conn] = connsIn('mpb', fd);
      assert.ok(conn, 'the server side flow is tracked');
      assert.equal(conn.direction, 'inbound');
      assert.equal(conn.midstream, 0);
      assert.equal(BigInt(conn.packets_received), after.rxPackets - before.rxPackets, 'the SYN and the request: every packet b received');
      assert.equal(BigInt(conn.packets_sent), after.txPackets - before.txPackets, 'every packet b sent, the SYN-ACK too');
      assert.equal(BigInt(conn.bytes_received), after.rxBytes - before.rxBytes - 14n * (after.rxPackets - before.rxPackets), 'L3 bytes = veth bytes less Ethernet headers');
    } finally {
      await server.close();
      veth.remove();
    }
  });
});

describe('RTT of a socket that only receives', () => {
  it('counts its handshake RTT once, not once per ACK', async () => {
    const veth = vethPair('mra', 'mrb');
    const port = freshPort();
    const server = spawn('ip', ['netns', 'exec', 'mrb', PYTHON, '-c', `import socket, sys
srv = socket.socket(); srv.bind(('10.78.0.2', int(sys.argv[1]))); srv.listen(1)
c, _ = srv.accept()
for i in range(200): c.sendall(b'd' * 10000)
sys.stdin.readline()`, String(port)], { stdio: ['pipe', 'ignore', 'inherit'] });
    const exited = new Promise((r) => server.on('exit', r));
    const client = new Driven(['ip', 'netns', 'exec', 'mra', PYTHON, '-c', `import os, socket, sys, time
fd = os.open('/dev/mutex', os.O_RDWR)
os.write(fd, b'name=recv scope=all proto=tcp')
print(os.pread(fd, 100, 0).decode().split()[1], flush=True)
time.sleep(0.5)
c = socket.create_connection(('10.78.0.2', int(sys.argv[1])))
got = 0
while got < 2000000: got += len(c.recv(65536) or sys.exit('closed early'))
print('received', flush=True)
sys.stdin.readline()`, String(port)]);
    try {
      const fd = Number(await client.next());
      assert.equal(await client.next(), 'received');
      const [conn] = connsIn('mra', fd);
      assert.ok(conn!.packets_sent > 20, `the receiver acknowledged a lot (${conn!.packets_sent} packets)`);
      assert.equal(conn!.rtt_samples, 1, 'one sample: the handshake');
    } finally {
      await client.close();
      server.stdin.end('\n');
      await exited;
      veth.remove();
    }
  });
});

describe('ICMP errors', () => {
  it('an error quoting only 8 bytes of a TCP header is matched to its flow', async () => {
    const port = freshPort();
    const ctx = Context.open(`name=icmp8 scope=all proto=tcp,icmp port=${port}`);
    const held = new Driven([PYTHON, '-c', `import socket, struct, sys
port = int(sys.argv[1])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', port)); srv.listen(1)
cl = socket.create_connection(('127.0.0.1', port)); sv, _ = srv.accept()
sport = cl.getsockname()[1]
def csum(b):
    if len(b) % 2: b += b'\\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
lo = socket.inet_aton('127.0.0.1')
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 28, 0, 0, 64, 6, 0, lo, lo)
ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
quote = ip + struct.pack('!HHI', sport, port, 1)
icmp = struct.pack('!BBHI', 3, 3, 0, 0) + quote
icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
raw.sendto(icmp, ('127.0.0.1', 0))
print('sent', flush=True)
sys.stdin.readline()`, String(port)]);
    try {
      assert.equal(await held.next(), 'sent');
      await sleep(200);
      const conns = (await connsOf(ctx.id)).filter((c) => c.protocol === 6);
      assert.equal(conns.length, 1);
      assert.equal(conns[0]!.errors, 1n, 'the ICMP error counted once, on the TCP flow');
    } finally {
      await held.close();
      ctx.close();
    }
  });
});

describe('conn by id', () => {
  it('any user finds a flow by its id; another netns does not', async () => {
    const port = freshPort();
    const ctx = Context.open(`name=byid scope=all proto=udp port=${port}`);
    try {
      python(`import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'q' * 10, ('127.0.0.1', int(sys.argv[1])))`, [String(port)]);
      const [flow] = await connsOf(ctx.id);
      const asNobody = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cliPath, 'conn', String(flow!.id), '--json'], { encoding: 'utf8' });
      assert.equal(asNobody.status, 0, asNobody.stderr);
      const got = JSON.parse(asNobody.stdout) as { id: string | number; remote_port: number };
      assert.equal(BigInt(got.id), flow!.id);
      assert.equal(got.remote_port, port);
      sh('ip netns add mutex-byid');
      try {
        const elsewhere = spawnSync('ip', ['netns', 'exec', 'mutex-byid', process.execPath, cliPath, 'conn', String(flow!.id)], { encoding: 'utf8' });
        assert.equal(elsewhere.status, 1);
        assert.match(elsewhere.stderr, /no connection with id \d+ in this network namespace/);
      } finally {
        sh('ip netns del mutex-byid');
      }
    } finally {
      ctx.close();
    }
  });
});

describe('listings while flows come and go', () => {
  it('a listing of 3000 flows completes and lists each once while new flows are created all the time', () =>
    // A slow guest may take a minute to send and list them: no flow may time out meanwhile.
    withParam('timeout_udp', 900, async () => {
    const port = freshPort();
    // Told apart by peer: the churn goes to 127.0.0.2.
    const stable = Context.open(`name=stable scope=all proto=udp peer=127.0.0.1 port=${port}-${port + 2999}`);
    const churn = Context.open(`name=churn scope=all proto=udp peer=127.0.0.2`);
    python(`import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
base = int(sys.argv[1])
for p in range(base, base + 3000): s.sendto(b'x', ('127.0.0.1', p))`, [String(port)]);
    const churner = spawn(PYTHON, ['-c', `import socket, time
socks = []
while True:
    for i in range(50):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b'c', ('127.0.0.2', 40000 + (len(socks) % 20000)))
        socks.append(s)
        if len(socks) > 200: socks.pop(0).close()
    time.sleep(0.001)`], { stdio: 'ignore' });
    const stopped = new Promise((r) => churner.on('exit', r));
    try {
      await sleep(500);
      const before = await globalStats();
      const run = mutexctl(['conn', '--fd', String(stable.id), '--csv']);
      assert.equal(run.status, 0, run.stderr);
      const rows = run.stdout.trim().split('\n').slice(1);
      const ids = new Set(rows.map((r) => r.split(',')[0]));
      const after = await globalStats();
      const fd = await fdStats(stable.id);
      assert.equal(fd.conns_total, 3000n, `the context made a flow of each (untracked ${before.flows_untracked}, evicted ${before.flows_evicted})`);
      assert.equal(rows.length, 3000, `listed (untracked ${after.flows_untracked}, evicted ${after.flows_evicted}, open ${fd.conns_open})`);
      assert.equal(ids.size, 3000, 'each flow once');
      assert.ok(after.flows_tracked! > before.flows_tracked!, 'flows were being created during the listing');
    } finally {
      churner.kill();
      await stopped;
      stable.close();
      churn.close();
    }
  }));
});

describe('owners and paths in the reader\'s namespaces', () => {
  it('owner_tgid is the opener\'s pid as the reader sees it, not as the opener does', async () => {
    const holder = new Driven(['unshare', '--pid', '--fork', '--mount-proc', PYTHON, '-c', `import os, sys
fd = os.open('/dev/mutex', os.O_RDWR)
print(os.getpid(), os.pread(fd, 100, 0).decode().split()[1], flush=True)
sys.stdin.readline()`]);
    try {
      const [innerPid, id] = (await holder.next()).split(' ').map(Number);
      assert.ok(innerPid! <= 2, `the opener sees itself as pid ${innerPid}`);
      const fd = await fdStats(id!);
      // unshare --fork: the opener is the unshare process's only child.
      const outer = Number(sh(`cat /proc/${holder.pid}/task/${holder.pid}/children`).trim());
      assert.ok(outer > 2);
      assert.equal(fd.owner_tgid, outer, 'the reader sees the opener\'s pid in its own namespace');
    } finally {
      await holder.close();
    }
  });

  it('a cgroup: path is read in the writer\'s cgroup namespace and shown in the reader\'s', async () => {
    const outer = '/sys/fs/cgroup/mutex-cgns';
    mkdirSync(`${outer}/inner`, { recursive: true });
    const holder = new Driven(['sh', '-c', `echo $$ > ${outer}/cgroup.procs && exec unshare --cgroup "$0" -c "$1"`, PYTHON, `import os, sys
fd = os.open('/dev/mutex', os.O_RDWR)
os.write(fd, b'scope=cgroup:/inner proto=udp')
text = os.pread(fd, 4096, 0).decode()
print(text.split()[1], [l for l in text.splitlines() if l.startswith('selector')][0], flush=True)
sys.stdin.readline()`]);
    try {
      const [id, ...own] = (await holder.next()).split(' ');
      assert.equal(own.join(' '), 'selector scope=cgroup:/inner proto=udp', 'the writer reads its own path back');
      const fd = await fdStats(Number(id));
      assert.equal(fd.selector, 'scope=cgroup:/mutex-cgns/inner proto=udp', 'the host sees where that is');
    } finally {
      await holder.close();
      rmdirSync(`${outer}/inner`);
      rmdirSync(outer);
    }
  });
});
