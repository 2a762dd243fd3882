// Issue 3: counters checked against oracles that are not the module:
// datagram arithmetic, the lo interface counters, ss -ti, /proc/net/udp.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';

import {
  CONNECT_REFUSED,
  Context,
  UDP_ROUND_TRIP,
  connsOf,
  fdStats,
  freshPort,
  globalStats,
  loCounters,
  python,
  sh,
  PYTHON,
  sleep,
} from './lib.js';

describe('UDP datagram arithmetic', () => {
  for (const [family, header] of [
    ['4', 28],
    ['6', 48],
  ] as const) {
    it(`IPv${family}: N datagrams of S bytes are N packets and N×(S+${header}) bytes on the conn, its fd and global`, async () => {
      const port = freshPort();
      const n = 50;
      const size = 700;
      const before = await globalStats();
      const ctx = Context.open(`name=udp${family} scope=all proto=udp port=${port}`);
      try {
        const [got, srcPort] = python(UDP_ROUND_TRIP, [family, String(port), String(n), String(size)])
          .trim()
          .split(' ')
          .map(Number);
        assert.equal(got, n);
        const bytes = BigInt(n * (size + header));
        const conns = await connsOf(ctx.id);
        assert.equal(conns.length, 1);
        const conn = conns[0]!;
        assert.equal(conn.protocol, 17);
        assert.equal(conn.family, family === '4' ? 2 : 10);
        assert.equal(conn.local_port, srcPort);
        assert.equal(conn.remote_port, port);
        assert.equal(conn.direction, 0, 'outbound');
        assert.equal(conn.state, 0, 'new: no datagram came back');
        // Over lo every packet leaves and arrives: it counts both ways.
        assert.equal(conn.packets_sent, BigInt(n));
        assert.equal(conn.packets_received, BigInt(n));
        assert.equal(conn.bytes_sent, bytes);
        assert.equal(conn.bytes_received, bytes);

        const fd = await fdStats(ctx.id);
        assert.equal(fd.packets_sent, BigInt(n));
        assert.equal(fd.bytes_sent, bytes);
        assert.equal(fd.bytes_received, bytes);
        assert.equal(fd.conns_total, 1n);
        assert.equal(fd.flows_tracked, 1n);
        assert.equal(fd.conns_open, 1n, 'new is open');

        const after = await globalStats();
        assert.equal(after.bytes_sent! - before.bytes_sent!, bytes);
        assert.equal(after.packets_received! - before.packets_received!, BigInt(n));
        assert.equal(after.conns_total! - before.conns_total!, 1n);
      } finally {
        ctx.close();
      }
    });
  }
});

const TCP_BULK = `
import socket, sys, threading
port, total = int(sys.argv[1]), int(sys.argv[2])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', port)); srv.listen(1)
got = []
def serve():
    c, _ = srv.accept(); n = 0
    while True:
        b = c.recv(1 << 16)
        if not b: break
        n += len(b)
    got.append(n); c.close()
t = threading.Thread(target=serve); t.start()
cl = socket.create_connection(('127.0.0.1', port))
buf = b'y' * 65536; left = total
while left > 0:
    left -= cl.send(buf[:min(left, len(buf))])
cl.shutdown(socket.SHUT_WR); t.join(); cl.close(); srv.close()
print(got[0])
`;

describe('TCP bulk transfer over lo', () => {
  // Two facts of these kernels shape the oracle. loopback_xmit() counts skb->len
  // after eth_type_trans() pulled the Ethernet header, so lo counts L3 bytes.
  // And lo may software-segment a GSO packet: LOCAL_OUT then sees one packet
  // (counted once, as netfilter and conntrack do) where lo and LOCAL_IN see
  // several, each with its own 52 bytes of IPv4 + TCP (timestamps) headers.
  it('received bytes and packets equal the lo counter deltas; sent differs only by GSO headers', async () => {
    const port = freshPort();
    const total = 4 * 1024 * 1024;
    const ctx = Context.open(`name=bulk scope=all proto=tcp port=${port}`);
    try {
      const lo0 = loCounters();
      assert.equal(Number(python(TCP_BULK, [String(port), String(total)]).trim()), total);
      await sleep(300);
      const lo1 = loCounters();
      const packets = lo1.packets - lo0.packets;
      const bytes = lo1.bytes - lo0.bytes;
      const fd = await fdStats(ctx.id);
      const [conn] = await connsOf(ctx.id);
      assert.equal(fd.packets_received, packets);
      assert.equal(fd.bytes_received, bytes);
      const segmentedExtra = fd.packets_received! - fd.packets_sent!;
      assert.ok(segmentedExtra >= 0n);
      assert.equal(fd.bytes_sent, bytes - 52n * segmentedExtra);
      assert.ok(bytes > BigInt(total), 'payload plus headers');
      assert.equal(conn!.bytes_sent, fd.bytes_sent);
      assert.equal(conn!.bytes_received, fd.bytes_received);
      assert.equal(conn!.state, 3, 'closed after both FINs');
    } finally {
      ctx.close();
    }
  });
});

/** Runs script, which prints a line of ss figures, waits on stdin, then closes its sockets. */
function holdOpen(script: string, args: string[]): Promise<{ line: string; release: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-c', script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    const exited = new Promise<void>((res) => child.on('exit', () => res()));
    child.on('error', reject);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0)
        resolve({
          line: out.slice(0, nl),
          release: async () => {
            child.stdin.end('\n');
            await exited;
          },
        });
    });
    child.on('exit', (code) => reject(new Error(`python exited early (${code}): ${out}`)));
  });
}

const SS_FIELDS = `
import re, subprocess
def ss_fields(port):
    out = subprocess.run(['ss', '-tinH', f'( sport = :{port} or dport = :{port} )'],
                         capture_output=True, text=True).stdout
    rtts = [float(m) for m in re.findall(r'\\brtt:([0-9.]+)/', out)]
    retr = sum(int(m) for m in re.findall(r'\\bretrans:\\d+/(\\d+)', out))
    return rtts, retr
`;

const RTT_PINGPONG =
  SS_FIELDS +
  `
import socket, sys, threading, time
port, rounds = int(sys.argv[1]), int(sys.argv[2])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', port)); srv.listen(1)
conns = []
def serve():
    c, _ = srv.accept(); conns.append(c)
    while True:
        b = c.recv(100)
        if not b: break
        c.sendall(b)
threading.Thread(target=serve, daemon=True).start()
cl = socket.create_connection(('127.0.0.1', port))
cl.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
polled = []
for i in range(rounds):
    cl.sendall(b'p' * 10); cl.recv(100)
    polled += ss_fields(port)[0]
print(' '.join(str(r) for r in polled), flush=True)
sys.stdin.readline()
cl.close()
`;

describe('latency from the sockets own RTT estimator', () => {
  it('avg/min/max agree with ss -ti within 10 % under netem delay', async () => {
    const port = freshPort();
    sh('modprobe sch_netem 2>/dev/null; tc qdisc add dev lo root netem delay 50ms');
    const ctx = Context.open(`name=rtt scope=all proto=tcp port=${port}`);
    try {
      const held = await holdOpen(RTT_PINGPONG, [String(port), '30']);
      // ss polled after every round: the trajectory of both sockets' srtt.
      const ssRtts = held.line.split(' ').map((ms) => Number(ms) * 1000);
      const [conn] = await connsOf(ctx.id);
      const fd = await fdStats(ctx.id);
      await held.release();
      assert.equal(ssRtts.length, 2 * 30, 'ss shows both sockets each round');
      const ssAvg = ssRtts.reduce((a, b) => a + b, 0) / ssRtts.length;
      assert.ok(conn!.rtt_samples! > 5n, `samples: ${conn!.rtt_samples}`);
      const avg = Number(conn!.rtt_sum_us!) / Number(conn!.rtt_samples!);
      const within = (v: number, ref: number) => Math.abs(v - ref) <= 0.1 * ref;
      assert.ok(within(avg, ssAvg), `avg ${avg} us vs ss ${ssAvg} us`);
      assert.ok(within(Number(conn!.rtt_min_us), Math.min(...ssRtts)), `min ${conn!.rtt_min_us} vs ${ssRtts}`);
      assert.ok(within(Number(conn!.rtt_max_us), Math.max(...ssRtts)), `max ${conn!.rtt_max_us} vs ${ssRtts}`);
      assert.equal(fd.rtt_samples, conn!.rtt_samples);
      assert.ok(fd.rtt_p50_us! >= 65535n && fd.rtt_p50_us! <= 131071n, `p50 bucket holds 100 ms: ${fd.rtt_p50_us}`);
    } finally {
      ctx.close();
      sh('tc qdisc del dev lo root 2>/dev/null || true');
    }
  });
});

const LOSSY_BULK =
  SS_FIELDS +
  `
import socket, subprocess, sys, threading, time
port, total = int(sys.argv[1]), int(sys.argv[2])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', port)); srv.listen(1)
def serve():
    c, _ = srv.accept(); n = 0
    while n < total:
        n += len(c.recv(1 << 16))
    subprocess.run(['tc', 'qdisc', 'del', 'dev', 'lo', 'root'])
    c.sendall(b'K')
    sys.stdin.readline(); c.close()
threading.Thread(target=serve, daemon=True).start()
cl = socket.create_connection(('127.0.0.1', port))
cl.sendall(b'z' * total)
assert cl.recv(1) == b'K'
time.sleep(2)
rtts, retr = ss_fields(port)
print(retr, flush=True)
sys.stdin.readline()
`;

describe('retransmits and errors', () => {
  it('retransmits equal ss -ti retransmission totals under netem loss', async () => {
    const port = freshPort();
    sh('modprobe sch_netem 2>/dev/null; tc qdisc add dev lo root netem loss 10%');
    const ctx = Context.open(`name=loss scope=all proto=tcp port=${port}`);
    try {
      const held = await holdOpen(LOSSY_BULK, [String(port), String(4 * 1024 * 1024)]);
      const ssTotal = BigInt(held.line.trim());
      const [conn] = await connsOf(ctx.id);
      await held.release();
      assert.ok(ssTotal > 0n, 'the loss caused retransmissions');
      assert.equal(conn!.retransmits, ssTotal);
      assert.equal((await fdStats(ctx.id)).retransmits, ssTotal);
    } finally {
      ctx.close();
      sh('tc qdisc del dev lo root 2>/dev/null || true');
    }
  });

  it('a connect to a closed port counts the RST once', async () => {
    const port = freshPort();
    const ctx = Context.open(`scope=all proto=tcp port=${port}`);
    try {
      python(CONNECT_REFUSED, [String(port)]);
      const conns = await connsOf(ctx.id);
      assert.equal(conns.length, 1);
      assert.equal(conns[0]!.errors, 1n);
      assert.equal(conns[0]!.resets, 1n, 'the error is a reset');
      assert.equal(conns[0]!.icmp_errors, 0n);
      assert.equal(conns[0]!.state, 3, 'closed by the reset');
      const fd = await fdStats(ctx.id);
      assert.equal(fd.errors, 1n);
      assert.equal(fd.resets, 1n);
      assert.equal(fd.icmp_errors, 0n);
    } finally {
      ctx.close();
    }
  });

  it('UDP to a closed port counts the ICMP error once', async () => {
    const port = freshPort();
    const ctx = Context.open(`scope=all proto=udp port=${port}`);
    const before = await globalStats();
    try {
      python(`import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'q', ('127.0.0.1', int(sys.argv[1])))`, [
        String(port),
      ]);
      await sleep(100);
      const conns = await connsOf(ctx.id);
      assert.equal(conns.length, 1);
      assert.equal(conns[0]!.errors, 1n);
      assert.equal(conns[0]!.icmp_errors, 1n, 'the error is the ICMP port unreachable');
      assert.equal(conns[0]!.resets, 0n);
      const fd = await fdStats(ctx.id);
      assert.equal(fd.icmp_errors, 1n);
      assert.equal(fd.errors, fd.resets! + fd.icmp_errors!, 'errors = resets + icmp_errors');
      const after = await globalStats();
      assert.equal(after.icmp_errors! - before.icmp_errors!, 1n, 'and globally');
      assert.equal(after.errors! - before.errors!, 1n);
    } finally {
      ctx.close();
    }
  });
});

const RCVBUF_FLOOD = `
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
r.bind(('127.0.0.1', port))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    s.sendto(b'd' * 1000, ('127.0.0.1', port))
time.sleep(0.2)
hexport = '%04X' % port
for line in open('/proc/net/udp').read().splitlines()[1:]:
    f = line.split()
    if f[1].endswith(':' + hexport):
        print(f[-1])
`;

describe('drops', () => {
  it('UDP into a tiny receive buffer: drops equal the socket drop count in /proc/net/udp', async () => {
    const port = freshPort();
    const ctx = Context.open(`scope=all proto=udp port=${port}`);
    try {
      const procDrops = BigInt(python(RCVBUF_FLOOD, [String(port), '200']).trim());
      assert.ok(procDrops > 100n, `the buffer overflowed: ${procDrops}`);
      const [conn] = await connsOf(ctx.id);
      assert.equal(conn!.drops, procDrops);
      assert.equal((await fdStats(ctx.id)).drops, procDrops);
    } finally {
      ctx.close();
    }
  });
});
