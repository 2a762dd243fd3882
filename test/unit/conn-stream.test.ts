// The streamed `conn --json/--csv` listing (rows written as the dump's
// datagrams arrive, 64-bit figures decoded as numbers where exact) against the
// collected one (the whole dump, bigints, rendered at once): the same bytes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { STREAM_HOLD_BYTES, streamList } from '../../src/app/live.js';
import { connSource } from '../../src/app/sources.js';
import { connList } from '../../src/kernel/operations.js';
import { parseAddress, renderView } from '../../src/output/index.js';
import { rttAverageUs } from '../../src/views/common.js';
import { connRow, connView } from '../../src/views/conn.js';
import { mutexKernel, type Answer } from './helpers/mutex-kernel.js';

const addr = (text: string) => Buffer.from(parseAddress(text)!);
const U64_MAX = 2n ** 64n - 1n;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** `count` flows in the kernel's bucket order (ids not sorted), with values on both sides of 2^53. */
function flows(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => {
    const v6 = i % 3 === 2;
    const big = i % 7 === 0;
    return {
      id: (BigInt(i % 13) << 16n) | BigInt(count - i),
      fd_id: 1 + (i % 4),
      family: v6 ? 10 : 2,
      protocol: [6, 17, 1, 58, 132][i % 5],
      local_addr: v6 ? addr(`2001:db8::${(i + 1).toString(16)}`) : addr(`127.0.${i >> 8 & 255}.${i & 255}`),
      local_port: 1024 + i,
      remote_addr: v6 ? addr('::ffff:10.0.0.2') : addr('10.1.2.3'),
      remote_port: 443,
      direction: i % 2,
      state: i % 5,
      start_ns: 1_764_000_000_000_000_000n + BigInt(i),
      last_ns: 1_764_000_000_500_000_000n + BigInt(i),
      bytes_sent: big ? U64_MAX - BigInt(i) : BigInt(i * 1500),
      bytes_received: big ? SAFE + BigInt(i % 3) : BigInt(i * 40),
      packets_sent: BigInt(i),
      packets_received: SAFE - 1n,
      retransmits: 0n,
      errors: BigInt(i % 2),
      drops: 0n,
      rtt_samples: BigInt(i % 4),
      rtt_sum_us: big ? 2n ** 60n + BigInt(i) : BigInt((i % 4) * 333 + (i % 3)),
      rtt_min_us: 10n,
      rtt_max_us: 900n,
      midstream: i % 2,
      resets: 0n,
      icmp_errors: BigInt(i % 3),
    };
  });
}

const view = connView();

async function collected(answer: Answer, format: 'json' | 'csv', header = true): Promise<string> {
  const { client } = await mutexKernel(() => answer);
  const rows = (await connList(client, {})).map(connRow);
  return renderView(view, rows, { format, shape: 'list', header, color: false });
}

async function streamed(answer: Answer | ((attempt: number) => Answer), format: 'json' | 'csv', options: { header?: boolean; limit?: number } = {}) {
  let attempt = 0;
  const { client, requests } = await mutexKernel(() => (typeof answer === 'function' ? answer(++attempt) : answer));
  const chunks: string[] = [];
  const each = connSource({})['each']!;
  const run = streamList(client, each, { view, header: options.header ?? true, limit: options.limit }, format, async (text) => {
    chunks.push(text);
  });
  return { run, chunks, requests };
}

describe('streamed conn listing', () => {
  for (const format of ['csv', 'json'] as const) {
    for (const [count, perDatagram] of [[0, 1], [1, 1], [3, 1], [200, 7]] as const) {
      it(`${format}, ${count} flows: the same bytes as the collected listing, in the kernel's order`, async () => {
        const answer = { items: flows(count), perDatagram };
        const { run, chunks } = await streamed(answer, format);
        await run;
        assert.equal(chunks.join(''), await collected(answer, format));
      });
    }
    it(`${format} --no-header: the same bytes as the collected listing`, async () => {
      const answer = { items: flows(20), perDatagram: 3 };
      const { run, chunks } = await streamed(answer, format, { header: false });
      await run;
      assert.equal(chunks.join(''), await collected(answer, format, false));
    });
  }

  it('--limit N: the first N in the kernel\'s order', async () => {
    const answer = { items: flows(30), perDatagram: 4 };
    const { run, chunks } = await streamed(answer, 'csv', { limit: 10 });
    await run;
    const all = (await collected(answer, 'csv')).split('\r\n');
    assert.equal(chunks.join(''), [...all.slice(0, 11), ''].join('\r\n'));
  });

  it('writes rows before the dump ends once more than the hold-back is listed', async () => {
    const many = flows(Math.ceil((STREAM_HOLD_BYTES * 2) / 300));
    const { run, chunks } = await streamed({ items: many, perDatagram: 50 }, 'csv');
    await run;
    assert.ok(chunks.length > 2, `in pieces (${chunks.length})`);
    assert.ok(chunks[0]!.length < STREAM_HOLD_BYTES * 1.1, 'the first piece is about the hold-back');
    assert.equal(chunks.join('').split('\r\n').length, many.length + 2);
  });

  it('reads a pass the kernel marks inconsistent again while nothing is written', async () => {
    const items = flows(40);
    const { run, chunks, requests } = await streamed((attempt) => (attempt === 1 ? { items, perDatagram: 5, interruptedFrom: 12 } : { items, perDatagram: 5 }), 'json');
    await run;
    assert.equal(requests.length, 2, 'dumped twice');
    assert.equal(chunks.join(''), await collected({ items }, 'json'), 'each flow once');
  });

  it('gives up after ten inconsistent passes, writing nothing', async () => {
    const { run, chunks, requests } = await streamed({ items: flows(10), interruptedFrom: 2 }, 'csv');
    await assert.rejects(run, /kept changing while it was read \(inconsistent after 10 attempts\)/);
    assert.equal(requests.length, 10);
    assert.deepEqual(chunks, []);
  });

  it('an inconsistency after rows went out: the list is finished, then it fails', async () => {
    const many = flows(Math.ceil((STREAM_HOLD_BYTES * 2) / 300));
    const { run, chunks, requests } = await streamed({ items: many, perDatagram: 50, interruptedFrom: many.length - 10 }, 'csv');
    await assert.rejects(run, /contexts were created or closed while the list was written/);
    assert.equal(requests.length, 1);
    assert.equal(chunks.join('').split('\r\n').length, many.length + 2, 'every row, once');
  });
});

describe('rtt_avg_us from numbers and bigints', () => {
  it('is the floored quotient either way', () => {
    const cases: [bigint, bigint][] = [[0n, 0n], [7n, 2n], [4000n, 3n], [2n ** 52n - 1n, 3n], [2n ** 52n + 5n, 7n], [SAFE, 1n], [U64_MAX, 5n], [999_999_999_999n, 1_000_000n]];
    for (const [sum, samples] of cases) {
      const exact = samples === 0n ? 0n : sum / samples;
      const asNumbers = sum <= SAFE ? rttAverageUs({ rtt_sum_us: Number(sum), rtt_samples: Number(samples) }) : undefined;
      assert.equal(rttAverageUs({ rtt_sum_us: sum, rtt_samples: samples }), exact);
      if (asNumbers !== undefined) assert.equal(BigInt(asNumbers), exact, `${sum} / ${samples}`);
    }
  });
});
