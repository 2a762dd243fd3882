#!/usr/bin/env node
// Profiles one bench case in the guest and prints the summary (the guest's
// files are thrown away, so the profile is summarised in place):
//   scripts/vm -- node bench/profile.mjs conn [FLOWS]   mutexctl conn --csv, and the library dump
//   scripts/vm -- node bench/profile.mjs stats          mutexctl stats --json
//   scripts/vm -- node bench/profile.mjs udp [SECONDS]  kernel profile (perf, cpu-clock) of iperf3
//                                                       UDP 64 B with a context matching everything
//                                                       (VM_APPEND='slub_debug=- kfence.sample_interval=0'
//                                                       as npm run bench uses, or slab debugging dominates)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { holdConnections, openContext } from './flow-holder.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [what = 'conn', count = '10000'] = process.argv.slice(2);

function profiled(args, label) {
  const dir = mkdtempSync(join(tmpdir(), 'prof-'));
  const start = Date.now();
  execFileSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...args], { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 });
  console.log(`\n### ${label}: ${Date.now() - start} ms wall`);
  const file = join(dir, readdirSync(dir)[0]);
  console.log(execFileSync(process.execPath, [join(root, 'bench/prof-summary.mjs'), file, '30'], { encoding: 'utf8' }));
}

if (what === 'udp') {
  const server = spawn('iperf3', ['-s'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1000));
  const ctx = openContext('name=prof scope=all');
  try {
    execFileSync('perf', ['record', '-q', '-e', 'cpu-clock', '-a', '-g', '-o', '/tmp/perf.data', '--',
      'iperf3', '-c', '127.0.0.1', '-u', '-b', '0', '-l', '64', '-t', count === '10000' ? '5' : count], { stdio: ['ignore', 'ignore', 'inherit'] });
    for (const sort of ['sym', 'dso']) {
      console.log(execFileSync('perf', ['report', '-i', '/tmp/perf.data', '--stdio', '--no-children', '-g', 'none', '--percent-limit', '0.7', '--sort', sort],
        { encoding: 'utf8', maxBuffer: 1 << 26 }).split('\n').filter((l) => l && !l.startsWith('#')).slice(0, 45).join('\n'));
    }
    // The module's own functions: the hook path's share of all samples.
    console.log('\n### the module (mutex.ko):');
    const bySymbol = execFileSync('perf', ['report', '-i', '/tmp/perf.data', '--stdio', '--no-children', '-g', 'none', '--sort', 'dso,sym', '--percent-limit', '0'],
      { encoding: 'utf8', maxBuffer: 1 << 26 }).split('\n').filter((l) => /\[mutex\]|\] mutex_/.test(l) && !/\] mutex_(lock|unlock|trylock)\b/.test(l)); // not the kernel's struct mutex
    const share = bySymbol.reduce((sum, l) => sum + (Number.parseFloat(l) || 0), 0);
    console.log(`${bySymbol.slice(0, 20).join('\n')}\nall of the module's functions: ${share.toFixed(2)} % of the samples`);
  } finally {
    ctx.close();
    server.kill();
  }
} else if (what === 'stats') {
  for (let i = 0; i < 2; i++) profiled([join(root, 'bin/run.js'), 'stats', '--json'], 'mutexctl stats --json');
} else {
  const n = Number(count);
  writeFileSync('/proc/sys/net/ipv4/ip_local_port_range', '1024 65000');
  const ports = [7101, 7102, 7103, 7104];
  const ctx = openContext(`name=prof scope=all proto=tcp port=${ports.join(',')}`);
  const id = ctx.id;
  const holder = await holdConnections(ports, n);
  const dump = `import('${root}/dist/src/netlink/index.js').then(async ({ MutexClient }) => {
    const c = await MutexClient.open();
    for (let i = 0; i < 2; i++) { const t = Date.now(); const items = await c.dumpConsistent('conn-get', { fd_id: ${id} }, 10); console.error('dump', items.length, Date.now() - t, 'ms'); }
    c.close();
  })`;
  try {
    profiled(['-e', dump], `library dump x2, ${n} flows`);
    profiled([join(root, 'bin/run.js'), 'conn', '--csv', '--no-header', '--fd', String(id)], `mutexctl conn --csv, ${n} flows`);
  } finally {
    holder.kill();
    ctx.close();
  }
}
