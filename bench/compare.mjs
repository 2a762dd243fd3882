#!/usr/bin/env node
// Before/after in one guest run: this tree against another build of the
// project (BEFORE=<dir>, built, e.g. `git archive <commit> | tar -x -C dir`,
// node_modules linked, `npm run build` there), interleaved, BENCH_REPS times:
// `stats --json` start-up (with `node -e 0`), and with BENCH_FLOWS
// connections open, `conn --csv` and the library's dump+decode.
//   scripts/vm -- env BEFORE=.cache/before node bench/compare.mjs
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { holdConnections, openContext } from './flow-holder.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const before = resolve(process.env.BEFORE ?? '.cache/before');
const reps = Number(process.env.BENCH_REPS ?? 5);
const flows = Number(process.env.BENCH_FLOWS ?? 10000);
const trees = { before, after: root };
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
const holder = await holdConnections(ports, flows);
const dumpScript = (tree) => `import('${tree}/dist/src/netlink/index.js').then(async ({ MutexClient }) => {
  const c = await MutexClient.open();
  const t = process.hrtime.bigint();
  const items = await c.dumpConsistent('conn-get', { fd_id: ${id} }, 10);
  console.log(Number(process.hrtime.bigint() - t) / 1e6, items.length);
  c.close();
})`;
try {
  for (let i = 0; i < reps; i++) {
    const order = ['before', 'after'];
    if (i % 2) order.reverse();
    for (const which of order) {
      const run = wall([process.execPath, join(trees[which], 'bin/run.js'), 'conn', '--csv', '--no-header', '--fd', String(id)]);
      if (run.stdout.trimEnd().split('\n').length !== flows) throw new Error(`${which}: wrong row count`);
      record(`${which}: conn --csv ${flows}`, run.ms);
      const [ms, n] = wall([process.execPath, '-e', dumpScript(trees[which])]).stdout.trim().split(' ').map(Number);
      if (n !== flows) throw new Error(`${which}: dump returned ${n}`);
      record(`${which}: dump+decode ${flows} (in-process)`, ms);
    }
  }
} finally {
  holder.kill();
  ctx.close();
}
console.log(`kernel ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}, ${reps} interleaved runs, medians (ms):`);
for (const [k, v] of Object.entries(samples)) console.log(`${k.padEnd(40)} ${median(v).toFixed(0).padStart(8)}   [${v.map((x) => x.toFixed(0)).join(' ')}]`);
console.log(`COMPARE-JSON ${JSON.stringify(samples)}`);
