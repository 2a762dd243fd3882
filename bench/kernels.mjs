// The kernel lines `npm run bench` measures: those scripts/vm boots, unless
// BENCH_KERNELS names some.
import { supportedKernels } from '../scripts/kernels.mjs';

export { supportedKernels };

export function benchKernels() {
  const asked = (process.env.BENCH_KERNELS ?? '').split(/\s+/).filter(Boolean);
  return asked.length ? asked : supportedKernels();
}
