// The kernel lines scripts/vm boots, oldest first, as scripts/vm.d/kernels
// pins them: the one list, read by npm test and npm run bench.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const table = join(dirname(fileURLToPath(import.meta.url)), 'vm.d', 'kernels');

export function supportedKernels() {
  return readFileSync(table, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((line) => line.split(/\s+/)[0]);
}
