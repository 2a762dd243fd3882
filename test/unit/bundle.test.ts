// The bundled CLI (dist/mutexctl.cjs) loads some modules only when first used
// (scripts/bundle.mjs): commands that need them still work without a kernel.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
