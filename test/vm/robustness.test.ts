// Issue 7: short versions of `npm run fuzz` and `npm run stress` (tools/fuzz).
// Each attack runs in the real module and checks itself (its file in tools/fuzz/
// says what); here we assert that it ran to the end, passed, and went through
// the amount of work it claims. The kernel log is checked by scripts/vm.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { globalStats, projectRoot } from './lib.js';

const FUZZ = join(projectRoot, '.cache', 'fuzz', 'mutexfuzz');
const SEED = process.env['SEED'] ?? String(Date.now() % 1_000_000);

// Far above the slowest attack's time under TCG (the unload test, ~2 min): a hang ends as a
// failure with the kernel's list of blocked tasks in its log, not as the whole VM timing out.
const ATTACK_TIMEOUT_MS = 10 * 60 * 1000;

/** The tasks of the guest that are not running or sleeping, with their kernel stacks. */
function stuckTasks(): string {
  writeFileSync('/proc/sysrq-trigger', 'w'); // blocked (D state) tasks into the kernel log, kept by scripts/vm
  const script = 'for p in /proc/[0-9]*; do s=$(awk \'/^State:/ {print $2}\' $p/status 2>/dev/null); case "$s" in R|S|I|"") ;; *) echo "$(cat $p/comm) $s"; cat $p/stack;; esac; done 2>/dev/null';
  const ps = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
  return ps.stdout;
}

function attack(argv: string[]): string {
  const run = spawnSync(argv[0]!, argv.slice(1), {
    cwd: projectRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: ATTACK_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  if (run.error) {
    const hung = (run.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `\nstuck tasks:\n${stuckTasks()}` : '';
    assert.fail(`${argv.join(' ')}: ${run.error.message}\n${run.stdout ?? ''}${run.stderr ?? ''}${hung}`);
  }
  const out = `${run.stdout}${run.stderr}`;
  process.stdout.write(out.split('\n').map((l) => `# ${l}`).join('\n') + '\n');
  assert.equal(run.status, 0, `${argv.join(' ')} failed:\n${out.slice(-4000)}`);
  assert.match(run.stdout, /all checks passed/);
  return run.stdout;
}

function num(out: string, re: RegExp): number {
  const m = re.exec(out);
  assert.ok(m, `no ${re} in the output`);
  return Number(m[1]);
}

describe('robustness (short run; npm run fuzz / npm run stress do the full one)', () => {
  it('the fuzzer is built (make -C tools/fuzz)', () => {
    assert.ok(existsSync(FUZZ), `${FUZZ} is missing: run npm run build:fuzz on the host`);
  });

  it('20 000 fuzzed netlink messages to every op; the module answers correctly afterwards', () => {
    const out = attack([FUZZ, 'nl', '20000', SEED]);
    assert.ok(num(out, /^nl: (\d+) messages/m) >= 18000);
    assert.ok(num(out, /(\d+) dumps abandoned/) > 0, 'dumps were abandoned half-way');
    assert.ok(num(out, /(\d+) sockets closed mid-dump/) > 0, 'sockets were closed mid-dump');
    assert.ok(num(out, /(\d+) EPERM/) > 0, 'the unprivileged worker was refused changes');
    assert.match(out, /^after: stats ok/m);
  });

  it('10 000 malformed IPv4/IPv6 packets through the hooks with a context to match', () => {
    const out = attack([FUZZ, 'pkt', '10000', SEED]);
    assert.ok(num(out, /(\d+) IPv4/) + num(out, /(\d+) IPv6 sent/) > 5000);
    assert.match(out, /^after pkt: stats ok/m);
  });

  it('/dev/mutex abuse: random selectors, odd reads, races, fds over fork and SCM_RIGHTS; nothing leaks', () => {
    const out = attack([FUZZ, 'dev', '1500', SEED]);
    assert.match(out, /contexts active before (\d+), after \1\b/);
  });

  it('privilege and netns isolation', () => {
    const out = attack([FUZZ, 'priv']);
    assert.match(out, /give EPERM/);
    assert.match(out, /another netns sees 0 of the init netns' contexts and flows/);
  });

  it('parallel traffic, dumps, threshold changes and context churn: sums match, nothing goes backwards', () => {
    const out = attack([FUZZ, 'stress', '15']);
    assert.match(out, /bytes sent global (\d+) = live fds \d+ \+ closed fds \d+: equal/);
    assert.ok(num(out, /(\d+) contexts churned/) >= 3, 'contexts were churned'); // how many depends on the machine's speed
    assert.ok(num(out, /(\d+) samples checked/) > 10);
  });

  it('a flood of new flows past the per-netns limit keeps memory bounded', () => {
    const out = attack([FUZZ, 'flows', '40000', '5000']);
    assert.match(out, /5000 tracked/);
    assert.match(out, /a second netns then tracks 2500 of 2500/);
  });

  it('an alert storm keeps the ring bounded and notifications rate-limited, losses counted', () => {
    const out = attack([FUZZ, 'storm', '8', '100']);
    assert.ok(num(out, /(\d+) alert events/) > 0);
  });

  it('rmmod under load: refused while contexts are open, clean afterwards, slab back to baseline', async () => {
    const out = attack(['sh', 'tools/fuzz/unload.sh', '1']);
    assert.ok(num(out, /rmmod refused (\d+) times with contexts open/) >= 2, 'refused in every round');
    assert.ok(num(out, /after \d+ kB \((-?\d+) kB\)/) < 512, 'slab back to baseline');
    const stats = await globalStats();
    assert.equal(stats.fds_active, 0, 'the module is loaded again, fresh');
  });
});
