// The uapi header, the kernel tables and the TypeScript tables are rendered
// from kernel/mutex.yaml, whose figure sets are rendered from the catalog
// (kernel/counters.yaml); a stale copy of any of them must fail the build.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { attributeSets } from '../../src/spec/generated.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const generator = join(root, 'scripts', 'gen-netlink.mjs');
const generated = [
  'kernel/include/uapi/linux/mutex.h',
  'kernel/mutex_nl_gen.h',
  'kernel/mutex_nl_gen.c',
  'kernel/mutex_figures_gen.h',
  'kernel/mutex_figures_gen.c',
  'src/spec/generated.ts',
];
const sources = ['kernel/mutex.yaml', 'kernel/counters.yaml'];
/** The next free attribute number of the stats set. */
const nextStats = attributeSets.stats!.length + 1;

function check(genRoot: string) {
  return spawnSync(process.execPath, [generator, '--check'], {
    encoding: 'utf8',
    env: { ...process.env, MUTEX_GEN_ROOT: genRoot },
  });
}

describe('generated files', () => {
  it('are up to date with the spec in this checkout', () => {
    const run = check(root);
    assert.equal(run.status, 0, run.stderr);
  });

  for (const path of [...generated, 'kernel/mutex.yaml']) {
    it(`a change to ${path} alone is caught`, () => {
      const scratch = mkdtempSync(join(tmpdir(), 'mutex-gen-'));
      try {
        for (const file of [...generated, ...sources])
          cpSync(join(root, file), join(scratch, file), { recursive: true });
        appendFileSync(
          join(scratch, path),
          path.endsWith('.yaml') ? '\n# a comment is harmless\n' : '\n/* edited by hand */\n',
        );
        const run = check(scratch);
        if (path.endsWith('.yaml')) {
          assert.equal(run.status, 0, 'a comment changes no output');
        } else {
          assert.equal(run.status, 1);
          assert.match(run.stderr, new RegExp(`stale generated files.*${path.replace(/[.]/g, '\\.')}`));
        }
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    });
  }

  it('an attribute added to a figure set of the spec by hand is undone: the spec is stale', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'mutex-gen-'));
    try {
      for (const file of [...generated, ...sources]) cpSync(join(root, file), join(scratch, file));
      const spec = join(scratch, 'kernel/mutex.yaml');
      const anchor = 'Alert notifications that could not be delivered to listeners.\n';
      const text = readFileSync(spec, 'utf8');
      assert.ok(text.includes(anchor));
      writeFileSync(spec, text.replace(anchor, `${anchor}      -\n        name: extra-counter\n        type: u64\n`));
      const run = check(scratch);
      assert.equal(run.status, 1);
      assert.match(run.stderr, /stale generated files.*kernel\/mutex\.yaml/);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('a figure added to the catalog makes the spec, the header, the kernel figure code and the TS tables stale', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'mutex-gen-'));
    try {
      for (const file of [...generated, ...sources]) cpSync(join(root, file), join(scratch, file));
      appendFileSync(
        join(scratch, 'kernel/counters.yaml'),
        `  - {name: extra-counter, type: u64, in: {stats: ${nextStats}}, kind: counter, unit: packets, header: extra, ` +
          "prometheus: {name: extra, help: An extra counter.}, kernel: manual}\n",
      );
      const run = check(scratch);
      assert.equal(run.status, 1);
      for (const file of ['kernel/mutex.yaml', 'kernel/include/uapi/linux/mutex.h', 'kernel/mutex_figures_gen.h', 'kernel/mutex_figures_gen.c', 'src/spec/generated.ts'])
        assert.match(run.stderr, new RegExp(file.replace(/[./]/g, '\\$&')));
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('a figure that leaves its metric, heading or kernel reading open is refused', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'mutex-gen-'));
    try {
      for (const file of [...generated, ...sources]) cpSync(join(root, file), join(scratch, file));
      appendFileSync(join(scratch, 'kernel/counters.yaml'), `  - {name: extra-counter, type: u64, in: {stats: ${nextStats}}, kind: counter}\n`);
      const run = check(scratch);
      assert.equal(run.status, 1);
      assert.match(run.stderr, /extra-counter.*Prometheus metric/);
      assert.match(run.stderr, /extra-counter.*table header/);
      assert.match(run.stderr, /extra-counter.*kernel: is required/);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
