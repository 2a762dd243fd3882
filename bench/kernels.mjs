// The kernel lines `npm run bench` measures: those scripts/vm boots, as
// scripts/vm.d/kernels pins them (the one list, shared with the test runner),
// unless BENCH_KERNELS names some.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const table = join(root, 'scripts', 'vm.d', 'kernels');

// Until scripts/vm.d/kernels exists (branch `reach`), scripts/vm knows these two.
const RUNNER_BUILTIN = ['6.1', '6.12'];

export function supportedKernels() {
  if (!existsSync(table)) return RUNNER_BUILTIN;
  return readFileSync(table, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((line) => line.split(/\s+/)[0]);
}

export function benchKernels() {
  const asked = (process.env.BENCH_KERNELS ?? '').split(/\s+/).filter(Boolean);
  return asked.length ? asked : supportedKernels();
}
