// bench/results/: one file per kernel per run, named by date, kernel and
// commit (2026-12-01T0612-6.12-abcc347.json), holding the machine, the
// commit, the raw samples and the tables with their budgets; index.json lists
// the runs, newest last, and names the latest file of each kernel.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS_DIR = process.env.BENCH_RESULTS ?? join(root, 'bench', 'results');
const INDEX = join(RESULTS_DIR, 'index.json');

const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();

function qemuVersion() {
  try {
    return execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    return 'not installed'; // a host-only run (BENCH_ONLY=startup) needs none
  }
}

export function machineInfo() {
  return {
    host_cpu: cpus()[0]?.model,
    host_cpus: cpus().length,
    host_mem_gib: Math.round(totalmem() / 2 ** 30),
    host_kernel: release(),
    host_load_at_start: loadavg().map((x) => Number(x.toFixed(2))),
    qemu: qemuVersion(),
    accel: 'TCG (no KVM)',
    node: process.version,
  };
}

export function commitInfo() {
  return {
    commit: git('rev-parse', '--short', 'HEAD'),
    subject: git('log', '-1', '--format=%s').slice(0, 120),
    dirty: git('status', '--porcelain', '--untracked-files=no') !== '',
  };
}

export function readIndex() {
  return existsSync(INDEX) ? JSON.parse(readFileSync(INDEX, 'utf8')) : { latest: {}, runs: [] };
}

/** Writes one kernel's result of this run; returns the file's name. */
export function writeResult(result) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = result.date.replace(/:\d\d\.\d+Z$/, '').replace(':', '');
  const file = `${stamp}-${result.kernel}-${result.commit}${result.dirty ? '-dirty' : ''}.json`;
  writeFileSync(join(RESULTS_DIR, file), `${JSON.stringify({ file, ...result }, null, 2)}\n`);
  const index = readIndex();
  index.runs = index.runs.filter((r) => r.file !== file);
  index.runs.push({ file, kernel: result.kernel, date: result.date, commit: result.commit, sections: result.sections });
  index.latest[result.kernel] = file;
  writeFileSync(INDEX, `${JSON.stringify(index, null, 2)}\n`);
  return file;
}

export const readResult = (file) => JSON.parse(readFileSync(join(RESULTS_DIR, file), 'utf8'));

/** The newest result of `kernel` that measured `section` (and passes `accept`), or undefined. */
export function latestWith(kernel, section, accept = () => true) {
  const runs = readIndex().runs.filter((r) => r.kernel === kernel && r.sections?.includes(section));
  for (let i = runs.length - 1; i >= 0; i--) {
    const result = readResult(runs[i].file);
    if (accept(result)) return result;
  }
  return undefined;
}
