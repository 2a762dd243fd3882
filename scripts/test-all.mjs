#!/usr/bin/env node
// Runs every test suite: unit and host tests on this machine, then the VM
// tests inside a real Debian kernel of each supported line (scripts/vm).
// Streams each suite's output, then prints one closing line for all of them.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { supportedKernels } from './kernels.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const words = (value) => (value ?? '').split(/\s+/).filter(Boolean);
const only = process.argv[2]; // "host" or "vm" runs just that part

const supported = supportedKernels();
const kernels = words(process.env.MUTEX_TEST_KERNELS ?? supported.join(' '));
// Four whole VM suites take longer than CI's hour on a 2-core machine (each
// about 15 minutes under TCG). The oldest and the newest line run every file;
// the lines between run the files that exercise what kernel/compat.h
// bridges between them (drop reasons and the kfree_skb tracepoint, dump
// attributes and strict validation), the counters and the skeleton.
// Lines named in MUTEX_TEST_KERNELS, or all with MUTEX_TEST_FULL=1, run in full.
const named = process.env.MUTEX_TEST_KERNELS !== undefined || process.env.MUTEX_TEST_FULL === '1';
const FULL = new Set(named ? kernels : [supported[0], supported.at(-1)]);
const MIDDLE_FILES = ['skeleton', 'counters', 'drops', 'operator'];
const vmFiles = (kernel) => (FULL.has(kernel) ? ['dist/test/vm'] : MIDDLE_FILES.map((file) => `dist/test/vm/${file}.test.js`));
// DKMS (test/vm/dkms.sh) compiles the module inside the guest, ~50x slower
// under TCG (7-8 minutes alone): only when asked, MUTEX_TEST_DKMS=1.
const dkms = process.env.MUTEX_TEST_DKMS === '1';

const suites = [];
if (only !== 'vm') suites.push({ name: 'unit+host', argv: ['node', '--test', '--test-reporter=tap', 'dist/test/unit', 'dist/test/host'] });
if (only !== 'host') {
  for (const kernel of kernels) {
    suites.push({
      name: `vm ${kernel}${FULL.has(kernel) ? '' : ` (${MIDDLE_FILES.join(', ')})`}`,
      // A test (or test file) that hangs fails after 15 minutes and the suite goes on; the slowest file takes ~5.
      argv: [join(root, 'scripts/vm'), '--kernel', kernel, '--', 'node', '--test', '--test-concurrency=1', '--test-timeout=900000', '--test-reporter=tap', ...vmFiles(kernel)],
    });
    if (dkms) suites.push({ name: `dkms ${kernel}`, tap: false, argv: [join(root, 'scripts/vm'), '--kernel', kernel, '--no-module', '--', 'test/vm/dkms.sh'] });
  }
}

function run({ name, argv, tap = true }) {
  return new Promise((resolve) => {
    console.log(`\n=== ${name}: ${argv.join(' ')}`);
    // A whole VM suite takes 8-10 minutes under TCG: more than the runner's default limit.
    const env = { ...process.env, VM_TIMEOUT: process.env.VM_TIMEOUT ?? '2400' };
    const child = spawn(argv[0], argv.slice(1), { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-4096);
    });
    child.on('exit', (code) => {
      const count = (key) => Number(new RegExp(`^# ${key} (\\d+)$`, "m").exec(tail)?.[1] ?? 0);
      if (!tap) {
        // A script: one check that passes when it exits 0.
        resolve({ name, code: code ?? 1, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1 });
        return;
      }
      resolve({ name, code: code ?? 1, passed: count('pass'), failed: count('fail') });
    });
  });
}

let passed = 0;
let failed = 0;
const broken = [];

// The export tests check the Prometheus text with promtool, the serve and
// alertmanager tests run the real servers (Debian: prometheus,
// prometheus-alertmanager); on a fresh machine, as root, install them like
// scripts/vm installs QEMU.
const missing = [
  ['promtool', 'prometheus'],
  ['prometheus-alertmanager', 'prometheus-alertmanager'],
  ['dkms', 'dkms'],
].filter(([command]) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status !== 0).map(([, pkg]) => pkg);
if (missing.length > 0 && process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0) {
  console.log(`=== installing ${missing.join(' ')} (apt-get install)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { stdio: 'inherit', env }).status;
  if (install() !== 0 && spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env }).status === 0) install();
}

if (only !== 'host') {
  // The VM suites run tools/fuzz's attacks, built here on the host (the
  // guest sees this file system).
  const make = await run({ name: 'build tools/fuzz', argv: ['make', '-s', '-C', join(root, 'tools/fuzz')] });
  if (make.code !== 0) {
    broken.push(make.name);
    failed += 1;
  }
}
const startedAll = Date.now();
const seconds = (since) => Math.round((Date.now() - since) / 1000);
for (const suite of suites) {
  const started = Date.now();
  const result = await run(suite);
  passed += result.passed;
  failed += result.failed;
  console.log(`=== ${result.name}: ${result.passed} passed, ${result.failed} failed, exit ${result.code}, ${seconds(started)} s`);
  if (result.code !== 0) broken.push(result.name);
  if (result.code !== 0 && result.failed === 0) failed += 1; // a runner that died counts as a failure
}
if (broken.length) console.log(`failing suites: ${broken.join(', ')}`);
console.log(`${passed} passed, ${failed} failed in ${seconds(startedAll)} s`);
process.exit(broken.length ? 1 : 0);
