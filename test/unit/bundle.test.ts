// The bundled CLI (dist/mutexctl.cjs) loads some modules only when first used
// (scripts/bundle.mjs): commands that need them still work without a kernel.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeSnapshot } from '../../src/export/binary.js';
import { runNode } from './helpers/run-node.js';

const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));

describe('the bundled CLI', () => {
  it('export --from FILE -o OUT: reads and writes through the lazily loaded node:fs/promises', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mutexctl-bundle-'));
    try {
      const snapshot = join(dir, 'snapshot.bin');
      writeFileSync(snapshot, encodeSnapshot({ takenNs: 7n, scopes: ['global'], stats: { fds_total: 2n, bytes_sent: 9007199254740993n } }));
      const out = join(dir, 'out.json');
      const run = await runNode(['bin/run.js', 'export', '--from', snapshot, '--format', 'json', '-o', out], { cwd: projectRoot });
      assert.equal(run.stderr, '');
      assert.equal(run.code, 0);
      const written = readFileSync(out, 'utf8');
      assert.match(written, /"taken_ns": 7,/);
      assert.match(written, /"bytes_sent": 9007199254740993\n/, 'exact above 2^53');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('dist/fast.cjs (stats, fd and conn without oclif)', () => {
  // The same argv through dist/mutexctl.cjs alone: oclif's parse, BaseCommand's failure.
  const throughOclif = `
    const { join } = require('node:path');
    const { loadBundle } = require(join(process.cwd(), 'bin/load-bundle.js'));
    process.argv = [process.argv[0], join(process.cwd(), 'bin/run.js'), ...process.argv.slice(1)];
    loadBundle(join(process.cwd(), 'dist/mutexctl.cjs')).run(require('node:url').pathToFileURL(join(process.cwd(), 'package.json')).href);`;
  const env = { ...process.env, NO_COLOR: '1', MUTEXCTL_HISTORY: mkdtempSync(join(tmpdir(), 'mutexctl-rate-')) };

  for (const argv of [
    ['stats', '--json'],
    ['stats'],
    ['stats', '--rate', '-j'],
    ['stats', '--no-header', '--csv'],
    ['fd', '--json'],
    ['fd', '--csv', '--no-header', '--rate'],
    ['conn', '--csv'],
    ['conn', '--fd', '4294967295', '--json'],
    ['conn', '--json', '--fd', '4294967296'],
    ['conn', '--fd', '0', '--csv'],
    ['conn', '--fd', '007', '--csv'],
    ['conn', '--fd=3', '--csv'],
    ['conn', '--fd', '--csv'],
    ['conn', '--fd #'],
    ['conn', '--json', '--fd #'],
    ['stats', '--json --rate'],
  ]) {
    it(`${argv.join(' ')}: what oclif's path prints, and its exit code`, async () => {
      const fast = await runNode(['bin/run.js', ...argv], { cwd: projectRoot, env });
      const oclif = await runNode(['-e', throughOclif, ...argv], { cwd: projectRoot, env });
      assert.deepEqual(fast, oclif);
      assert.notEqual(fast.code, 0, 'no module here: the family lookup fails');
    });
  }

  // A pipe on stdin is no argument: oclif would read it into conn's or fd's id.
  for (const argv of [['conn', '--fd', '3', '--json'], ['conn', '--json'], ['fd', '--csv']]) {
    it(`${argv.join(' ')} with 42 on stdin: what oclif's path prints`, async () => {
      const fast = await runNode(['bin/run.js', ...argv], { cwd: projectRoot, env, input: '42\n' });
      const oclif = await runNode(['-e', throughOclif, ...argv], { cwd: projectRoot, env, input: '42\n' });
      assert.deepEqual(fast, oclif);
      assert.equal(fast.code, 3, 'the family lookup, not a usage error');
    });
  }

  it('takes the argv it holds, and leaves help, values, arguments and oclif debugging to oclif', () => {
    const { loadBundle } = createRequire(import.meta.url)(join(projectRoot, 'bin/load-bundle.js')) as { loadBundle: (file: string) => { fastKey: (argv: string[]) => string } };
    const { fastKey } = loadBundle(join(projectRoot, 'dist/fast.cjs'));
    assert.equal(fastKey(['stats', '--rate', '--json']), fastKey(['stats', '--json', '--rate']));
    assert.equal(fastKey(['conn', '--fd', '7', '--csv']), 'conn --csv --fd #');
    assert.equal(fastKey(['conn', '--csv', '--fd', '4294967295']), 'conn --csv --fd #');
    for (const value of ['0', '007', '+7', '4294967296', '1e3', '--csv']) assert.notEqual(fastKey(['conn', '--fd', value, '--csv']), 'conn --csv --fd #', value);
    const fastCjs = readFileSync(join(projectRoot, 'dist/fast.cjs'), 'latin1');
    for (const key of ['stats --json', 'stats --json --rate', 'fd --csv --no-header', 'conn --csv --fd #', 'conn --fd # --json']) assert.ok(fastCjs.includes(`"${key}":`), key);
    for (const key of ['stats --help', 'stats --columns', 'fd 3', 'stats --json --json', 'stats --csv --json', 'stats --fd #', 'fd --fd #', 'conn --fd # --fd #']) assert.ok(!fastCjs.includes(`"${key}":`), key);
  });
});
