import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/errors.js';
import {
  columnsFromAttributeSet,
  formatDurationNs,
  formatMicroseconds,
  kindOfAttribute,
  parseSort,
  sortAndLimit,
  sortRows,
  type View,
} from '../../src/output/index.js';

const view: View = {
  columns: [
    { key: 'id', header: 'id', kind: 'id' },
    { key: 'name', header: 'name', kind: 'text' },
    { key: 'bytes', header: 'bytes', kind: 'bytes' },
    { key: 'hist', header: 'hist', kind: 'count', list: true },
  ],
};

const rows = [
  { id: 1, name: 'b', bytes: 2n ** 64n - 1n },
  { id: 2, name: 'a', bytes: 10n },
  { id: 3, name: 'c' },
  { id: 4, name: 'a', bytes: 2n ** 64n - 2n },
];
const ids = (list: readonly { id?: unknown }[]) => list.map((row) => row.id);

describe('--sort', () => {
  it('one numeric key (the fast path) orders like a comparison of the raw values, stably, both ways', () => {
    let seed = 7;
    const random = (n: number): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    // Few distinct values, so ties are common; bigints and numbers mixed.
    const many = Array.from({ length: 2000 }, (_, at) => ({ id: at % 2 ? BigInt(random(50)) : random(50), name: String(at) }));
    for (const descending of [false, true]) {
      const expected = many
        .map((row, at) => ({ row, at }))
        .sort((a, b) => (a.row.id < b.row.id ? -1 : a.row.id > b.row.id ? 1 : 0) * (descending ? -1 : 1) || a.at - b.at)
        .map(({ row }) => row.name);
      assert.deepEqual(sortRows(many, parseSort(view, descending ? '-id' : 'id')).map((row) => row.name), expected);
    }
  });

  it('ascending by default, exact for u64 values', () => {
    assert.deepEqual(ids(sortRows(rows, parseSort(view, 'bytes'))), [2, 4, 1, 3]);
  });

  it('descending with a leading -, a missing value still last', () => {
    assert.deepEqual(ids(sortRows(rows, parseSort(view, '-bytes'))), [1, 4, 2, 3]);
  });

  it('several keys; + is an explicit ascending; the sort is stable', () => {
    assert.deepEqual(ids(sortRows(rows, parseSort(view, 'name,-bytes'))), [4, 2, 1, 3]);
    assert.deepEqual(ids(sortRows(rows, parseSort(view, '+name'))), [2, 4, 1, 3]);
  });

  it('rejects unknown, empty and list columns as usage errors (exit 2)', () => {
    for (const [spec, message] of [
      ['nope', /--sort: unknown column "nope"; one of: id, name, bytes$/],
      ['hist', /unknown column "hist"/],
      ['id,', /expected KEY\[,KEY\.\.\.\]/],
      ['-', /expected KEY/],
    ] as const) {
      assert.throws(() => parseSort(view, spec), (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.equal(error.exitCode, 2);
        assert.match(error.message, message);
        return true;
      });
    }
  });
});

describe('--limit', () => {
  it('keeps the first N after sorting', () => {
    assert.deepEqual(ids(sortAndLimit(view, rows, { sort: '-bytes', limit: 2 })), [1, 4]);
    assert.deepEqual(ids(sortAndLimit(view, rows, { limit: 0 })), []);
    assert.deepEqual(ids(sortAndLimit(view, rows, { limit: 10 })), [1, 2, 3, 4]);
  });
});

describe('units and kinds read from spec names', () => {
  it('durations compact, like ps', () => {
    assert.equal(formatDurationNs(420_000_000n), '420ms');
    assert.equal(formatDurationNs(42_000_000_000n), '42s');
    assert.equal(formatDurationNs(192_000_000_000n), '3m12s');
    assert.equal(formatDurationNs(7_500_000_000_000n), '2h05m');
    assert.equal(formatDurationNs(273_600_000_000_000n), '3d04h');
  });

  it('microseconds switch to seconds at one second', () => {
    assert.equal(formatMicroseconds(999_994n), '999.99 ms');
    assert.equal(formatMicroseconds(999_999n), '1 s');
    assert.equal(formatMicroseconds(1_048_576n), '1.05 s');
  });

  it('uptime is a duration, other *-ns are times; ids and ports are plain numbers', () => {
    assert.equal(kindOfAttribute({ name: 'uptime-ns', type: 'u64' }), 'duration-ns');
    assert.equal(kindOfAttribute({ name: 'created-ns', type: 'u64' }), 'time-ns');
    assert.equal(kindOfAttribute({ name: 'start-ns', type: 'u64' }), 'time-ns');
    assert.equal(kindOfAttribute({ name: 'load-time-ns', type: 'u64' }), 'time-ns');
    for (const name of ['owner-tgid', 'owner-uid', 'local-port', 'fd-id', 'id']) {
      assert.equal(kindOfAttribute({ name, type: 'u32' }), 'id', name);
    }
    assert.equal(kindOfAttribute({ name: 'conns-per-sec', type: 'u64' }), 'count');
  });

  it('spec columns leave out lists unless asked, and take overrides', () => {
    assert.equal(columnsFromAttributeSet('fd').some((column) => column.key === 'rtt_hist'), false);
    const hist = columnsFromAttributeSet('fd', { lists: true }).find((column) => column.key === 'rtt_hist');
    assert.equal(hist?.list, true);
    assert.equal(columnsFromAttributeSet('conn').some((column) => column.key === 'local_addr'), false, 'binary needs an override');
    const addr = columnsFromAttributeSet('conn', { overrides: { local_addr: { kind: 'address' } } }).find((c) => c.key === 'local_addr');
    assert.equal(addr?.kind, 'address');
  });
});
