// Identifiers survive jq 1.6 and JavaScript (issue 15): the real CLI converts a
// stored snapshot whose ids are above 2^53 (a module's random instance_id, a
// flow id, an alert sequence number) and this machine's jq reads it back.
// jq 1.6 and JSON.parse read every JSON number as a double, so the ids are
// decimal strings; counters stay numbers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeSnapshot } from '../../src/export/binary.js';

const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(projectRoot, 'bin/run.js');

const INSTANCE = 2n ** 64n - 1n;
const FLOW = 2n ** 53n + 1n; // the first integer a double cannot hold
const SEQ = 2n ** 60n + 3n;
const FD = 4_294_967_295;
const BIG_COUNTER = 2n ** 40n + 7n; // a counter: a number, exact in a double

let dir: string;
let snapshot: string;

function mutexctl(args: string[]): string {
  const run = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

const jq = (filter: string, input: string): string => execFileSync('jq', ['-r', filter], { input, encoding: 'utf8' }).trim();

describe('identifiers in JSON: exact through jq 1.6 and JavaScript', { timeout: 60_000 }, () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mutexctl-ids-'));
    snapshot = join(dir, 'snap.bin');
    writeFileSync(
      snapshot,
      encodeSnapshot({
        takenNs: 1_764_460_800_000_000_000n,
        scopes: ['global', 'fd', 'conn', 'alerts'],
        stats: { instance_id: INSTANCE, bytes_sent: BIG_COUNTER },
        fds: [{ id: FD, name: 'web', bytes_sent: BIG_COUNTER }],
        conns: [{ id: FLOW, fd_id: FD, family: 2, protocol: 6, local_addr: Uint8Array.from([127, 0, 0, 1]), local_port: 443, bytes_sent: BIG_COUNTER }],
        alerts: [{ seq: SEQ, fd_id: FD, type: 0, state: 0, value: 600_000n, threshold: 500_000n, message: 'slow' }],
      }),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('this jq is 1.6, which reads numbers as doubles (so the test means something)', () => {
    assert.match(execFileSync('jq', ['--version'], { encoding: 'utf8' }), /^jq-1\.6/);
    assert.equal(jq('.', String(FLOW)), String(FLOW - 1n), 'jq 1.6 loses 2^53+1 as a number');
  });

  it('export --format json: every id exact in jq and JSON.parse; counters numbers', () => {
    const json = mutexctl(['export', '--from', snapshot, '--sections', 'global,fd,conn,alerts', '--format', 'json']);
    assert.equal(jq('.stats.instance_id', json), String(INSTANCE));
    assert.equal(jq('.fds[0].id', json), String(FD));
    assert.equal(jq('.conns[0].id', json), String(FLOW));
    assert.equal(jq('.conns[0].fd_id', json), String(FD));
    assert.equal(jq('.alerts[0].seq', json), String(SEQ));
    assert.equal(jq('[.stats.instance_id, .conns[0].id, .alerts[0].seq] | map(type) | unique | .[]', json), 'string');
    assert.equal(jq('[.stats.bytes_sent, .fds[0].bytes_sent, .conns[0].bytes_sent, .conns[0].local_port] | map(type) | unique | .[]', json), 'number');
    assert.equal(jq('.stats.bytes_sent', json), String(BIG_COUNTER));
    const parsed = JSON.parse(json) as { stats: Record<string, unknown>; conns: Record<string, unknown>[]; alerts: Record<string, unknown>[] };
    assert.equal(parsed.stats.instance_id, String(INSTANCE));
    assert.equal(parsed.conns[0]!.id, String(FLOW));
    assert.equal(parsed.alerts[0]!.seq, String(SEQ));
    assert.equal(BigInt(parsed.conns[0]!.id as string), FLOW, 'BigInt() of the string is the id');
  });

  it('export --aggregate: fd_ids as strings', () => {
    const json = mutexctl(['export', '--from', snapshot, '--sections', 'fd', '--aggregate', '--json']);
    assert.equal(jq('.aggregate.fd_ids | map(type) | .[]', json), 'string');
    assert.equal(jq('.aggregate.fd_ids[0]', json), String(FD));
  });

  it('CSV carries the same digits, unquoted', () => {
    const csv = mutexctl(['export', '--from', snapshot, '--sections', 'conn', '--format', 'csv', '--columns', 'id,fd_id,bytes_sent']);
    assert.equal(csv, `taken_ns,id,fd_id,bytes_sent\r\n1764460800000000000,${FLOW},${FD},${BIG_COUNTER}\r\n`);
  });
});
