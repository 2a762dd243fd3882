import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareAddresses, formatAddress, formatEndpoint, parseAddress } from '../../src/output/index.js';

const v6 = (hex: string) => Buffer.from(hex.replace(/[: ]/g, ''), 'hex');

describe('formatAddress', () => {
  it('agrees with the WHATWG URL serializer on random IPv6 addresses rich in zero groups', () => {
    let seed = 12345;
    const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let n = 0; n < 20000; n++) {
      const bytes = new Uint8Array(16);
      // Each group zero with probability 1/2, so runs of every length and position occur.
      for (let g = 0; g < 8; g++) {
        if (random() & 1) continue;
        bytes[2 * g] = random() & 0xff;
        bytes[2 * g + 1] = random() & 0xff;
      }
      if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) continue; // mapped: RFC 5952 keeps the dotted quad, WHATWG does not
      const hex = Buffer.from(bytes).toString('hex').replace(/(.{4})(?!$)/g, '$1:');
      assert.equal(formatAddress(bytes), new URL(`http://[${hex}]/`).hostname.slice(1, -1), hex);
    }
  });

  it('IPv4 as a dotted quad', () => {
    assert.equal(formatAddress(Buffer.from([10, 0, 0, 1])), '10.0.0.1');
    assert.equal(formatAddress(Buffer.from([255, 255, 255, 255])), '255.255.255.255');
    assert.equal(formatAddress(Buffer.from([0, 0, 0, 0])), '0.0.0.0');
  });

  it('IPv6 in RFC 5952 form', () => {
    // Lowercase, leading zeros dropped, the longest zero run compressed.
    assert.equal(formatAddress(v6('2001 0db8 0000 0000 0000 0000 0000 0001')), '2001:db8::1');
    assert.equal(formatAddress(v6('2001 0DB8 0000 0000 0001 0000 0000 0001')), '2001:db8::1:0:0:1');
    // Of two equally long runs, the first.
    assert.equal(formatAddress(v6('2001 0db8 0000 0000 0001 0000 0000 0001')), '2001:db8::1:0:0:1');
    // A single zero group is not compressed.
    assert.equal(formatAddress(v6('2001 0db8 0000 0001 0001 0001 0001 0001')), '2001:db8:0:1:1:1:1:1');
    // The longer run wins over the earlier one.
    assert.equal(formatAddress(v6('2001 0000 0000 0001 0000 0000 0000 0001')), '2001:0:0:1::1');
    assert.equal(formatAddress(v6('0000 0000 0000 0000 0000 0000 0000 0000')), '::');
    assert.equal(formatAddress(v6('0000 0000 0000 0000 0000 0000 0000 0001')), '::1');
    assert.equal(formatAddress(v6('fe80 0000 0000 0000 0000 0000 0000 0000')), 'fe80::');
    assert.equal(formatAddress(v6('ffff ffff ffff ffff ffff ffff ffff ffff')), 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
  });

  it('IPv4-mapped IPv6 keeps the dotted quad', () => {
    assert.equal(formatAddress(v6('0000 0000 0000 0000 0000 ffff 0a00 0001')), '::ffff:10.0.0.1');
    assert.equal(formatAddress(v6('0000 0000 0000 0000 0000 ffff 7f00 0001')), '::ffff:127.0.0.1');
    // Not mapped (the ffff is elsewhere): plain hex.
    assert.equal(formatAddress(v6('0000 0000 0000 0000 ffff 0000 0a00 0001')), '::ffff:0:a00:1');
  });

  it('any other length as hex', () => {
    assert.equal(formatAddress(Buffer.from([1, 2, 3])), '010203');
  });
});

describe('parseAddress', () => {
  it('round-trips with formatAddress', () => {
    for (const text of ['10.0.0.1', '2001:db8::1', '::', '::1', 'fe80::', '::ffff:10.0.0.1', '2001:db8:0:1:1:1:1:1', '1::']) {
      assert.equal(formatAddress(parseAddress(text)!), text);
    }
  });

  it('accepts uncompressed and uppercase IPv6', () => {
    assert.equal(formatAddress(parseAddress('2001:0DB8:0000:0000:0000:0000:0000:0001')!), '2001:db8::1');
  });

  it('rejects what is no address', () => {
    for (const text of ['', '10.0.0', '10.0.0.256', '010.0.0.1', '1.2.3.4.5', '1::2::3', '12345::', 'g::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', 'fe80::1%eth0', ' 10.0.0.1']) {
      assert.equal(parseAddress(text), undefined, text);
    }
  });
});

describe('endpoints and ordering', () => {
  it('brackets IPv6 before a port; no port for ICMP', () => {
    assert.equal(formatEndpoint('10.0.0.1', 443), '10.0.0.1:443');
    assert.equal(formatEndpoint('2001:db8::1', 443), '[2001:db8::1]:443');
    assert.equal(formatEndpoint('2001:db8::1', undefined), '2001:db8::1');
  });

  it('orders by value, IPv4 first, non-addresses last', () => {
    const sorted = ['2001:db8::1', '10.0.0.10', 'x', '10.0.0.9', '::1'].sort(compareAddresses);
    assert.deepEqual(sorted, ['10.0.0.9', '10.0.0.10', '::1', '2001:db8::1', 'x']);
  });
});
