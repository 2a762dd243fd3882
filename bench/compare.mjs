#!/usr/bin/env node
// Before/after in one guest run: this tree (or AFTER=<dir>) against another
// build of the project (BEFORE=<dir>, built, e.g. `git archive <commit> | tar
// -x -C dir`, node_modules linked, `npm run build` there), interleaved,
// BENCH_REPS times: `stats --json` start-up (with `node -e 0`), and with
// BENCH_FLOWS connections open (10000[,100000]: rounds above 50 000 are
// BENCH_LISTING_BIG_REPS), `ss -tan`, `conn --csv` and `conn --json` of
// each build (then each one's peak RSS) and the library's dump+decode.
//   scripts/vm -- env BEFORE=.cache/before node bench/compare.mjs
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOLD_CONNECTIONS, PYTHON, openContext } from './flow-holder.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const before = resolve(process.env.BEFORE ?? '.cache/before');
const reps = Number(process.env.BENCH_REPS ?? 5);
const flowCounts = (process.env.BENCH_FLOWS ?? '10000').split(',').map(Number);
const bigReps = Number(process.env.BENCH_LISTING_BIG_REPS ?? 3);
const trees = { before, after: resolve(process.env.AFTER ?? root) };
const samples = {};
const record = (k, v) => (samples[k] ??= []).push(v);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function wall(argv) {
  const t = process.hrtime.bigint();
  const run = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, NO_COLOR: '1' } });
  if (run.status !== 0) throw new Error(`${argv.join(' ')}: ${run.stderr}`);
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, stdout: run.stdout };
}

for (let i = 0; i < reps; i++) {
  const order = ['node', 'before', 'after'];
  for (let k = 0; k < i % 3; k++) order.push(order.shift());
  for (const which of order) {
    if (which === 'node') record('node -e 0', wall([process.execPath, '-e', '0']).ms);
    else record(`${which}: stats --json`, wall([process.execPath, join(trees[which], 'bin/run.js'), 'stats', '--json']).ms);
  }
}

writeFileSync('/proc/sys/net/ipv4/ip_local_port_range', '1024 65000');
const ports = [7101, 7102, 7103, 7104];
const ctx = openContext(`name=compare scope=all proto=tcp port=${ports.join(',')}`);
const id = ctx.id;
const holder = spawn(PYTHON, ['-c', HOLD_CONNECTIONS, ports.join(',')], { stdio: ['pipe', 'pipe', 'inherit'] });
const held = [];
holder.stdout.on('data', (d) => held.push(...d.toString().trim().split('\n')));
const dumpScript = (tree) => `import('${tree}/dist/src/netlink/index.js').then(async ({ MutexClient }) => {
  const c = await MutexClient.open();
  const t = process.hrtime.bigint();
  const items = await c.dumpConsistent('conn-get', { fd_id: ${id} }, 10);
  console.log(Number(process.hrtime.bigint() - t) / 1e6, items.length);
  c.close();
})`;
const dump = (which) => wall([process.execPath, '-e', dumpScript(trees[which])]).stdout.trim().split(' ').map(Number);
try {
  const conn = (which, format) => [process.execPath, join(trees[which], 'bin/run.js'), 'conn', `--${format}`, '--fd', String(id)];
  for (const flows of flowCounts) {
    holder.stdin.write(`${flows}\n`);
    while (Number(held.at(-1)) !== flows) await new Promise((r) => setTimeout(r, 50));
    // Every listing must show what the kernel tracks (noted when that is not every connection).
    const [, tracked] = dump('after');
    if (tracked !== flows) console.error(`compare: the context tracks ${tracked} flows for ${flows} connections`);
    for (let i = 0; i < (flows > 50000 ? bigReps : reps); i++) {
      const order = ['ss', 'before', 'after'];
      for (let k = 0; k < i % 3; k++) order.push(order.shift());
      for (const which of order) {
        if (which === 'ss') {
          record(`ss -tan (${flows} connections)`, wall(['ss', '-tan']).ms);
          continue;
        }
        const run = wall(conn(which, 'csv'));
        if (run.stdout.trimEnd().split('\n').length !== tracked + 1) throw new Error(`${which}: wrong row count`);
        record(`${which}: conn --csv ${flows}`, run.ms);
        const json = wall(conn(which, 'json'));
        if (JSON.parse(json.stdout).length !== tracked) throw new Error(`${which}: wrong JSON length`);
        record(`${which}: conn --json ${flows}`, json.ms);
        const [ms, n] = dump(which);
        if (n !== tracked) throw new Error(`${which}: dump returned ${n}`);
        record(`${which}: dump+decode ${flows} (in-process)`, ms);
      }
    }
    for (const which of ['before', 'after']) {
      for (const format of ['csv', 'json']) {
        const run = spawnSync('/usr/bin/time', ['-f', 'RSS %M', ...conn(which, format)], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'ignore', 'pipe'] });
        record(`${which}: conn --${format} ${flows} peak RSS (MiB)`, Number(/RSS (\d+)/.exec(run.stderr)?.[1]) / 1024);
      }
    }
  }
} finally {
  const exited = new Promise((r) => holder.on('exit', r));
  holder.kill();
  await exited;
  ctx.close();
}
console.log(`kernel ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}, ${reps} interleaved runs, medians (ms):`);
for (const [k, v] of Object.entries(samples)) console.log(`${k.padEnd(40)} ${median(v).toFixed(0).padStart(8)}   [${v.map((x) => x.toFixed(0)).join(' ')}]`);
console.log(`COMPARE-JSON ${JSON.stringify(samples)}`);
