// scripts/vm itself: output, exit codes, a guest kernel WARNING failing the
// run, a panicking or hung guest ending it loudly, user namespaces in CMD.
// Module loading is exercised with the fixture modules in test/fixtures
// (these tests don't depend on the state of kernel/).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const vm = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(join(root, 'scripts', 'vm'), args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 600_000 });
// /proc/crashmod: "oops-irq", "panic" or "hang" on demand.
const crashModule = { MUTEX_KO_SRC: join(root, 'test/fixtures/crash-module') };

// The run's kernel log, whose path the runner names on stderr.
function keptLog(stderr: string): string {
  const path = /kernel log kept: (\S+)/.exec(stderr)?.[1];
  assert.ok(path !== undefined && existsSync(path), `no kept kernel log named in:\n${stderr}`);
  return readFileSync(path, 'utf8');
}

describe('scripts/vm', { skip: process.env['MUTEX_SKIP_VM'] === '1' ? 'MUTEX_SKIP_VM=1' : false }, () => {
  it("passes CMD's stdout, stderr and exit code through", () => {
    const run = vm(['--kernel', '6.12', '--no-module', '--', 'sh', '-c', 'echo "out $0"; echo err >&2; exit 7', 'a b']);
    assert.equal(run.status, 7, run.stderr);
    assert.equal(run.stdout, 'out a b\n');
    assert.match(run.stderr, /^err$/m);
  });

  it('false exits 1', () => {
    assert.equal(vm(['--no-module', '--', 'false']).status, 1);
  });

  it('a WARNING in the guest kernel log fails the run even when CMD succeeds', () => {
    const run = vm(['--kernel', '6.1', '--', 'true'], { MUTEX_KO_SRC: join(root, 'test/fixtures/warn-module') });
    assert.equal(run.status, 125, run.stderr);
    assert.match(run.stderr, /WARNING/);
  });

  it('a guest kernel panic (an Oops in softirq) fails the run with 125 and the start of the trace', () => {
    const run = vm(['--kernel', '6.1', '--', 'sh', '-c', 'echo oops-irq >/proc/crashmod; sleep 60; echo survived'], crashModule);
    assert.equal(run.status, 125, run.stderr);
    assert.doesNotMatch(run.stdout, /survived/);
    assert.match(run.stderr, /the guest kernel panicked/);
    // The BUG line, the registers, the call trace, then the panic line.
    assert.match(run.stderr, /BUG: kernel NULL pointer dereference[^]*RIP: 0010:crashmod_timer_fn[^]*Call Trace:[^]*run_timer_softirq/);
    assert.match(run.stderr, /Kernel panic - not syncing: Fatal exception in interrupt/);
    assert.match(keptLog(run.stderr), /Kernel panic - not syncing: Fatal exception in interrupt/);
  });

  it('a panic() in process context fails the run with 125 and its call trace', () => {
    const run = vm(['--kernel', '6.12', '--', 'sh', '-c', 'echo panic >/proc/crashmod'], crashModule);
    assert.equal(run.status, 125, run.stderr);
    assert.match(run.stderr, /Kernel panic - not syncing: crashmod: panic on demand[^]*Call Trace:[^]*crashmod_write/);
  });

  it('a guest that stops answering is stopped after VM_HANG_SECS with 125 and where it was stuck', () => {
    const started = Date.now();
    const run = vm(['--kernel', '6.12', '--', 'sh', '-c', 'echo hang >/proc/crashmod; echo survived'], {
      ...crashModule,
      VM_HANG_SECS: '20',
    });
    assert.equal(run.status, 125, run.stderr);
    assert.doesNotMatch(run.stdout, /survived/);
    assert.match(run.stderr, /the guest stopped answering: no heartbeat for \d+s/);
    // The guest's panic on the NMI the runner sends it shows the spinning CPU.
    assert.match(run.stderr, /Kernel panic - not syncing: NMI[^]*crashmod_spin/);
    keptLog(run.stderr);
    assert.ok(Date.now() - started < 300_000, 'took longer than expected');
  });

  it('a CMD that is silent for longer than VM_HANG_SECS is not taken for a hung guest', () => {
    const run = vm(['--kernel', '6.1', '--no-module', '--', 'sh', '-c', 'sleep 45; echo done'], { VM_HANG_SECS: '15' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'done\n');
  });

  it('VM_TIMEOUT still ends the run with 124', () => {
    const run = vm(['--kernel', '6.1', '--no-module', '--', 'sleep', '300'], { VM_TIMEOUT: '15' });
    assert.equal(run.status, 124, run.stderr);
    assert.match(run.stderr, /timeout: the VM ran longer than 15s/);
  });

  it('--icount: one vCPU whose clock counts instructions, so an idle guest outruns the host', () => {
    // sleep=off: an idle vCPU jumps to its next timer, so 600 guest seconds of
    // sleep pass in far fewer host seconds; without icount they never could.
    const started = Date.now();
    const run = vm(['--icount', '--no-module', '--', 'sh', '-c', 'nproc; sleep 600; cut -d" " -f1 /proc/uptime']);
    const hostSeconds = (Date.now() - started) / 1000;
    assert.equal(run.status, 0, run.stderr);
    const [cpus, uptime] = run.stdout.trim().split('\n');
    assert.equal(cpus, '1');
    assert.ok(Number(uptime) > 600 && Number(uptime) > hostSeconds, `guest uptime ${uptime} s, host ${hostSeconds} s`);
  });

  it('--icount with --cpus 2 is a usage error, before anything boots', () => {
    const run = vm(['--icount', '--cpus', '2', '--', 'true']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--icount runs 1 vCPU/);
  });

  for (const kernel of ['6.1', '6.12']) {
    it(`CMD can create user namespaces, as root and unprivileged (${kernel})`, () => {
      const cmd = 'unshare -Urn sh -c "id -u; ip -o link"; setpriv --reuid=65534 --regid=65534 --clear-groups unshare -Urn id -u';
      const run = vm(['--kernel', kernel, '--no-module', '--', 'sh', '-c', cmd]);
      assert.equal(run.status, 0, run.stderr);
      // root in the new user namespace, alone with lo in the new network namespace
      assert.match(run.stdout, /^0\n1: lo: [^\n]*\n0\n$/);
    });
  }
});
