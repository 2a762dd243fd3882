// Threshold values as people write them, parsed exactly into the kernel's base
// units, and everything else refused (exit 2) before anything is sent.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { usageError } from './helpers/usage-error.js';
import { FIELDS, fieldByName, parseAlertType, parseAlertTypeMask, parseFieldValue, type FieldName } from '../../src/thresholds/fields.js';
import {
  describeSettings,
  parseAssignments,
  parseSettings,
  requestAttrs,
  resolveDisabled,
} from '../../src/thresholds/settings.js';
import { exactDecimal, formatBps, formatDurationUs, formatPpm } from '../../src/output/units.js';
import { parseSince } from '../../src/cli/parse.js';

const parseValue = (name: FieldName, text: string) => parseFieldValue(fieldByName(name), text, name);


describe('threshold values: accepted', () => {
  const cases: [FieldName, string, bigint][] = [
    ['latency', '200ms', 200_000n],
    ['latency', '1.5s', 1_500_000n],
    ['latency', '750us', 750n],
    ['latency', '750µs', 750n],
    ['latency', '200 ms', 200_000n],
    ['latency', '0.5ms', 500n],
    ['latency', '1h', 3_600_000_000n],
    ['latency', '2min', 120_000_000n],
    ['latency', '1e3ms', 1_000_000n],
    ['error-rate', '2.5%', 25_000n],
    ['error-rate', '25000ppm', 25_000n],
    ['error-rate', '100%', 1_000_000n],
    ['error-rate', '0.0001%', 1n],
    ['drop-rate', '5%', 50_000n],
    ['bandwidth', '500Mbit', 500_000_000n],
    ['bandwidth', '500Mbit/s', 500_000_000n],
    ['bandwidth', '1Gbit', 1_000_000_000n],
    ['bandwidth', '800kbit', 800_000n],
    ['bandwidth', '1e9bit/s', 1_000_000_000n],
    ['bandwidth', '1.5Gbit/s', 1_500_000_000n],
    ['bandwidth', '10Tbit/s', 10_000_000_000_000n],
    // As tc(8) reads rates, in any case: ...bit is bits/s, ...bps BYTES/s, ki/mi/gi/ti powers of 1024.
    ['bandwidth', '10mbit', 10_000_000n],
    ['bandwidth', '10MBIT', 10_000_000n],
    ['bandwidth', '10mbps', 80_000_000n],
    ['bandwidth', '10Mbps', 80_000_000n],
    ['bandwidth', '100bps', 800n],
    ['bandwidth', '1kbps', 8000n],
    ['bandwidth', '1gbps', 8_000_000_000n],
    ['bandwidth', '1kibit', 1024n],
    ['bandwidth', '1mibit', 1_048_576n],
    ['bandwidth', '1KiBps', 8192n],
    ['bandwidth', '1mibps', 8n * 1_048_576n],
    ['bandwidth', '100MByte/s', 800_000_000n],
    ['bandwidth', '1KiByte/s', 8192n],
    ['bandwidth', '2bytes/s', 16n],
    ['conn-rate', '1000/s', 1000n],
    ['conn-rate', '1000', 1000n],
    ['conn-rate', '10k/s', 10_000n],
    ['interval', '500ms', 500n],
    ['interval', '2s', 2000n],
    ['interval', '1min', 60_000n],
  ];
  for (const [name, text, expected] of cases) {
    it(`${name}=${text} → ${expected}`, () => assert.equal(parseValue(name, text), expected));
  }
});

describe('threshold values: refused with one line naming the key', () => {
  const cases: [FieldName, string, RegExp][] = [
    ['latency', '-5ms', /^latency: "-5ms" is negative/],
    ['latency', '0ms', /^latency: "0ms" is zero; it must be at least 1 µs/],
    ['latency', '200', /^latency: "200" needs a unit; write e\.g\. 200ms, 1\.5s or 750us/],
    ['latency', '200mss', /^latency: unknown unit "mss" in "200mss"; use us, ms, s, min or h/],
    ['latency', '2h', /^latency: "2h" is above the maximum of 1 h/],
    ['latency', '1.5us', /^latency: "1\.5us" is not a whole number of microseconds/],
    ['latency', 'fast', /^latency: "fast" is not a duration/],
    ['latency', '', /^latency: no value/],
    ['latency', '1e999999s', /^latency: "1e999999s" is above the maximum/],
    ['error-rate', '5', /^error-rate: "5" needs a unit; write e\.g\. 2\.5% or 25000ppm/],
    ['error-rate', '101%', /^error-rate: "101%" is above the maximum of 100 %/],
    ['error-rate', '0%', /is zero/],
    ['error-rate', '0.00001%', /not a whole number of ppm/],
    ['bandwidth', '500M', /^bandwidth: unknown unit "M" in "500M"/],
    ['bandwidth', '100MB/s', /^bandwidth: "100MB\/s" is ambiguous, bits or bytes\? write 100mbit for megabits per second, or 100mbps for megabytes per second/],
    ['bandwidth', '100Mb', /^bandwidth: "100Mb" is ambiguous, bits or bytes\? write 100mbit for megabits/],
    ['bandwidth', '1KiB/s', /^bandwidth: "1KiB\/s" is ambiguous, bits or bytes\? write 1kibit for kibibits per second, or 1kibps for kibibytes/],
    ['bandwidth', '8b', /^bandwidth: "8b" is ambiguous/],
    ['bandwidth', '1mbits/h', /unknown unit "mbits\/h"/],
    ['bandwidth', '500', /needs a unit/],
    ['bandwidth', '11Tbit/s', /above the maximum of 10 Tbit\/s/],
    ['bandwidth', '0.1bit/s', /not a whole number of bits per second/],
    ['conn-rate', '100000001', /above the maximum of 100000000\/s/],
    ['conn-rate', '1000/min', /unknown unit/],
    ['conn-rate', '-3', /negative/],
    ['interval', '50ms', /^interval: "50ms" is below the minimum of 100 ms/],
    ['interval', '61s', /above the maximum of 1 min/],
    ['interval', '500', /needs a unit/],
    ['interval', '100.5ms', /not a whole number of milliseconds/],
  ];
  for (const [name, text, pattern] of cases) {
    it(`${name}=${JSON.stringify(text)}`, () => assert.throws(() => parseValue(name, text), usageError(pattern)));
  }
});

describe('KEY=VALUE settings', () => {
  const settingsOf = (args: string[], context = false) => parseSettings(parseAssignments(args), { context });

  it('parses every key into one request, with the attribute types of the spec', () => {
    const settings = settingsOf(['latency=200ms', 'error-rate=2.5%', 'bandwidth=500Mbit/s', 'conn_rate=1000', 'drop-rate=25000ppm', 'interval=2s']);
    assert.deepEqual(requestAttrs(undefined, settings.values, undefined), {
      latency_us: 200_000n,
      error_rate_ppm: 25_000,
      bandwidth_bps: 500_000_000n,
      conn_rate: 1000,
      drop_rate_ppm: 25_000,
      interval_ms: 2000,
    });
  });

  it('echoes the normalised values', () => {
    const settings = settingsOf(['latency=1.5s', 'error-rate=25000ppm', 'bandwidth=100mbps', 'conn-rate=10k/s', 'drop-rate=5%', 'interval=500ms']);
    assert.deepEqual(describeSettings(settings.values, 0b10001), [
      'latency 1.5 s (1500000 us)',
      'error-rate 2.5 % (25000 ppm)',
      'bandwidth 800 Mbit/s (800000000 bit/s)',
      'conn-rate 10000/s (10000 conn/s)',
      'drop-rate 5 % (50000 ppm)',
      'interval 500 ms (500 ms)',
      'disabled high_latency, packet_drop',
    ]);
    assert.deepEqual(describeSettings({ latency: 200_000n }, 0), ['latency 200 ms (200000 us)', 'disabled none']);
  });

  it('takes raw integers under the keys with a unit', () => {
    const settings = settingsOf(['latency_us=200000', 'bandwidth_bps=1000000000', 'interval_ms=500']);
    assert.deepEqual(settings.values, { latency: 200_000n, bandwidth: 1_000_000_000n, interval: 500n });
    assert.throws(() => settingsOf(['latency_us=200ms']), usageError(/^latency_us: expected an integer number of us, got "200ms"/));
    assert.throws(() => settingsOf(['latency_us=0']), usageError(/^latency_us: must be at least 1 us, got 0/));
    assert.throws(() => settingsOf(['latency_us=-1']), usageError(/^latency_us: -1 is negative/));
    assert.throws(() => settingsOf(['latency_us=3600000001']), usageError(/^latency_us: 3600000001 is above the maximum of 3600000000 \(1 h\)/));
  });

  it('refuses unknown keys, duplicates, bare words, and the interval per context', () => {
    assert.throws(() => settingsOf(['latncy=200ms']), usageError(/^latncy: unknown threshold "latncy"; one of: latency, error-rate/));
    assert.throws(() => settingsOf(['latency']), usageError(/^expected KEY=VALUE, got "latency"/));
    assert.throws(() => settingsOf(['=5']), usageError(/^expected KEY=VALUE/));
    assert.throws(() => settingsOf(['latency=1ms', 'latency_us=5']), usageError(/^latency_us: latency is already given \(latency\)/));
    assert.throws(() => settingsOf(['interval=2s'], true), usageError(/^interval: the interval is global only/));
  });

  it('disable= and enable= change the mask in force; disabled= replaces it', () => {
    const relative = settingsOf(['disable=latency,packet_drop', 'enable=bandwidth-spike']);
    assert.equal(relative.disable, 0b10001);
    assert.equal(relative.enable, 0b00100);
    assert.equal(resolveDisabled(relative, 0b00110), 0b10011);
    assert.equal(resolveDisabled(settingsOf(['disabled=none']), 0b11111), 0);
    assert.equal(resolveDisabled(settingsOf(['disabled=high-error-rate']), 0b11111), 0b00010);
    assert.equal(resolveDisabled(settingsOf(['disable=all']), 0), 0b11111);
    assert.equal(resolveDisabled(settingsOf(['latency=1ms']), 3), undefined);
    assert.throws(() => settingsOf(['disabled=none', 'enable=latency']), usageError(/disabled= sets the whole list/));
    assert.throws(() => settingsOf(['disable=latency', 'enable=high_latency']), usageError(/high_latency both disabled and enabled/));
    assert.throws(() => settingsOf(['disable=slow']), usageError(/^disable: unknown alert type "slow"; one of: high_latency, high_error_rate/));
    assert.throws(() => settingsOf(['disable=latency,']), usageError(/empty alert type/));
  });
});

describe('alert types by name', () => {
  it('kebab, snake and the threshold names', () => {
    assert.equal(parseAlertType('high-latency', 't'), 0);
    assert.equal(parseAlertType('HIGH_ERROR_RATE', 't'), 1);
    assert.equal(parseAlertType('bandwidth', 't'), 2);
    assert.equal(parseAlertType('connection-flood', 't'), 3);
    assert.equal(parseAlertType('drop-rate', 't'), 4);
    assert.equal(parseAlertTypeMask(['latency', 'drops'], 't'), 0b10001);
    assert.equal(parseAlertTypeMask([], 't'), 0);
  });
});

describe('exact formatting', () => {
  it('durations, rates and bandwidths without rounding', () => {
    assert.equal(formatDurationUs(500_000n), '500 ms');
    assert.equal(formatDurationUs(1_234_567n), '1.234567 s');
    assert.equal(formatDurationUs(90_000_000n), '90 s');
    assert.equal(formatDurationUs(3_600_000_000n), '1 h');
    assert.equal(formatPpm(100_000n), '10 %');
    assert.equal(formatPpm(1n), '0.0001 %');
    assert.equal(formatBps(1_000_000_000n), '1 Gbit/s');
    assert.equal(formatBps(123_456_789n), '123.456789 Mbit/s');
    assert.equal(formatBps(999n), '999 bit/s');
    assert.equal(exactDecimal(1n, 3n), '0.333333333333');
  });
});

describe('--since', () => {
  it('a sequence number or a look-back', () => {
    assert.deepEqual(parseSince('42'), { kind: 'seq', seq: 42n });
    assert.deepEqual(parseSince('5m'), { kind: 'duration', ns: 300_000_000_000n });
    assert.deepEqual(parseSince('1d'), { kind: 'duration', ns: 86_400_000_000_000n });
    assert.deepEqual(parseSince('1.5s'), { kind: 'duration', ns: 1_500_000_000n });
    assert.throws(() => parseSince('5 parsecs'), usageError(/^--since: unknown unit "parsecs"/));
    assert.throws(() => parseSince('18446744073709551616'), usageError(/above/));
  });
});

describe('the ranges match the spec', () => {
  it('min/max of every field are the checks of kernel/mutex.yaml', () => {
    const specPath = fileURLToPath(new URL('../../../kernel/mutex.yaml', import.meta.url));
    const spec = parse(readFileSync(specPath, 'utf8')) as {
      'attribute-sets': { name: string; attributes: { name: string; checks?: { min?: number; max?: number } }[] }[];
    };
    const set = spec['attribute-sets'].find((candidate) => candidate.name === 'thresholds')!;
    for (const field of FIELDS) {
      const attribute = set.attributes.find((candidate) => candidate.name === field.key.replace(/_/g, '-'))!;
      assert.ok(attribute, field.key);
      assert.equal(field.range.min, BigInt(attribute.checks?.min ?? 0), `${field.key} min`);
      assert.equal(field.range.max, BigInt(attribute.checks!.max!), `${field.key} max`);
    }
  });
});
