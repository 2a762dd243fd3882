#!/usr/bin/env node
// Start-up of the CLI where people run it: on this machine (not in the TCG
// guest, whose 9p root inflates every file read), `mutexctl stats --json`
// against `node -e 0`, the two in turn (A B A B ..., the order swapped every
// round), each timed by bash's `time` (wall, user and system time of the child
// alone). The module is not loaded here, so stats exits 3 after the family
// lookup: the whole start, the socket and one request, without the kernel's
// answer. Prints the medians and the median of the pairwise ratios against
// the budget. With NODE_EXTRA_CA_CERTS set, node parses those certificates at
// every start, before any script: `node -e 0` then costs more and every ratio
// looks better than on a machine without it, so the pair runs again without
// it (a row of its own, not held to the budget). `npm run bench` runs this
// first, on the host (BENCH_ONLY=startup: this alone, no VM).
//   node bench/startup.mjs [ROUNDS=21]
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const HOST_STARTUP_BUDGET = 1.3;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const quote = (word) => `'${word.replaceAll("'", "'\\''")}'`;

/**
 * Wall, user and system ms of each command, run in this order by one bash.
 * Their stdout and stderr are pipes read by this process (as when a script
 * reads them), apart from the pipe bash writes the times to.
 */
function timeEach(commands, env) {
  const script = ['TIMEFORMAT="%3R %3U %3S"', ...commands.map((argv) => `time ${argv.map(quote).join(' ')} 2>&4`)].join('\n');
  const run = spawnSync('bash', ['-c', script], {
    cwd: root,
    encoding: 'utf8',
    env: { ...env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'pipe'],
  });
  const lines = run.stderr.trim().split('\n').filter((line) => /^\d+\.\d+ \d+\.\d+ \d+\.\d+$/.test(line));
  if (lines.length !== commands.length) throw new Error(`bash time: ${run.stderr}`);
  return lines.map((line) => {
    const [wall, user, sys] = line.split(' ').map((s) => Number(s) * 1000);
    return { wall, cpu: user + sys };
  });
}

/** Interleaved rounds of `stats --json` and `node -e 0`; samples in ms and pairwise ratios. */
export function hostStartup(rounds = 21, warmup = 2, env = process.env) {
  const node = [process.execPath, '-e', '0'];
  const stats = [process.execPath, join(root, 'bin/run.js'), 'stats', '--json'];
  const samples = { node_wall: [], node_cpu: [], stats_wall: [], stats_cpu: [], ratio_wall: [], ratio_cpu: [] };
  for (let round = -warmup; round < rounds; round++) {
    const statsFirst = round % 2 === 0;
    const [a, b] = timeEach(statsFirst ? [stats, node] : [node, stats], env);
    if (round < 0) continue;
    const [s, n] = statsFirst ? [a, b] : [b, a];
    samples.stats_wall.push(s.wall);
    samples.stats_cpu.push(s.cpu);
    samples.node_wall.push(n.wall);
    samples.node_cpu.push(n.cpu);
    samples.ratio_wall.push(s.wall / n.wall);
    samples.ratio_cpu.push(n.cpu > 0 ? s.cpu / n.cpu : NaN);
  }
  return samples;
}

/** The table rows (label, median, unit, ratio, budget) of hostStartup's samples; `budgeted` false: shown, not judged. */
export function hostStartupRows(samples, { label = 'host', budgeted = true } = {}) {
  const ratio = median(samples.ratio_wall);
  const cpuRatio = median(samples.ratio_cpu.filter(Number.isFinite));
  const verdict = budgeted ? { budget: `<= ${HOST_STARTUP_BUDGET}`, ok: ratio <= HOST_STARTUP_BUDGET } : {};
  return [
    { label: `${label}: node -e 0`, value: median(samples.node_wall), unit: 'ms' },
    {
      label: `${label}: mutexctl stats --json (exit 3)`,
      value: median(samples.stats_wall),
      unit: 'ms',
      ratio,
      ...verdict,
      extra: `${samples.ratio_wall.length} rounds; CPU time ${median(samples.stats_cpu).toFixed(0)} vs ${median(samples.node_cpu).toFixed(0)} ms, ratio ${cpuRatio.toFixed(2)}; pairwise wall ratios ${Math.min(...samples.ratio_wall).toFixed(2)}-${Math.max(...samples.ratio_wall).toFixed(2)}`,
    },
  ];
}

/** The start-up measures: as this environment is, and without NODE_EXTRA_CA_CERTS when it is set. */
export function hostStartupRuns(rounds = 21) {
  const runs = [{ name: 'host', samples: hostStartup(rounds), budgeted: true }];
  if (process.env.NODE_EXTRA_CA_CERTS) {
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    runs.push({ name: 'host without NODE_EXTRA_CA_CERTS', samples: hostStartup(rounds, 2, env), budgeted: false });
  }
  return runs;
}

/** All rows of hostStartupRuns' runs. */
export const hostStartupTable = (runs) => runs.flatMap((run) => hostStartupRows(run.samples, { label: run.name, budgeted: run.budgeted }));

/** Prints the rows as one table. */
export function printHostStartup(rows) {
  console.log(`host start-up (${rows[1]?.extra?.split(';')[0] ?? ''}, interleaved; median wall time and the median of the pairwise ratios)`);
  for (const row of rows) {
    const verdict = row.ratio === undefined ? '' : `  ${row.ratio.toFixed(2)}${row.budget ? ` ${row.budget} ${row.ok ? 'ok' : 'MISSED'}` : ''}`;
    console.log(`${row.label.padEnd(66)} ${row.value.toFixed(0).padStart(6)} ${row.unit}${verdict}${row.extra ? ` (${row.extra})` : ''}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printHostStartup(hostStartupTable(hostStartupRuns(Number(process.argv[2] ?? 21))));
}
