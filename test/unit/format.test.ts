import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import {
  colorEnabled,
  columnsFromAttributeSet,
  csvField,
  formatBitRate,
  formatBytes,
  formatCount,
  formatMicroseconds,
  formatTimestampNs,
  renderCsv,
  renderView,
  tableStyle,
  toJson,
  toJsonLine,
  writeOutput,
  type View,
} from '../../src/output/index.js';
import { attributeSets } from '../../src/spec/generated.js';
import { rttAverageUs, statsRow, statsView } from '../../src/views/stats.js';

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[`);

const view: View = {
  columns: [
    { key: 'id', header: 'id', kind: 'id' },
    { key: 'name', header: 'name', kind: 'text' },
    { key: 'bytes_sent', header: 'bytes sent', kind: 'bytes' },
  ],
};

describe('JSON', () => {
  it('writes 2^64-1 verbatim, never through a float', () => {
    const text = toJson({ bytes: 18446744073709551615n });
    assert.match(text, /"bytes": 18446744073709551615\n/);
  });

  it('parses back to the same value for a safe integer', () => {
    assert.deepEqual(JSON.parse(toJson({ a: 9007199254740991n, b: 3 })), { a: 9007199254740991, b: 3 });
  });

  it('pretty-prints with 2 spaces, keeps key order, ends with a newline', () => {
    assert.equal(toJson({ z: 1n, a: [true, null, 'x"y'], e: {}, l: [] }), '{\n  "z": 1,\n  "a": [\n    true,\n    null,\n    "x\\"y"\n  ],\n  "e": {},\n  "l": []\n}\n');
  });

  it('has a one-line form for NDJSON', () => {
    assert.equal(toJsonLine({ seq: 2n ** 63n, ok: false }), '{"seq":9223372036854775808,"ok":false}');
  });

  it('omits undefined members and writes bytes as hex', () => {
    assert.equal(toJsonLine({ a: undefined, b: Buffer.from([0xde, 0xad]) }), '{"b":"dead"}');
  });
});

describe('CSV (RFC 4180)', () => {
  it('quotes fields with a comma, quote, CR or LF and doubles quotes', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField('cr\r'), '"cr\r"');
    assert.equal(csvField(undefined), '');
    assert.equal(csvField(18446744073709551615n), '18446744073709551615');
  });

  it('writes the header row first, CRLF line ends, fixed column order', () => {
    const rows = [{ name: 'web, "prod"', id: 7, bytes_sent: 2n ** 64n - 1n }, { id: 8 }];
    assert.equal(
      renderCsv(view, rows),
      'id,name,bytes_sent\r\n7,"web, ""prod""",18446744073709551615\r\n8,,\r\n',
    );
    assert.equal(renderCsv(view, rows, { header: false }).split('\r\n')[0], '7,"web, ""prod""",18446744073709551615');
  });
});

describe('table', () => {
  const rows = [{ id: 1, name: 'web', bytes_sent: 1536n }];

  it('has no ANSI escapes without colour', () => {
    const text = renderView(view, rows, { format: 'table', shape: 'list', header: true, color: false });
    assert.doesNotMatch(text, ANSI);
    assert.match(text, /1\.5 KiB/);
  });

  it('colours headings only when asked, and only in boxed tables', () => {
    const text = renderView(view, rows, { format: 'table', shape: 'list', header: true, boxed: true, color: true });
    assert.match(text, ANSI);
    assert.doesNotMatch(renderView(view, rows, { format: 'table', shape: 'list', header: true, boxed: false, color: true }), ANSI);
  });

  it('boxed on a terminal (coloured unless NO_COLOR); plain and uncoloured anywhere else, whatever FORCE_COLOR says', () => {
    assert.deepEqual(tableStyle({ isTTY: true }, {}), { boxed: true, color: true });
    assert.deepEqual(tableStyle({ isTTY: true }, { NO_COLOR: '1' }), { boxed: true, color: false });
    assert.deepEqual(tableStyle({ isTTY: false }, {}), { boxed: false, color: false });
    assert.deepEqual(tableStyle({ isTTY: false }, { FORCE_COLOR: '1' }), { boxed: false, color: false });
    assert.deepEqual(tableStyle({}, {}), { boxed: false, color: false });
  });

  it('plain: a header line and aligned columns at least two spaces apart; no cell holds two spaces or is empty', () => {
    const plainView: View = {
      columns: [],
      table: [
        { header: 'NAME', align: 'left', cell: (row) => String(row.name) },
        { header: 'SENT', align: 'right', cell: (row) => String(row.sent) },
        { header: 'NOTE', align: 'left', cell: (row) => String(row.note) },
      ],
    };
    const text = renderView(
      plainView,
      [
        { name: 'a', sent: '1.5 KiB', note: 'two  spaces\tand a tab' },
        { name: 'longer name', sent: '12 B', note: '' },
      ],
      { format: 'table', shape: 'list', header: true, color: false },
    );
    assert.equal(text, 'NAME            SENT  NOTE\na            1.5 KiB  two spaces\\tand a tab\nlonger name     12 B  -\n');
  });

  it('decides colour from the TTY, NO_COLOR and FORCE_COLOR', () => {
    assert.equal(colorEnabled({ isTTY: true, env: {} }), true);
    assert.equal(colorEnabled({ isTTY: false, env: {} }), false);
    assert.equal(colorEnabled({ isTTY: true, env: { NO_COLOR: '1' } }), false);
    assert.equal(colorEnabled({ isTTY: true, env: { NO_COLOR: '' } }), true);
    assert.equal(colorEnabled({ isTTY: true, env: { FORCE_COLOR: '0' } }), false);
    assert.equal(colorEnabled({ isTTY: false, env: { FORCE_COLOR: '1' } }), true);
    assert.equal(colorEnabled({ isTTY: false, env: { FORCE_COLOR: '1', NO_COLOR: 'x' } }), false);
  });
});

describe('human units', () => {
  it('bytes, 1024-based', () => {
    assert.equal(formatBytes(0n), '0 B');
    assert.equal(formatBytes(1023), '1023 B');
    assert.equal(formatBytes(1536n), '1.5 KiB');
    assert.equal(formatBytes(1048576n), '1 MiB');
    assert.equal(formatBytes(5n * 1024n ** 3n), '5 GiB');
  });

  it('microseconds as µs / ms / s', () => {
    assert.equal(formatMicroseconds(850n), '850 µs');
    assert.equal(formatMicroseconds(1500n), '1.5 ms');
    assert.equal(formatMicroseconds(12_345), '12.35 ms');
    assert.equal(formatMicroseconds(12_500_000n), '12.5 s');
  });

  it('bytes per second as a bit rate', () => {
    assert.equal(formatBitRate(0n), '0 bit/s');
    assert.equal(formatBitRate(100n), '800 bit/s');
    assert.equal(formatBitRate(125_000n), '1 Mbit/s');
    assert.equal(formatBitRate(125_000_000n), '1 Gbit/s');
    assert.equal(formatBitRate(1_562_500n), '12.5 Mbit/s');
  });

  it('counts with thousands separators', () => {
    assert.equal(formatCount(18446744073709551615n), '18,446,744,073,709,551,615');
    // The same text as toLocaleString('en-US') (which it avoids for whole numbers), at every length and sign.
    for (let digits = 1; digits <= 20; digits++) {
      for (const value of [10n ** BigInt(digits - 1), 10n ** BigInt(digits) - 1n]) {
        for (const signed of [value, -value]) {
          assert.equal(formatCount(signed), signed.toLocaleString('en-US'));
          if (digits <= 15) assert.equal(formatCount(Number(signed)), Number(signed).toLocaleString('en-US'));
        }
      }
    }
    assert.equal(formatCount(0), '0');
    assert.equal(formatCount(1234.5), '1,234.5');
  });

  it('times as ISO plus how long ago', () => {
    const now = Date.UTC(2025, 0, 1, 12, 0, 0);
    const threeMinutesAgo = BigInt(now - 180_000) * 1_000_000n;
    assert.equal(formatTimestampNs(threeMinutesAgo, now), '2025-01-01T11:57:00Z (3 min ago)');
    assert.equal(formatTimestampNs(0n, now), '-');
  });
});

describe('stats view', () => {
  const specKeys = attributeSets.stats!.filter((a) => a.type !== 'pad').map((a) => a.key);
  const stats = Object.fromEntries(
    attributeSets.stats!.filter((a) => a.type !== 'pad').map((a, i) => [a.key, a.type === 'u32' ? i : BigInt(i) * 1000n]),
  );

  it('has every spec field in spec order, rtt_avg_us after rtt_max_us', () => {
    const keys = statsView().columns.map((c) => c.key);
    const expected = [...specKeys];
    expected.splice(expected.indexOf('rtt_max_us') + 1, 0, 'rtt_avg_us');
    assert.deepEqual(keys, expected);
  });

  it('derives the sample-weighted average, floored, 0 without samples', () => {
    assert.equal(rttAverageUs({ rtt_sum_us: 10n, rtt_samples: 3n }), 3n);
    assert.equal(rttAverageUs({ rtt_sum_us: 0n, rtt_samples: 0n }), 0n);
  });

  it('JSON carries every field with exact integers; CSV is a header row and one data row', () => {
    const row = statsRow({ ...stats, instance_id: 2n ** 64n - 1n });
    const json = renderView(statsView(), [row], { format: 'json', shape: 'record', header: true, color: false });
    assert.match(json, /"instance_id": "18446744073709551615",/, 'an identifier: a string');
    assert.match(json, /"fds_total": 2000,/, 'a counter: a number');
    const parsed = JSON.parse(json) as Record<string, unknown>;
    assert.equal(parsed.instance_id, '18446744073709551615', 'exact through JavaScript');
    assert.deepEqual(Object.keys(parsed), statsView().columns.map((c) => c.key));
    const csv = renderView(statsView(), [row], { format: 'csv', shape: 'record', header: true, color: false });
    const lines = csv.split('\r\n');
    assert.equal(lines.length, 3);
    assert.equal(lines[2], '');
    assert.equal(lines[0], statsView().columns.map((c) => c.key).join(','));
  });

  it('derives columns from the spec with units read from the names', () => {
    const kinds = Object.fromEntries(columnsFromAttributeSet('stats').map((c) => [c.key, c.kind]));
    assert.equal(kinds.bytes_sent, 'bytes');
    assert.equal(kinds.memory_bytes, 'bytes');
    assert.equal(kinds.sent_bytes_per_sec, 'bytes-per-sec');
    assert.equal(kinds.rtt_min_us, 'usec');
    assert.equal(kinds.load_time_ns, 'time-ns');
    assert.equal(kinds.instance_id, 'id');
    assert.equal(kinds.packets_sent, 'count');
  });

  it('the table lists statistic/value rows in human units', () => {
    const table = renderView(statsView(), [statsRow(stats)], { format: 'table', shape: 'record', header: true, boxed: true, color: false });
    assert.match(table, /statistic\s+│\s+value/);
    assert.match(table, /bytes sent\s+│\s+[\d.]+ KiB/);
  });
});

describe('writing output', () => {
  it('ends quietly when the reader went away (EPIPE)', async () => {
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    let writes = 0;
    const stream = new Writable({
      write(_chunk, _encoding, callback) {
        writes++;
        callback(epipe);
      },
    });
    await writeOutput('a\n', stream);
    await writeOutput('b\n', stream);
    assert.equal(writes, 1, 'nothing more is written after EPIPE');
  });

  it('passes other write errors on', async () => {
    const stream = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('disk full'), { code: 'ENOSPC' }));
      },
    });
    await assert.rejects(writeOutput('a\n', stream), /disk full/);
  });
});
