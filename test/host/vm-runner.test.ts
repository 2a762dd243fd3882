// scripts/vm itself: output, exit codes, and a guest kernel WARNING failing the run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const vm = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(join(root, 'scripts', 'vm'), args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 600_000 });

describe('scripts/vm', { skip: process.env['MUTEX_SKIP_VM'] === '1' ? 'MUTEX_SKIP_VM=1' : false }, () => {
  it("passes CMD's stdout, stderr and exit code through", () => {
    const run = vm(['--kernel', '6.12', '--', 'sh', '-c', 'echo "out $0"; echo err >&2; exit 7', 'a b']);
    assert.equal(run.status, 7, run.stderr);
    assert.equal(run.stdout, 'out a b\n');
    assert.match(run.stderr, /^err$/m);
  });

  it('false exits 1', () => {
    assert.equal(vm(['--', 'false']).status, 1);
  });

  it('a WARNING in the guest kernel log fails the run even when CMD succeeds', () => {
    const run = vm(['--kernel', '6.1', '--', 'true'], { MUTEX_KO_SRC: join(root, 'test/fixtures/warn-module') });
    assert.equal(run.status, 125, run.stderr);
    assert.match(run.stderr, /WARNING/);
  });
});
