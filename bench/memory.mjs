// Kernel memory per tracked flow and dump time against the number of flows
// (guest half, run under `scripts/vm --icount` after the packet path: a dump
// time is then a count of instructions, 1 ms = 10^6). Dump times are CPU
// time (user + system): under icount an idle guest's clock jumps to its next
// timer, so a process that waits for the host (node reading its files over
// 9p) would show seconds of wall time that are no cost of its own.
//
// The flows: one UDP socket sends one empty datagram to each of N distinct
// destinations 127.a.b.c:PORT (a socket bound to the port on any address
// takes them, and drops them once its buffer is full: never read), so N
// flows exist without N sockets. max_flows and max_flows_per_netns are raised
// to hold them and timeout_udp so that none ends during a slow flood.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mutexFamilySpec } from '../dist/src/netlink/index.js';
import { PYTHON } from './flow-holder.mjs';
import { log, openContext, setModule, setParam, sleep, withClient } from './guest-kit.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PORT = 7399;
const PARAMS = ['max_flows', 'max_flows_per_netns', 'timeout_udp'];
const SLAB = '/sys/kernel/slab/mutex_flow';

const FLOOD = `
import socket, sys
port = int(sys.argv[1])
sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sink.bind(('0.0.0.0', port))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
send = s.sendto
sent = 0
for line in sys.stdin:
    want = int(line)
    while sent < want:
        send(b'', ('127.%d.%d.%d' % (1 + (sent >> 16), (sent >> 8) & 255, sent & 255), port))
        sent += 1
    print(sent, flush=True)
`;

// A generic netlink dump of every flow of this netns, reading nothing but
// the message headers: the kernel's side of a listing. Prints
// "<CPU ms> <flows> <bytes>" (from the request to NLMSG_DONE).
const RAW_DUMP = `
import socket, struct, sys, time
family, cmd, version = (int(a) for a in sys.argv[1:4])
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind((0, 0))
buf = bytearray(1 << 16)
start = time.process_time()
s.send(struct.pack('=IHHII', 20, family, 0x301, 1, 0) + struct.pack('=BBH', cmd, version, 0))
flows = size = 0
done = False
while not done:
    n = s.recv_into(buf)
    size += n
    at = 0
    while at < n:
        length, kind, flags = struct.unpack_from('=IHH', buf, at)
        if kind == 3:
            done = True
            break
        if kind == 2:
            sys.exit('netlink error %d' % struct.unpack_from('=i', buf, at + 16)[0])
        if flags & 0x10:
            sys.exit('dump interrupted')
        flows += 1
        at += (length + 3) & ~3
print((time.process_time() - start) * 1000, flows, size)
`;

function slabCache() {
  const num = (f) => Number(readFileSync(join(SLAB, f), 'utf8').trim().split(/\s+/)[0]);
  return {
    objectSize: num('object_size'),
    slabSize: num('slab_size'),
    perSlab: num('objs_per_slab'),
    slabBytes: 4096 << num('order'),
    slabs: num('slabs'),
    objects: num('objects'),
  };
}

const meminfoBytes = (key) => 1024 * Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync('/proc/meminfo', 'utf8'))[1]);

/** Newlines in a file, read in chunks (a listing of 10^6 flows is ~200 MB). */
function countLines(path) {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(1 << 20);
  let lines = 0;
  for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) {
    for (let i = buf.indexOf(10); i >= 0 && i < n; i = buf.indexOf(10, i + 1)) lines++;
  }
  closeSync(fd);
  return lines;
}

// Runs argv[2:] with its stdout in file argv[1]; prints "<exit status> <CPU ms>"
// (user + system of the child and its threads, from wait4).
const CPU_TIME = `
import os, sys
out = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
pid = os.fork()
if pid == 0:
    os.dup2(out, 1)
    os.execv(sys.argv[2], sys.argv[2:])
_, status, ru = os.wait4(pid, 0)
print(os.waitstatus_to_exitcode(status), (ru.ru_utime + ru.ru_stime) * 1000)
`;

/** `mutexctl conn --csv` of the context's flows: CPU ms and rows listed. */
function listing(ctxId) {
  const out = '/tmp/bench-conn.csv';
  const argv = [process.execPath, join(root, 'bin', 'run.js'), 'conn', '--csv', '--no-header', '--fd', String(ctxId)];
  const run = spawnSync(PYTHON, ['-c', CPU_TIME, out, ...argv], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const [status, ms] = run.stdout.trim().split(' ').map(Number);
  if (run.status !== 0 || status !== 0) return { error: `exit ${status}: ${run.stderr.trim().split('\n').pop()}` };
  return { ms, rows: countLines(out) };
}

function rawDump(family) {
  const op = mutexFamilySpec.operations['conn-get'];
  const run = spawnSync(PYTHON, ['-c', RAW_DUMP, String(family.id), String(op.value), String(mutexFamilySpec.version)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`raw dump: ${run.stderr}`);
  const [ms, flows, bytes] = run.stdout.trim().split(' ').map(Number);
  return { ms, flows, bytes };
}

export async function memory({ sizes, record, notes }) {
  log(`memory: kernel bytes per flow and dump time, ${sizes.join(', ')} flows`);
  setModule(true);
  const saved = Object.fromEntries(PARAMS.map((p) => [p, readFileSync(`/sys/module/mutex/parameters/${p}`, 'utf8').trim()]));
  const most = Math.max(...sizes);
  const limit = Math.max(262144, most + 4096);
  setParam('max_flows', limit);
  setParam('max_flows_per_netns', limit);
  setParam('timeout_udp', 360000);
  // Empty slabs left by the packet path go back first, so the growth is the flows'.
  spawnSync('sh', ['-c', `echo 1 >${SLAB}/shrink`]);
  const base = { slab: slabCache(), unreclaimable: meminfoBytes('SUnreclaim') };
  const ctx = openContext(`name=memory scope=all proto=udp port=${PORT}`);
  // Of an empty table: what a listing costs before its first flow (node's start-up).
  const empty = listing(ctx.id);
  if (empty.error || empty.rows !== 0) throw new Error(`mutexctl conn --csv of no flow: ${empty.error ?? `${empty.rows} rows`}`);
  record('dump.0.mutexctl_ms', empty.ms);
  const flood = spawn(PYTHON, ['-c', FLOOD, String(PORT)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const answers = [];
  flood.stdout.on('data', (d) => answers.push(...String(d).trim().split('\n').map(Number)));
  try {
    const family = await withClient(async (c) => {
      base.module = (await c.doRequest('stats-get')).memory_bytes;
      return c.family;
    });
    for (const n of [...sizes].sort((a, b) => a - b)) {
      const t0 = Date.now();
      const seen = answers.length;
      flood.stdin.write(`${n}\n`);
      while (answers.length === seen) await sleep(100);
      const [fd, stats] = await withClient(async (c) => [await c.doRequest('fd-get', { id: ctx.id }), await c.doRequest('stats-get')]);
      log(`  ${n} flows sent in ${Math.round((Date.now() - t0) / 1000)} guest s: ${fd.flows_tracked} tracked`);
      if (fd.flows_tracked !== BigInt(n)) throw new Error(`the context tracks ${fd.flows_tracked} flows, not ${n}`);
      const slab = slabCache();
      const flows = slab.objects - base.slab.objects;
      record(`memory.${n}.slab_bytes_per_flow`, ((slab.slabs - base.slab.slabs) * slab.slabBytes) / flows);
      record(`memory.${n}.object_size`, slab.objectSize);
      record(`memory.${n}.slab_size`, slab.slabSize);
      record(`memory.${n}.unreclaimable_bytes_per_flow`, (meminfoBytes('SUnreclaim') - base.unreclaimable) / n);
      record(`memory.${n}.module_bytes_per_flow`, Number(stats.memory_bytes - base.module) / n);
      notes[`memory_${n}`] = `mutex_flow: ${slab.objects} objects in ${slab.slabs} slabs of ${slab.slabBytes} B (${slab.perSlab} each), before ${base.slab.objects} in ${base.slab.slabs}`;
      log(`  ${n} flows: ${notes[`memory_${n}`]}; SUnreclaim +${meminfoBytes('SUnreclaim') - base.unreclaimable} B`);

      const raw = rawDump(family);
      if (raw.flows !== n) throw new Error(`the raw dump returned ${raw.flows} flows, not ${n}`);
      record(`dump.${n}.raw_ms`, raw.ms);
      record(`dump.${n}.raw_bytes_per_flow`, raw.bytes / n);
      const listed = listing(ctx.id);
      if (listed.error) {
        notes[`dump_${n}_mutexctl_error`] = listed.error;
        log(`  mutexctl conn --csv with ${n} flows failed: ${listed.error}`);
      } else {
        if (listed.rows !== n) throw new Error(`mutexctl conn listed ${listed.rows} flows, not ${n}`);
        record(`dump.${n}.mutexctl_ms`, listed.ms);
      }
      log(`  ${n} flows: raw dump ${raw.ms.toFixed(0)} ms, mutexctl conn --csv ${listed.ms?.toFixed(0) ?? '-'} ms (CPU)`);
    }
  } finally {
    const exited = new Promise((r) => flood.on('exit', r));
    flood.kill();
    await exited;
    ctx.close();
    for (const [p, v] of Object.entries(saved)) setParam(p, v);
  }
}
