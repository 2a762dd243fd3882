#!/usr/bin/env node
// `npm run bench`: boots the QEMU guest on each kernel (one VM at a time) and
// runs bench/guest.mjs there; prints medians, ratios and the budgets of issue 6,
// and writes everything to bench/results/latest.json (raw samples, medians,
// the machine it ran on).
//
// Start-up is also measured here, on the host, first (bench/startup.mjs):
// where people run the CLI, without the guest's 9p root.
//
// Env: BENCH_KERNELS ("6.1 6.12"), BENCH_REPS (5), BENCH_SECONDS (3, per iperf3
// run), BENCH_FLOWS ("10000,100000"), BENCH_LISTING_BIG_REPS (3, rounds above
// 50 000 flows), BENCH_STARTUP_ROUNDS (21, on the host), BENCH_ONLY
// (startup,packet,listing,alerts,serve; "flows" means listing), BENCH_EVAL_MS (1000),
// BENCH_OUT (bench/results/latest.json); for serve (bench/serve.mjs)
// BENCH_SERVE_FLOWS (10000), BENCH_SERVE_SECONDS (30), BENCH_SERVE_SCRAPERS (50), BENCH_SERVE_BIG (100000).
import { execFileSync, spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listingRows } from './listing.mjs';
import { hostStartup, hostStartupRows } from './startup.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const kernels = (process.env.BENCH_KERNELS ?? '6.1 6.12').split(/\s+/).filter(Boolean);
const out = process.env.BENCH_OUT ?? join(root, 'bench', 'results', 'latest.json');
const only = (process.env.BENCH_ONLY ?? 'startup,packet,listing,alerts,serve').split(',').map((name) => (name === 'flows' ? 'listing' : name));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function runGuest(kernel) {
  return new Promise((resolve, reject) => {
    const env = {
      ...process.env,
      // No slub_debug/kfence (scripts/vm turns them on for tests: they cost every
      // allocation a stack trace and grow objects), and a mutex_flow line of its
      // own in /proc/slabinfo (no merging with a same-sized cache).
      VM_APPEND: `slub_debug=- kfence.sample_interval=0 slab_nomerge ${process.env.VM_APPEND ?? ''}`.trim(),
      VM_TIMEOUT: process.env.VM_TIMEOUT ?? '1500',
      VM_PASS_ENV: 'BENCH_REPS BENCH_SECONDS BENCH_FLOWS BENCH_LISTING_BIG_REPS BENCH_ONLY BENCH_EVAL_MS MUTEX_KO_ARGS BENCH_SERVE_FLOWS BENCH_SERVE_SECONDS BENCH_SERVE_SCRAPERS BENCH_SERVE_BIG',
      BENCH_ONLY: only.join(','),
    };
    const started = Date.now();
    const child = spawn(join(root, 'scripts/vm'), ['--kernel', kernel, '--mem', '4G', '--', 'node', 'bench/guest.mjs'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d.toString()));
    child.on('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('BENCH-JSON '));
      if (code !== 0 || !line) {
        reject(new Error(`the ${kernel} guest exited ${code}${line ? '' : ' without results'}\n${stdout}`));
        return;
      }
      const result = JSON.parse(line.slice('BENCH-JSON '.length));
      result.info.vm_seconds = Math.round((Date.now() - started) / 1000);
      resolve(result);
    });
  });
}

const fmt = (x, digits = 2) => (x === undefined ? '-' : Number(x).toFixed(digits));

/** Rows of the table: label, the value, a ratio or figure to hold against a budget. */
function summarise(result) {
  const m = Object.fromEntries(Object.entries(result.samples).map(([k, v]) => [k, median(v)]));
  const rows = [];
  const add = (label, value, unit, check) => rows.push({ label, value, unit, ...check });
  const ratio = (a, b) => (m[a] !== undefined && m[b] !== undefined ? m[a] / m[b] : undefined);

  if (m['tcp.unloaded_gbit'] !== undefined) {
    add('TCP bulk, module not loaded', m['tcp.unloaded_gbit'], 'Gbit/s');
    add('TCP bulk, loaded, no context', m['tcp.loaded_gbit'], 'Gbit/s', { ratio: ratio('tcp.loaded_gbit', 'tcp.unloaded_gbit') });
    add('TCP bulk, matching context', m['tcp.context_gbit'], 'Gbit/s', {
      ratio: ratio('tcp.context_gbit', 'tcp.unloaded_gbit'), budget: '>= 0.97', ok: ratio('tcp.context_gbit', 'tcp.unloaded_gbit') >= 0.97,
    });
    add('UDP 64 B rate, module not loaded', m['udp.unloaded_kpps'], 'kpps');
    add('UDP 64 B rate, loaded, no context', m['udp.loaded_kpps'], 'kpps', { ratio: ratio('udp.loaded_kpps', 'udp.unloaded_kpps') });
    add('UDP 64 B rate, matching context', m['udp.context_kpps'], 'kpps', {
      ratio: ratio('udp.context_kpps', 'udp.unloaded_kpps'), budget: '>= 0.95', ok: ratio('udp.context_kpps', 'udp.unloaded_kpps') >= 0.95,
    });
  }
  rows.push(...listingRows(result.samples, median));
  if (m['startup.node_e0_ms'] !== undefined) {
    add('guest: node -e 0', m['startup.node_e0_ms'], 'ms');
    const r = ratio('startup.stats_json_ms', 'startup.node_e0_ms');
    add('guest: mutexctl stats --json', m['startup.stats_json_ms'], 'ms', { ratio: r, budget: '<= 2.5', ok: r <= 2.5 });
  }
  if (m['alerts.trigger_to_line_ms'] !== undefined) {
    const interval = Number(result.notes.alerts_eval_interval_ms);
    const budget = interval + 50;
    const max = Math.max(...result.samples['alerts.trigger_to_line_ms']);
    add(`alert: flood -> follow line (median)`, m['alerts.trigger_to_line_ms'], 'ms', { budget: `<= ${budget}`, ok: m['alerts.trigger_to_line_ms'] <= budget, extra: `max ${fmt(max, 0)} ms` });
    add(`alert: kernel raise -> follow line`, m['alerts.raised_to_line_ms'], 'ms');
  }
  for (const n of Object.keys(result.samples).map((k) => /^serve\.(\d+)\.scrapes$/.exec(k)?.[1]).filter(Boolean)) {
    const scrapers = result.notes[`serve_${n}`] ?? '';
    add(`serve, ${n} flows: scrapes/s (concurrent scrapers)`, m[`serve.${n}.scrapes_per_s`], '/s', { extra: scrapers });
    add(`  scrapes per kernel snapshot (single flight)`, m[`serve.${n}.scrapes_per_snapshot`], '', { extra: `${m[`serve.${n}.snapshots`]} snapshots` });
    add(`  scrape latency median`, m[`serve.${n}.latency_median_ms`], 'ms', { extra: `p99 ${fmt(m[`serve.${n}.latency_p99_ms`], 0)} ms` });
    add(`  serve CPU (of one core)`, m[`serve.${n}.cpu_pct`], '%');
    add(`  serve RSS, max`, m[`serve.${n}.rss_max_mib`], 'MiB');
    add(`  invalid responses`, m[`serve.${n}.invalid`], '', { budget: '= 0', ok: m[`serve.${n}.invalid`] === 0 });
  }
  for (const n of Object.keys(result.samples).map((k) => /^serve\.(\d+)\.plain\.scrape_ms$/.exec(k)?.[1]).filter(Boolean)) {
    for (const variant of ['plain', 'conn_series']) {
      const label = variant === 'plain' ? 'no per-flow series' : 'per-flow series';
      add(`serve, one scrape, ${n} flows, ${label}`, m[`serve.${n}.${variant}.scrape_ms`], 'ms', {
        extra: `${fmt(m[`serve.${n}.${variant}.bytes`] / 2 ** 20, 1)} MiB, ${m[`serve.${n}.${variant}.lines`]} lines; gzip ${fmt(m[`serve.${n}.${variant}.gzip_bytes`] / 2 ** 20, 1)} MiB in ${fmt(m[`serve.${n}.${variant}.gzip_scrape_ms`], 0)} ms; RSS ${fmt(m[`serve.${n}.${variant}.rss_mib`], 0)} MiB`,
      });
    }
  }
  return { medians: m, rows };
}

function printTable(kernel, rows) {
  console.log(`\n== ${kernel === 'host' ? 'host' : `kernel ${kernel}`}`);
  console.log(`${'measure'.padEnd(44)} ${'median'.padStart(10)} ${'unit'.padEnd(7)} ${'ratio'.padStart(6)}  budget`);
  for (const r of rows) {
    const verdict = r.budget ? `${r.budget} ${r.ok ? 'ok' : 'MISSED'}` : '';
    console.log(
      `${r.label.padEnd(44)} ${fmt(r.value, r.unit === 'kpps' || r.unit === 'Gbit/s' ? 2 : 0).padStart(10)} ${r.unit.padEnd(7)} ${fmt(r.ratio).padStart(6)}  ${verdict}${r.extra ? ` (${r.extra})` : ''}`,
    );
  }
}

const machine = {
  date: new Date().toISOString(),
  host_cpu: cpus()[0]?.model,
  host_cpus: cpus().length,
  host_mem_gib: Math.round(totalmem() / 2 ** 30),
  qemu: execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).split('\n')[0],
  accel: 'TCG (no KVM)',
  node: process.version,
  commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim(),
  dirty: execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).trim() !== '',
  note: 'shared 2-CPU host, other VMs may run at the same time: compare figures within one run only',
};

const results = { machine, kernels: {} };
let failed = false;
if (only.includes('startup')) {
  console.error('bench: start-up on the host');
  const samples = hostStartup(Number(process.env.BENCH_STARTUP_ROUNDS ?? 21));
  const rows = hostStartupRows(samples);
  results.host = { startup: { samples, table: rows } };
  printTable('host', rows);
}
for (const kernel of kernels) {
  console.error(`bench: kernel ${kernel}`);
  try {
    const result = await runGuest(kernel);
    const { medians, rows } = summarise(result);
    results.kernels[kernel] = { ...result, medians, table: rows };
    printTable(kernel, rows);
  } catch (error) {
    failed = true;
    console.error(`bench: ${error.message}`);
    results.kernels[kernel] = { error: error.message.split('\n')[0] };
  }
  // After each kernel: a later failure keeps what was measured.
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
}
console.log(`\nwritten: ${out}`);
process.exit(failed ? 1 : 0);
