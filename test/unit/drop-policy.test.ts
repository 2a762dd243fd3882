// The drop-reason policy is written twice on purpose: in the module
// (kernel/probes.c) and in docs/semantics.md, which the VM tests read as
// their oracle. They must say the same.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function kernelList(): string[] {
  const source = readFileSync(join(root, 'kernel', 'probes.c'), 'utf8');
  const body = /drop_not_loss\[\] = \{([^}]*)\}/.exec(source)?.[1];
  assert.ok(body, 'kernel/probes.c declares drop_not_loss[]');
  return [...body.matchAll(/"([A-Z0-9_]+)"/g)].map((m) => m[1]!);
}

function documentedList(): string[] {
  const doc = readFileSync(join(root, 'docs', 'semantics.md'), 'utf8');
  const start = doc.indexOf('### Drop reasons that are not losses');
  assert.ok(start >= 0);
  const end = doc.indexOf('\n#', start + 4);
  return [...doc.slice(start, end < 0 ? undefined : end).matchAll(/^- `([A-Z0-9_]+)`/gm)].map((m) => m[1]!);
}

describe('drop reason policy', () => {
  it('the module and docs/semantics.md list the same reasons as not losses', () => {
    const kernel = kernelList();
    assert.ok(kernel.length > 10);
    assert.deepEqual(documentedList(), kernel);
  });
});
