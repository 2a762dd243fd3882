// kernel/mutex.yaml is valid against the kernel's YNL schema it names, and
// the check (scripts/check-spec.mjs) can fail.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const check = (spec?: string) =>
  spawnSync(process.execPath, [join(root, 'scripts', 'check-spec.mjs'), ...(spec ? [spec] : [])], { encoding: 'utf8' });

describe('the YNL spec against the kernel schema', () => {
  it('kernel/mutex.yaml is valid against genetlink-legacy', () => {
    const run = check();
    assert.equal(run.status, 0, run.stderr);
  });

  it('the same spec under the plain genetlink schema is refused: it has no uns-admin-perm', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mutex-spec-'));
    try {
      const spec = join(dir, 'mutex.yaml');
      writeFileSync(spec, readFileSync(join(root, 'kernel', 'mutex.yaml'), 'utf8').replace(/^protocol: genetlink-legacy$/m, 'protocol: genetlink'));
      const run = check(spec);
      assert.equal(run.status, 1);
      assert.match(run.stderr, /operations\/list\/\d+\/flags\/0: must be equal to one of the allowed values \(allowed: admin-perm\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an attribute of an unknown type is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mutex-spec-'));
    try {
      const spec = join(dir, 'mutex.yaml');
      writeFileSync(spec, readFileSync(join(root, 'kernel', 'mutex.yaml'), 'utf8').replace('type: u64', 'type: u65'));
      assert.equal(check(spec).status, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
