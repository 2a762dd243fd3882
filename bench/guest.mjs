#!/usr/bin/env node
// The guest half of `npm run bench` (bench/run.mjs boots the VM and runs this
// in it, with mutex.ko loaded). Every compared pair or triple is measured
// interleaved, BENCH_REPS times; the raw samples go to stdout as one
// `BENCH-JSON {...}` line, progress to stderr. The packet path
// (bench/packet.mjs) and the memory table (bench/memory.mjs) run in a guest
// of their own under `scripts/vm --icount`.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { log, openContext, rotations as rotate, sleep, withClient } from './guest-kit.mjs';
import { listing } from './listing.mjs';
import { memory } from './memory.mjs';
import { packetPath } from './packet.mjs';
import { serveBench } from './serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'run.js');
const reps = Number(process.env.BENCH_REPS ?? 5);
const only = (process.env.BENCH_ONLY ?? 'startup,listing,alerts,serve').split(',').map((name) => (name === 'flows' ? 'listing' : name));
const flowCounts = (process.env.BENCH_FLOWS ?? '10000,100000').split(',').map(Number);

const samples = {};
const notes = {};
const record = (name, value) => (samples[name] ??= []).push(value);

/** Wall time of a command in ms (stdout kept, for checks). */
function timed(argv, env = {}) {
  const start = process.hrtime.bigint();
  const run = spawnSync(argv[0], argv.slice(1), {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`${argv.join(' ')} exited ${run.status}: ${run.stderr}`);
  return { ms, stdout: run.stdout };
}

const rotations = (variants) => rotate(variants, reps);

// --- CLI start-up ------------------------------------------------------------
function startup() {
  log('start-up: node -e 0 vs mutexctl stats --json');
  timed([process.execPath, cli, 'stats', '--json']); // page cache warm-up, not recorded
  for (const order of rotations(['node', 'stats'])) {
    for (const which of order) {
      if (which === 'node') record('startup.node_e0_ms', timed([process.execPath, '-e', '0']).ms);
      else record('startup.stats_json_ms', timed([process.execPath, cli, 'stats', '--json']).ms);
    }
  }
}

// --- listing flows: bench/listing.mjs -------------------------------------------

// --- alert latency -----------------------------------------------------------
function netlinkSubscribers() {
  // /proc/net/netlink: sk Eth Pid Groups ...; generic netlink (16) sockets in a multicast group.
  return readFileSync('/proc/net/netlink', 'utf8').split('\n').slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1] === '16' && f[3] && !/^0+$/.test(f[3])).length;
}

async function floodUdp(port, count) {
  // `count` new flows at once: one fresh socket each.
  await Promise.all(Array.from({ length: count }, () => new Promise((resolve) => {
    const s = createSocket('udp4');
    s.send('f', port, '127.0.0.1', () => {
      s.close();
      resolve();
    });
  })));
}

async function alerts() {
  const intervalMs = Number(process.env.BENCH_EVAL_MS ?? 1000);
  log(`alert latency: flood -> line from alerts --follow, evaluation interval ${intervalMs} ms`);
  const port = 7201;
  const sink = createSocket('udp4');
  await new Promise((r) => sink.bind(port, '127.0.0.1', r));
  const ctx = openContext(`name=alerts scope=all proto=udp port=${port}`);
  await withClient((c) => c.doRequest('thresholds-set', { interval_ms: intervalMs }));
  // conn-rate only (UDP to our sink makes no errors, but keep the other types out of it).
  await withClient((c) => c.doRequest('thresholds-set', { fd_id: ctx.id, conn_rate: 5, disabled: 0b10111 }));
  const subscribersBefore = netlinkSubscribers();
  const follower = spawn(process.execPath, [cli, 'alerts', '--follow', '--json', '--fd', String(ctx.id)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const lines = [];
  let buf = '';
  follower.stdout.on('data', (d) => {
    const at = Date.now();
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push({ at, alert: JSON.parse(buf.slice(0, nl)) });
      buf = buf.slice(nl + 1);
    }
  });
  const waitFor = async (pred, ms, what) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = lines.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms`);
      await sleep(2);
    }
  };
  try {
    const deadline = Date.now() + 120_000;
    while (netlinkSubscribers() <= subscribersBefore) {
      if (Date.now() > deadline) throw new Error('alerts --follow did not subscribe');
      await sleep(100);
    }
    await sleep(intervalMs * 2);
    for (let rep = 0; rep < reps; rep++) {
      // Random phase against the evaluation timer.
      await sleep(Math.random() * intervalMs);
      const seen = lines.length;
      const t0 = Date.now();
      await floodUdp(port, 30);
      const raised = await waitFor((l, i) => i >= seen && l.alert.state === 'raised', intervalMs * 3 + 5000, 'raised alert');
      record('alerts.trigger_to_line_ms', raised.at - t0);
      const kernelMs = Number(BigInt(raised.alert.time_ns ?? raised.alert.time) / 1000000n);
      if (Number.isFinite(kernelMs)) record('alerts.raised_to_line_ms', raised.at - kernelMs);
      await waitFor((l, i) => i >= seen && l.alert.state === 'cleared', intervalMs * 3 + 5000, 'cleared alert');
    }
    notes.alerts_eval_interval_ms = intervalMs;
  } finally {
    follower.kill('SIGINT');
    sink.close();
    ctx.close();
    await withClient((c) => c.doRequest('thresholds-set', { reset: true }));
  }
}

const packetRounds = Number(process.env.BENCH_PACKET_ROUNDS ?? 3);
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const memorySizes = (process.env.BENCH_MEMORY_FLOWS ?? '100000,300000,1000000').split(',').map(Number);
const sections = {
  startup,
  packet: () => packetPath({ rounds: packetRounds, seconds, record, notes, only: process.env.BENCH_PACKET_CONFIGS }),
  memory: () => memory({ sizes: memorySizes, record, notes }),
  listing: () =>
    listing({
      cli,
      flowCounts,
      reps,
      bigReps: Number(process.env.BENCH_LISTING_BIG_REPS ?? 3),
      record,
      notes,
      log,
      trackedFlows: async (fdId) => Number((await withClient((c) => c.doRequest('fd-get', { id: fdId }))).flows_tracked),
    }),
  alerts,
  serve: () => serveBench({ cli, record, notes, log }),
};
const info = {
  kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
  guest_cpus: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
  cmdline: readFileSync('/proc/cmdline', 'utf8').trim(),
  node: process.version,
  reps,
  packet_rounds: packetRounds,
  seconds,
};
// A section that fails is reported (and fails the run) without losing what the others measured.
const errors = {};
for (const name of only) {
  const t0 = Date.now();
  try {
    if (!sections[name]) throw new Error(`no bench section "${name}" (${Object.keys(sections).join(', ')})`);
    await sections[name]();
  } catch (error) {
    errors[name] = error.message;
    log(`section ${name} failed: ${error.stack}`);
  }
  notes[`section_${name}_s`] = Math.round((Date.now() - t0) / 1000);
}
console.log(`BENCH-JSON ${JSON.stringify({ info, samples, notes, errors })}`);
process.exitCode = Object.keys(errors).length ? 1 : 0;
