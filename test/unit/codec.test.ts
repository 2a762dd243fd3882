import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AttrCodec, CodecError, decodeAttrs, encodeAttrs, parseAttributes, type AttrTables } from '../../src/netlink/codec.js';
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER } from '../../src/netlink/constants.js';

const U64_MAX = 2n ** 64n - 1n;

const tables: AttrTables = {
  sample: [
    { name: 'pad', key: 'pad', value: 1, type: 'pad' },
    { name: 'small', key: 'small', value: 2, type: 'u8' },
    { name: 'port', key: 'port', value: 3, type: 'u16' },
    { name: 'count', key: 'count', value: 4, type: 'u32' },
    { name: 'total', key: 'total', value: 5, type: 'u64' },
    { name: 'delta', key: 'delta', value: 6, type: 's32' },
    { name: 'label', key: 'label', value: 7, type: 'string' },
    { name: 'enabled', key: 'enabled', value: 8, type: 'flag' },
    { name: 'blob', key: 'blob', value: 9, type: 'binary' },
    { name: 'limits', key: 'limits', value: 10, type: 'nest', nested: 'limit' },
    { name: 'peer', key: 'peer', value: 11, type: 'u32', multi: true },
    { name: 'state', key: 'state', value: 12, type: 'u32', enumName: 'flow-state' },
    { name: 'offset', key: 'offset', value: 13, type: 's64' },
  ],
  limit: [
    { name: 'latency-us', key: 'latency_us', value: 1, type: 'u64' },
    { name: 'disabled', key: 'disabled', value: 2, type: 'flag' },
  ],
};
const codec = new AttrCodec(tables, { 'flow-state': [{ name: 'new', value: 0 }, { name: 'established', value: 1 }] });

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

const golden: [string, Record<string, unknown>, string][] = [
  ['u8', { small: 0x7f }, '0500 0200 7f000000'],
  ['u16', { port: 443 }, '0600 0300 bb010000'],
  ['u32', { count: 0xdeadbeef }, '0800 0400 efbeadde'],
  ['u64 2^64-1', { total: U64_MAX }, '0c00 0500 ffffffffffffffff'],
  ['u64 from a safe number', { total: 5 }, '0c00 0500 0500000000000000'],
  ['s32 negative', { delta: -2 }, '0800 0600 feffffff'],
  ['s64 negative', { offset: -1n }, '0c00 0d00 ffffffffffffffff'],
  ['string, NUL-terminated', { label: 'web' }, '0800 0700 77656200'],
  ['flag', { enabled: true }, '0400 0800'],
  ['flag false is left out', { enabled: false }, ''],
  ['binary, padded', { blob: Buffer.from([1, 2, 3]) }, '0700 0900 01020300'],
  ['nest with NLA_F_NESTED', { limits: { latency_us: 500_000n } }, '1000 0a80 0c00 0100 20a1070000000000'],
  ['multi-attr', { peer: [1, 2] }, '0800 0b00 01000000 0800 0b00 02000000'],
  ['enum by name', { state: 'established' }, '0800 0c00 01000000'],
];

describe('encode: golden bytes per attribute type', () => {
  for (const [what, values, bytes] of golden) {
    it(what, () => assert.deepEqual(codec.encode('sample', values), hex(bytes)));
  }
});

describe('decode: the same bytes back', () => {
  for (const [what, values, bytes] of golden) {
    if (what.includes('false') || what.includes('enum by name') || what.includes('safe number')) continue;
    it(what, () => {
      const expected: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(values)) {
        expected[key] = typeof value === 'number' && ['total', 'offset'].includes(key) ? BigInt(value) : value;
      }
      assert.deepEqual(codec.decode('sample', hex(bytes)), expected);
    });
  }

  it('reads every unsigned width exactly at its edges (the inline path), and rejects a wrong size', () => {
    const edges: [string, (number | bigint)[]][] = [
      ['small', [0, 1, 0x7f, 0x80, 0xff]],
      ['port', [0, 0xff, 0x100, 0x7fff, 0x8000, 0xffff]],
      ['count', [0, 0xffff, 0x1_0000, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff]],
      ['total', [0n, 0xffff_ffffn, 0x1_0000_0000n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, U64_MAX]],
    ];
    for (const [key, values] of edges) {
      for (const value of values) assert.deepEqual(codec.decode('sample', codec.encode('sample', { [key]: value })), { [key]: value }, `${key} ${value}`);
    }
    assert.throws(() => codec.decode('sample', hex('0800 0500 01000000')), /u64 needs 8 bytes, got 4/);
  });

  it('keeps 2^64-1 exact', () => {
    const decoded = codec.decode('sample', hex('0c00 0500 ffffffffffffffff'));
    assert.equal(decoded.total, 18446744073709551615n);
  });

  it('returns keys in spec order whatever the wire order', () => {
    const bytes = Buffer.concat([codec.encode('sample', { label: 'x' }), codec.encode('sample', { small: 1 })]);
    assert.deepEqual(Object.keys(codec.decode('sample', bytes)), ['small', 'label']);
  });

  it('reads a nest whether or not NLA_F_NESTED is set', () => {
    const withoutFlag = hex('1000 0a00 0c00 0100 20a1070000000000');
    assert.deepEqual(codec.decode('sample', withoutFlag), { limits: { latency_us: 500_000n } });
  });

  it('reads NLA_F_NET_BYTEORDER integers as big-endian', () => {
    const type = (4 | NLA_F_NET_BYTEORDER).toString(16).padStart(4, '0');
    const bytes = Buffer.concat([hex('0800'), Buffer.from(type, 'hex').reverse(), hex('00000102')]);
    assert.deepEqual(codec.decode('sample', bytes), { count: 0x102 });
  });

  it('strips the NUL of strings', () => {
    assert.deepEqual(codec.decode('sample', hex('0800 0700 61620000')), { label: 'ab' });
  });

  it('skips unknown attributes and pad', () => {
    const bytes = Buffer.concat([
      hex('0800 6300 01020304'), // type 99: from a newer module
      hex('0c00 0100 0000000000000000'), // pad
      hex('0800 0400 07000000'),
    ]);
    assert.deepEqual(codec.decode('sample', bytes), { count: 7 });
  });

  it('tolerates a missing final padding', () => {
    assert.deepEqual(codec.decode('sample', hex('0500 0200 09')), { small: 9 });
  });
});

describe('decode: malformed input', () => {
  it('rejects an attribute longer than the buffer', () => {
    assert.throws(() => codec.decode('sample', hex('0c00 0500 ffffffff')), CodecError);
  });

  it('rejects a length below the header size', () => {
    assert.throws(() => codec.decode('sample', hex('0200 0500')), /truncated/);
  });

  it('rejects stray bytes after the last attribute', () => {
    assert.throws(() => codec.decode('sample', hex('0800 0400 07000000 0800')), /truncated/);
  });

  it('rejects a wrong-length scalar, naming the attribute', () => {
    assert.throws(
      () => codec.decode('sample', hex('0c00 0400 0700000000000000')),
      (error: unknown) => error instanceof CodecError && /count/.test(error.message) && /4 bytes, got 8/.test(error.message),
    );
  });
});

describe('encode: values that do not fit', () => {
  it('rejects out-of-range integers', () => {
    assert.throws(() => codec.encode('sample', { small: 256 }), /does not fit in u8/);
    assert.throws(() => codec.encode('sample', { total: -1n }), /does not fit in u64/);
    assert.throws(() => codec.encode('sample', { total: U64_MAX + 1n }), /does not fit/);
  });

  it('rejects unsafe numbers (use bigint)', () => {
    assert.throws(() => codec.encode('sample', { total: 2 ** 60 }), CodecError);
  });

  it('rejects unknown keys and wrong types', () => {
    assert.throws(() => codec.encode('sample', { nope: 1 }), /no attribute "nope"/);
    assert.throws(() => codec.encode('sample', { label: 5 }), /expected a string/);
    assert.throws(() => codec.encode('sample', { peer: 5 }), /expected a list/);
    assert.throws(() => codec.encode('sample', { state: 'gone' }), /flow-state/);
  });

  it('leaves undefined values out', () => {
    assert.deepEqual(codec.encode('sample', { small: undefined, count: 1 }), hex('0800 0400 01000000'));
  });
});

describe('attributeAt: naming the attribute an extack offset points at', () => {
  const bytes = codec.encode('sample', { count: 1, limits: { disabled: true, latency_us: 3n } });
  it('names a top-level attribute by its header offset', () => {
    assert.equal(codec.attributeAt('sample', bytes, 0), 'count');
  });
  it('names an attribute inside a nest as outer.inner', () => {
    // count (8) | limits header (4) | disabled (4) | latency-us
    assert.equal(codec.attributeAt('sample', bytes, 8 + 4 + 4), 'limits.latency-us');
    assert.equal(codec.attributeAt('sample', bytes, 8), 'limits');
  });
  it('gives nothing past the end', () => {
    assert.equal(codec.attributeAt('sample', bytes, 999), undefined);
  });
});

describe('raw attribute parsing', () => {
  it('reports the nested flag and masks it from the type', () => {
    const [attribute] = parseAttributes(hex('0400 0a80'));
    assert.equal(attribute?.type, 10);
    assert.equal(attribute?.nested, true);
    assert.equal(NLA_F_NESTED, 0x8000);
  });
});

describe('generated tables (kernel/mutex.yaml)', () => {
  it('round-trips the stats set with exact u64', () => {
    const stats = { instance_id: U64_MAX, fds_active: 3, bytes_sent: 2n ** 53n + 1n, flow_limit: 4_000_000 };
    const bytes = encodeAttrs('stats', stats);
    assert.deepEqual(decodeAttrs('stats', bytes), stats);
  });
});
