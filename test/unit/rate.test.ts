import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Row } from '../../src/output/index.js';
import { baselineOf, rateRows, rateView, type RateSubject } from '../../src/views/rate.js';
import { fdView } from '../../src/views/fd.js';

const SECOND = 1_000_000_000n;
const subject: RateSubject = { view: fdView(), identity: (row) => String(row.id), startNs: (row) => row.created_ns as bigint };
const fd = (id: number, createdNs: bigint, bytes: bigint, samples = 0n, sum = 0n): Row => ({
  id,
  created_ns: createdNs,
  bytes_sent: bytes,
  conns_open: 4n,
  flows_tracked: 6n,
  rtt_samples: samples,
  rtt_sum_us: sum,
  rtt_avg_us: samples ? sum / samples : 0n,
});

describe('--rate', () => {
  it('renames counters to <key>_per_sec, keeps gauges, and leads with interval_ns', () => {
    const keys = rateView(fdView()).columns.map((column) => column.key);
    assert.equal(keys[0], 'interval_ns');
    assert.ok(keys.includes('bytes_sent_per_sec') && !keys.includes('bytes_sent'));
    assert.ok(keys.includes('conns_open') && keys.includes('flows_tracked') && keys.includes('rtt_p99_us') && keys.includes('sent_bytes_per_sec'));
    assert.ok(!keys.includes('conns_open_per_sec') && !keys.includes('flows_tracked_per_sec'));
    assert.ok(keys.includes('conns_total_per_sec') && !keys.includes('conns_total'));
  });

  it('divides deltas by the time between snapshots, and averages RTT over the interval only', () => {
    const before = baselineOf(subject, [fd(1, 0n, 1000n, 10n, 10_000n)], 7n, 10n * SECOND);
    const [row] = rateRows(subject, [fd(1, 0n, 4000n, 20n, 30_000n)], 7n, 14n * SECOND, before);
    assert.equal(row!.interval_ns, 4n * SECOND);
    assert.equal(row!.bytes_sent_per_sec, 750);
    assert.equal(row!.rtt_samples_per_sec, 2.5);
    assert.equal(row!.rtt_avg_us, 2000n); // (30 000 - 10 000) / 10, not 30 000 / 20
    assert.equal(row!.conns_open, 4n);
    assert.equal(row!.flows_tracked, 6n);
  });

  it('measures a new row, and every row after a reload (other instance id), from its own start', () => {
    const before = baselineOf(subject, [fd(1, 0n, 1000n)], 7n, 10n * SECOND);
    const [fresh] = rateRows(subject, [fd(2, 12n * SECOND, 300n)], 7n, 14n * SECOND, before);
    assert.equal(fresh!.interval_ns, 2n * SECOND);
    assert.equal(fresh!.bytes_sent_per_sec, 150);
    const [reloaded] = rateRows(subject, [fd(1, 13n * SECOND, 500n)], 8n, 14n * SECOND, before);
    assert.equal(reloaded!.interval_ns, SECOND);
    assert.equal(reloaded!.bytes_sent_per_sec, 500);
  });
});
