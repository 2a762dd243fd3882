#!/usr/bin/env node
// `npm run bench`: first the CLI's start-up on this machine (bench/startup.mjs,
// its result file named "host"); then boots the QEMU guest on each kernel (one
// VM at a time) and runs bench/guest.mjs there; prints medians, ratios and the
// budgets, and writes one file per kernel to bench/results/ (bench/results.mjs).
//
// Two guests per kernel: the packet path and the memory table run in a
// deterministic one (`scripts/vm --icount`: its clock counts instructions, so
// its figures repeat within ~1 % whatever the host's load); start-up,
// listing, alert latency and serve in an ordinary 2-vCPU one.
//
// Env: BENCH_KERNELS (default: every line scripts/vm boots, bench/kernels.mjs),
// BENCH_ONLY (startup,packet,memory,guest-startup,listing,alerts,serve: startup is
// the host's, guest-startup the same pair in the guest), BENCH_STARTUP_ROUNDS (21), BENCH_ICOUNT_RUNS (1; 2
// boots the icount guest again for the packet path and shows how the two runs
// agree), BENCH_PACKET_ROUNDS (3), BENCH_PACKET_CONFIGS (all; a comma list of
// bench/packet.mjs's configuration ids, "unloaded" always added),
// BENCH_SECONDS (2, per TCP or UDP measure), BENCH_MEMORY_FLOWS (100000,300000,1000000),
// BENCH_ICOUNT_MEM (6G), BENCH_REPS (5), BENCH_FLOWS ("10000,100000"),
// BENCH_EVAL_MS (1000), BENCH_RESULTS (bench/results); for serve (bench/serve.mjs)
// BENCH_SERVE_FLOWS (10000), BENCH_SERVE_SECONDS (30), BENCH_SERVE_SCRAPERS (50), BENCH_SERVE_BIG (100000).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchKernels } from './kernels.mjs';
import { listingRows } from './listing.mjs';
import { agreementRows, median, memoryRows, packetRows, printAgreement, printMemory, printPacket } from './report.mjs';
import { commitInfo, machineInfo, writeResult } from './results.mjs';
import { hostStartupRuns, hostStartupTable, printHostStartup } from './startup.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const kernels = benchKernels();
const only = (process.env.BENCH_ONLY ?? 'startup,packet,memory,guest-startup,listing,alerts,serve').split(',').map((name) => (name === 'flows' ? 'listing' : name));
const icountRuns = Number(process.env.BENCH_ICOUNT_RUNS ?? 1);

const GUESTS = [
  {
    name: 'icount',
    sections: ['packet', 'memory'],
    vmArgs: ['--icount', '--mem', process.env.BENCH_ICOUNT_MEM ?? '6G'],
    // Host seconds: the guest's clock runs 10-40 times slower than the host's
    // on a busy 2-core host, so its heartbeat (every 2 guest s) does too.
    env: { VM_TIMEOUT: process.env.VM_TIMEOUT ?? '14400', VM_HANG_SECS: process.env.VM_HANG_SECS ?? '900' },
    runs: icountRuns,
    // What a second run measures again: the packet path (the memory table's
    // flood of a million flows adds an hour and nothing on agreement).
    repeats: ['packet'],
  },
  // guest-startup is bench/guest.mjs's "startup".
  { name: 'smp', sections: ['guest-startup', 'listing', 'alerts', 'serve'], vmArgs: ['--mem', '4G'], env: { VM_TIMEOUT: process.env.VM_TIMEOUT ?? '1500' }, runs: 1 },
];

function runGuest(kernel, guest, sections) {
  return new Promise((resolve, reject) => {
    const env = {
      ...process.env,
      ...guest.env,
      // No slub_debug/kfence (scripts/vm turns them on for tests: they cost every
      // allocation a stack trace and grow objects), and a mutex_flow cache of its
      // own (no merging with a same-sized cache).
      VM_APPEND: `slub_debug=- kfence.sample_interval=0 slab_nomerge ${process.env.VM_APPEND ?? ''}`.trim(),
      BENCH_ONLY: sections.map((name) => (name === 'guest-startup' ? 'startup' : name)).join(','),
      VM_PASS_ENV:
        'BENCH_REPS BENCH_SECONDS BENCH_FLOWS BENCH_LISTING_BIG_REPS BENCH_ONLY BENCH_EVAL_MS BENCH_PACKET_ROUNDS BENCH_PACKET_CONFIGS BENCH_MEMORY_FLOWS MUTEX_KO_ARGS BENCH_SERVE_FLOWS BENCH_SERVE_SECONDS BENCH_SERVE_SCRAPERS BENCH_SERVE_BIG',
    };
    const started = Date.now();
    const child = spawn(join(root, 'scripts/vm'), ['--kernel', kernel, ...guest.vmArgs, '--', 'node', 'bench/guest.mjs'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d.toString()));
    child.on('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('BENCH-JSON '));
      if (!line) {
        reject(new Error(`the ${kernel} ${guest.name} guest exited ${code} without results\n${stdout}`));
        return;
      }
      // A section that failed in the guest is in result.errors (and exit 1); the others stand.
      const result = JSON.parse(line.slice('BENCH-JSON '.length));
      result.info.vm_seconds = Math.round((Date.now() - started) / 1000);
      result.exit_code = code;
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

function printTable(rows) {
  console.log('guest start-up, listing, alerts and serve (2 vCPUs, multi-threaded TCG)');
  console.log(`${'measure'.padEnd(44)} ${'median'.padStart(10)} ${'unit'.padEnd(7)} ${'ratio'.padStart(6)}  budget`);
  for (const r of rows) {
    const verdict = r.budget ? `${r.budget} ${r.ok ? 'ok' : 'MISSED'}` : '';
    console.log(
      `${r.label.padEnd(44)} ${fmt(r.value, r.unit === 'kpps' || r.unit === 'Gbit/s' ? 2 : 0).padStart(10)} ${r.unit.padEnd(7)} ${fmt(r.ratio).padStart(6)}  ${verdict}${r.extra ? ` (${r.extra})` : ''}`,
    );
  }
}

/** The tables of what `result` holds so far (sections: those `guest` was asked for). */
function tabulate(result, guest, sections) {
  const measured = result.guests[guest.name]?.[0];
  if (measured) {
    result.sections = [...new Set([...result.sections, ...sections.filter((s) => !measured.errors?.[s])])];
  }
  const [icount, second] = result.guests.icount ?? [];
  const smp = result.guests.smp?.[0];
  if (icount) {
    result.packet = packetRows(icount.samples);
    result.memory = memoryRows(icount.samples);
    if (second) result.agreement = agreementRows(icount.samples, second.samples);
  }
  if (smp) {
    const { medians, rows } = summarise(smp);
    Object.assign(result, { medians, table: rows });
  }
}

const machine = machineInfo();
const { commit, subject, dirty } = commitInfo();
let failed = false;

if (only.includes('startup')) {
  console.error('bench: start-up on the host (stats --json against node -e 0)');
  const runs = hostStartupRuns(Number(process.env.BENCH_STARTUP_ROUNDS ?? 21));
  const table = hostStartupTable(runs);
  const result = { date: new Date().toISOString(), kernel: 'host', commit, subject, dirty, machine, sections: ['startup'], errors: [], host: Object.fromEntries(runs.map((run) => [run.name, run.samples])), startup: table };
  console.log(`\n== host start-up, commit ${commit}${dirty ? ' (dirty)' : ''}`);
  printHostStartup(table);
  console.log(`written: bench/results/${writeResult(result)}`);
  if (table.some((row) => row.ok === false)) failed = true;
}

const inGuests = GUESTS.some((guest) => guest.sections.some((section) => only.includes(section)));
for (const kernel of inGuests ? kernels : []) {
  const result = { date: new Date().toISOString(), kernel, commit, subject, dirty, machine, sections: [], errors: [], guests: {} };
  for (const guest of GUESTS) {
    const sections = guest.sections.filter((s) => only.includes(s));
    if (!sections.length) continue;
    for (let run = 0; run < guest.runs; run++) {
      const these = run === 0 ? sections : sections.filter((s) => guest.repeats?.includes(s));
      if (!these.length) break;
      console.error(`bench: kernel ${kernel}, ${guest.name} guest (${these.join(', ')})${guest.runs > 1 ? `, run ${run + 1}/${guest.runs}` : ''}`);
      try {
        const measured = await runGuest(kernel, guest, these);
        (result.guests[guest.name] ??= []).push(measured);
        for (const [section, message] of Object.entries(measured.errors ?? {})) {
          failed = true;
          console.error(`bench: ${kernel}: section ${section} failed: ${message}`);
          result.errors.push(`${section}: ${message}`);
        }
        if (measured.exit_code !== 0 && !Object.keys(measured.errors ?? {}).length) {
          failed = true;
          result.errors.push(`the ${guest.name} guest exited ${measured.exit_code}`);
        }
      } catch (error) {
        failed = true;
        console.error(`bench: ${error.message}`);
        result.errors.push(error.message.split('\n')[0]);
      }
      // After each guest: a run stopped later (or a later guest that fails)
      // keeps what was measured.
      tabulate(result, guest, sections);
      if (result.sections.length) console.error(`bench: so far: bench/results/${writeResult(result)}`);
    }
  }
  const [icount] = result.guests.icount ?? [];
  const smp = result.guests.smp?.[0];
  console.log(`\n== kernel ${kernel} (${icount?.info.kernel ?? smp?.info.kernel ?? '?'}), commit ${commit}${dirty ? ' (dirty)' : ''}`);
  if (result.packet?.length) printPacket(result.packet, { rounds: icount.info.packet_rounds, seconds: icount.info.seconds });
  if (result.memory?.length) printMemory(result.memory);
  if (result.agreement) printAgreement(result.agreement);
  if (smp) printTable(result.table);
  if (result.sections.length) console.log(`written: bench/results/${writeResult(result)}`);
}
process.exit(failed ? 1 : 0);
