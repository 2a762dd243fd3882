// Issue 2: the walking skeleton in a real kernel.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import {
  NetlinkConnection,
  buildGenlMessage,
  encodeAttribute,
  lookupFamily,
  parseErrorMessage,
  MutexClient,
} from '../../src/netlink/index.js';
import { MutexctlError } from '../../src/errors.js';
import { attributeSets, operations } from '../../src/spec/generated.js';
import { globalStats, mutexctl, sh } from './lib.js';

const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_DUMP = 0x300;
const NLMSG_ERROR = 2;

const statsKeys = attributeSets['stats']!.filter((a) => a.type !== 'pad').map((a) => a.key);

describe('stats', () => {
  it('mutexctl stats --json carries every field of the spec', () => {
    const run = mutexctl(['stats', '--json']);
    assert.equal(run.status, 0, run.stderr);
    const stats = JSON.parse(run.stdout) as Record<string, unknown>;
    // Identifiers are decimal strings (exact above 2^53 in jq and JavaScript); every other figure a number.
    for (const key of statsKeys) {
      if (key === 'instance_id') assert.match(String(stats[key]), /^\d+$/, 'instance_id: digits');
      assert.equal(typeof stats[key], key === 'instance_id' ? 'string' : 'number', `field ${key}`);
    }
    assert.ok(Number(stats['flow_buckets']) >= 1024);
    assert.ok(Number(stats['flow_limit']) > 0);
    assert.ok(Number(stats['load_time_ns']) > 1.6e18, 'load time is wall-clock ns');
  });

  it('--csv has a header row naming every field and one data row', () => {
    const run = mutexctl(['stats', '--csv']);
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trimEnd().split(/\r\n/);
    assert.equal(lines.length, 2);
    const header = lines[0]!.split(',');
    for (const key of statsKeys) assert.ok(header.includes(key), key);
    assert.equal(lines[1]!.split(',').length, header.length);
  });

  it('/proc/mutex/stats agrees with netlink', async () => {
    const viaNetlink = await globalStats();
    const proc = new Map(
      readFileSync('/proc/mutex/stats', 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split(' ') as [string, string]),
    );
    assert.deepEqual([...proc.keys()].sort(), statsKeys.map((k) => k.replace(/_/g, '-')).sort());
    for (const key of statsKeys) {
      const value = (viaNetlink as Record<string, unknown>)[key];
      assert.equal(proc.get(key.replace(/_/g, '-')), String(value), key);
    }
  });

  it('the table is plain text without a TTY', () => {
    const run = mutexctl(['stats']);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(!run.stdout.includes("\u001b["), "no ANSI escapes");
    assert.match(run.stdout, /instance/i);
  });
});

describe('malformed requests get errors, not crashes', () => {
  async function raw(cmd: number, flags: number, attrs: Buffer): Promise<{ error: number; message?: string }> {
    const conn = await NetlinkConnection.open();
    try {
      const family = await lookupFamily(conn, 'mutex');
      const seq = conn.allocateSequence();
      const req = buildGenlMessage({ type: family.id, flags: NLM_F_REQUEST | NLM_F_ACK | flags, seq, cmd, version: 1 }, attrs);
      const replies = await conn.transact(req, seq, { dump: flags === NLM_F_DUMP, what: 'raw request' });
      const last = replies.at(-1)!;
      if (last.header.type === NLMSG_ERROR) {
        const status = parseErrorMessage(last);
        return { error: status.error, message: status.extack.message };
      }
      return { error: 0 };
    } finally {
      conn.close();
    }
  }
  const fdGet = operations['fd-get']!.value;
  const connGet = operations['conn-get']!.value;
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    return b;
  };

  it('a u32 attribute of the wrong size is refused with the policy message', async () => {
    const res = await raw(fdGet, 0, encodeAttribute(2, Buffer.from([1, 0])));
    assert.equal(res.error, -22);
    assert.ok(res.message, 'extack message present');
  });

  it('an unknown attribute is refused by the strict policy', async () => {
    const res = await raw(fdGet, 0, Buffer.concat([encodeAttribute(2, u32(1)), encodeAttribute(77, u32(1))]));
    assert.equal(res.error, -22);
  });

  it('a missing required attribute is refused', async () => {
    const res = await raw(fdGet, 0, Buffer.alloc(0));
    assert.equal(res.error, -22);
  });

  it('an out-of-range filter in a dump is refused', async () => {
    const stateAttr = attributeSets['conn']!.find((a) => a.name === 'state')!.value;
    const res = await raw(connGet, NLM_F_DUMP, encodeAttribute(stateAttr, Buffer.from([9])));
    assert.equal(res.error, -34, 'ERANGE from NLA_POLICY_MAX');
    assert.ok(res.message, 'extack message present');
  });

  it('a truncated attribute is refused', async () => {
    const bad = Buffer.from([0x08, 0x00, 0x02, 0x00, 0x01, 0x00]); // nla_len 8, only 6 bytes
    const res = await raw(fdGet, 0, bad);
    assert.equal(res.error, -22);
  });

  it('an unknown command is refused', async () => {
    const res = await raw(200, 0, Buffer.alloc(0));
    assert.ok(res.error < 0);
  });

  it('a context id that does not exist gives the kernel message and exit 1', () => {
    const run = mutexctl(['fd', '4000000000']);
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /no context with (this )?id/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  });

  it('the module still answers afterwards', async () => {
    const stats = await globalStats();
    assert.ok(stats.instance_id !== undefined);
  });
});

describe('unload and reload', () => {
  it('a client holding a socket across rmmod gets a clean error; reload works', async () => {
    const before = await globalStats();
    const client = await MutexClient.open();
    try {
      sh('rmmod mutex');
      await assert.rejects(client.doRequest<'stats'>('stats-get'), (err: unknown) => {
        assert.ok(err instanceof MutexctlError, `a MutexctlError, got ${String(err)}`);
        return true;
      });
    } finally {
      client.close();
    }
    const absent = mutexctl(['stats', '--json']);
    assert.equal(absent.status, 3);
    assert.match(absent.stderr, /not loaded/);
    sh(`insmod ${process.env['MUTEX_KO'] ?? '/run/mutex-vm/mutex.ko'}`);
    const after = await globalStats();
    assert.notEqual(after.instance_id, before.instance_id, 'a new instance id after reload');
  });
});
