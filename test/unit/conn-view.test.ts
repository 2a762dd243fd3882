import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DumpInconsistentError, KernelError } from '../../src/netlink/errors.js';
import { NLM_F_DUMP_INTR } from '../../src/netlink/constants.js';
import { parseAddress, renderView, sortRows, parseSort, type Row } from '../../src/output/index.js';
import { connRow, connView } from '../../src/views/conn.js';
import { metricType } from '../../src/views/metrics.js';
import { rateView } from '../../src/views/rate.js';
import { connGet, connList } from '../../src/kernel/operations.js';
import { mutexKernel } from './helpers/mutex-kernel.js';
import { csvRecord, documentedColumns } from './helpers/contract.js';

const NOW_MS = Date.UTC(2025, 0, 1, 12, 0, 0);
const NOW_NS = BigInt(NOW_MS) * 1_000_000n;
const U64_MAX = 2n ** 64n - 1n;
const addr = (text: string) => Buffer.from(parseAddress(text)!);

/** A TCP flow over IPv6, inbound, picked up mid-stream, with RTT samples and a u64-max counter. */
const tcpFlow = {
  id: U64_MAX,
  fd_id: 3,
  family: 10,
  protocol: 6,
  local_addr: addr('2001:db8::1'),
  local_port: 443,
  remote_addr: addr('2001:db8:0:0:1:0:0:1'),
  remote_port: 51000,
  direction: 1,
  state: 1,
  start_ns: NOW_NS - 125_000_000_000n,
  last_ns: NOW_NS - 1_000_000_000n,
  bytes_sent: 1536n,
  bytes_received: U64_MAX,
  packets_sent: 12n,
  packets_received: 10n,
  retransmits: 2n,
  errors: 0n,
  drops: 1n,
  rtt_samples: 3n,
  rtt_sum_us: 4000n,
  rtt_min_us: 900n,
  rtt_max_us: 2000n,
  midstream: 1,
  pid: 4242,
  comm: 'nginx',
  drop_reasons: [
    { reason: 'NO_SOCKET', drops: 1n },
    { reason: 'SOCKET_RCVBUFF', drops: 2n },
  ],
};

/** A UDP flow over IPv4 loopback, outbound, new, without RTT samples. */
const udpFlow = {
  id: 7n,
  fd_id: 4,
  family: 2,
  protocol: 17,
  local_addr: addr('127.0.0.1'),
  local_port: 40000,
  remote_addr: addr('127.0.0.1'),
  remote_port: 9,
  direction: 0,
  state: 0,
  start_ns: NOW_NS - 2_500_000_000n,
  last_ns: NOW_NS - 2_500_000_000n,
  bytes_sent: 640n,
  bytes_received: 0n,
  packets_sent: 5n,
  packets_received: 0n,
  retransmits: 0n,
  errors: 0n,
  drops: 0n,
  rtt_samples: 0n,
  rtt_sum_us: 0n,
  rtt_min_us: 0n,
  rtt_max_us: 0n,
  midstream: 0,
};

/** An ICMP echo flow to an IPv4-mapped peer, closed. */
const icmpFlow = {
  ...udpFlow,
  id: 9n,
  protocol: 1,
  family: 10,
  local_addr: addr('::ffff:10.0.0.1'),
  local_port: 0,
  remote_addr: addr('::ffff:10.0.0.2'),
  remote_port: 0,
  state: 3,
  bytes_sent: 84n,
};

const view = connView();
const render = (rows: readonly Row[], format: 'json' | 'csv' | 'table', shape: 'list' | 'record' = 'list', header = true) =>
  renderView(view, rows, { format, shape, header, color: false, nowMs: NOW_MS });

/** The documented contract (docs/output.md), checked against the output below. */
const CSV_HEADER = documentedColumns('conn').join(',');


describe('conn rows', () => {
  it('JSON: names for enums, text addresses, exact u64, derived rtt_avg_us, in schema order', () => {
    assert.equal(
      render([connRow(tcpFlow)], 'json'),
      `[
  {
    "id": 18446744073709551615,
    "fd_id": 3,
    "family": "ipv6",
    "protocol": "tcp",
    "local_addr": "2001:db8::1",
    "local_port": 443,
    "remote_addr": "2001:db8::1:0:0:1",
    "remote_port": 51000,
    "direction": "inbound",
    "state": "established",
    "start_ns": ${NOW_NS - 125_000_000_000n},
    "last_ns": ${NOW_NS - 1_000_000_000n},
    "bytes_sent": 1536,
    "bytes_received": 18446744073709551615,
    "packets_sent": 12,
    "packets_received": 10,
    "retransmits": 2,
    "errors": 0,
    "drops": 1,
    "rtt_samples": 3,
    "rtt_sum_us": 4000,
    "rtt_min_us": 900,
    "rtt_max_us": 2000,
    "rtt_avg_us": 1333,
    "midstream": 1,
    "pid": 4242,
    "comm": "nginx",
    "drop_reasons": {
      "NO_SOCKET": 1,
      "SOCKET_RCVBUFF": 2
    }
  }
]
`,
    );
  });

  it('JSON for one flow (conn ID) is an object; rtt_avg_us is 0 without samples', () => {
    const parsed = JSON.parse(render([connRow(udpFlow)], 'json', 'record')) as Record<string, unknown>;
    assert.equal(parsed.rtt_avg_us, 0);
    assert.equal(parsed.protocol, 'udp');
    assert.equal(parsed.family, 'ipv4');
    assert.equal(parsed.direction, 'outbound');
    assert.equal(parsed.state, 'new');
    assert.equal(parsed.local_addr, '127.0.0.1');
    assert.equal(parsed.midstream, 0);
  });

  it('keeps unknown enum values as their number, as text', () => {
    const row = connRow({ ...udpFlow, protocol: 132, state: 9, direction: 5, family: 3 });
    assert.deepEqual([row.protocol, row.state, row.direction, row.family], ['132', '9', '5', '3']);
  });

  it('CSV: the documented header, then one row per flow with raw integers', () => {
    const [header, tcp, icmp, end] = render([connRow(tcpFlow), connRow(icmpFlow)], 'csv').split('\r\n');
    assert.equal(header, `${CSV_HEADER}`);
    assert.equal(end, '');
    const keys = header!.split(',');
    // Every field: these values, and empty for a figure the fixture does not have.
    const row = (values: Record<string, string>) => Object.fromEntries(keys.map((key) => [key, values[key] ?? '']));
    assert.deepEqual(
      csvRecord(header!, tcp!),
      row({
        id: '18446744073709551615', fd_id: '3', family: 'ipv6', protocol: 'tcp', local_addr: '2001:db8::1', local_port: '443',
        remote_addr: '2001:db8::1:0:0:1', remote_port: '51000', direction: 'inbound', state: 'established',
        start_ns: String(NOW_NS - 125_000_000_000n), last_ns: String(NOW_NS - 1_000_000_000n),
        bytes_sent: '1536', bytes_received: '18446744073709551615', packets_sent: '12', packets_received: '10',
        retransmits: '2', errors: '0', drops: '1', rtt_samples: '3', rtt_sum_us: '4000', rtt_min_us: '900',
        rtt_max_us: '2000', rtt_avg_us: '1333', midstream: '1', pid: '4242', comm: 'nginx',
        drop_reasons: 'NO_SOCKET=1;SOCKET_RCVBUFF=2',
      }),
    );
    assert.deepEqual(
      csvRecord(header!, icmp!),
      row({
        id: '9', fd_id: '4', family: 'ipv6', protocol: 'icmp', local_addr: '::ffff:10.0.0.1', local_port: '0',
        remote_addr: '::ffff:10.0.0.2', remote_port: '0', direction: 'outbound', state: 'closed',
        start_ns: String(NOW_NS - 2_500_000_000n), last_ns: String(NOW_NS - 2_500_000_000n),
        bytes_sent: '84', bytes_received: '0', packets_sent: '5', packets_received: '0', retransmits: '0',
        errors: '0', drops: '0', rtt_samples: '0', rtt_sum_us: '0', rtt_min_us: '0', rtt_max_us: '0',
        rtt_avg_us: '0', midstream: '0', drop_reasons: '',
      }),
    );
    assert.equal(render([connRow(udpFlow)], 'csv', 'list', false).startsWith('7,4,ipv4,udp,127.0.0.1,40000,'), true);
  });

  it('table: compact ss-like columns in human units', () => {
    const flat = render([connRow(tcpFlow), connRow(udpFlow), connRow(icmpFlow)], 'table');
    const cells = (line: string) => line.split('│').slice(1, -1).map((cell) => cell.trim());
    const rows = flat.split('\n').filter((line) => line.startsWith('│')).map(cells);
    assert.deepEqual(rows[0], ['ID', 'FD', 'PROTO', 'LOCAL', 'REMOTE', 'DIR', 'STATE', 'SENT', 'RECV', 'PKTS OUT/IN', 'RTT', 'RETR', 'ERR', 'DROP', 'AGE']);
    assert.deepEqual(rows[1], [
      '18446744073709551615', '3', 'tcp', '[2001:db8::1]:443', '[2001:db8::1:0:0:1]:51000', 'in', 'established',
      '1.5 KiB', '16 EiB', '12/10', '1.33 ms', '2', '0', '1', '2m05s',
    ]);
    assert.deepEqual(rows[2], ['7', '4', 'udp', '127.0.0.1:40000', '127.0.0.1:9', 'out', 'new', '640 B', '0 B', '5/0', '-', '0', '0', '0', '2s']);
    assert.deepEqual(rows[3], ['9', '4', 'icmp', '::ffff:10.0.0.1', '::ffff:10.0.0.2', 'out', 'closed', '84 B', '0 B', '5/0', '-', '0', '0', '0', '2s']);
    assert.doesNotMatch(render([connRow(udpFlow)], 'table', 'list', false), /PROTO/, '--no-header drops the headings');
  });

  it('table for one flow: every field with its unit', () => {
    const text = render([connRow(tcpFlow)], 'table', 'record');
    assert.match(text, /│ local address\s+│\s+2001:db8::1 │/);
    assert.match(text, /│ local port\s+│\s+443 │/);
    assert.match(text, /│ bytes received\s+│\s+16 EiB │/);
    assert.match(text, /│ rtt avg\s+│\s+1.33 ms │/);
    assert.match(text, /│ first packet\s+│\s+2025-01-01T11:57:55Z \(2 min ago\) │/);
    assert.match(text, /│ picked up mid-stream\s+│\s+yes │/);
    assert.match(render([connRow(udpFlow)], 'table', 'record'), /│ picked up mid-stream\s+│\s+no │/);
  });

  it('the idle state (the fifth flow-state) by name', () => {
    const row = connRow({ ...udpFlow, state: 4 });
    assert.equal(row.state, 'idle');
    assert.equal(JSON.parse(render([row], 'json', 'record')).state, 'idle');
    const state = view.columns.find((column) => column.key === 'state');
    assert.deepEqual(state?.values, ['new', 'established', 'closing', 'closed', 'idle']);
  });

  it('midstream is a 0/1 property of the flow: never a counter, not a --rate field', () => {
    const midstream = view.columns.find((column) => column.key === 'midstream');
    assert.ok(midstream, 'a midstream column');
    assert.equal(metricType(midstream), undefined);
    const keys = rateView(view).columns.map((column) => column.key);
    assert.ok(keys.includes('midstream') && !keys.includes('midstream_per_sec'));
    assert.equal(keys.indexOf('midstream'), view.columns.findIndex((column) => column.key === 'midstream') + 1, 'in its place, after interval_ns');
  });
});

describe('conn sorting and limit', () => {
  const rows = [connRow(tcpFlow), connRow(udpFlow), connRow(icmpFlow)];
  const ids = (sorted: readonly Row[]) => sorted.map((row) => String(row.id));

  it('sorts ascending by a u64 column, descending with a leading -', () => {
    assert.deepEqual(ids(sortRows(rows, parseSort(view, 'id'))), ['7', '9', '18446744073709551615']);
    assert.deepEqual(ids(sortRows(rows, parseSort(view, '-bytes_received'))), ['18446744073709551615', '7', '9']);
  });

  it('breaks ties with the next key, and reads bytes-sent as bytes_sent', () => {
    assert.deepEqual(ids(sortRows(rows, parseSort(view, 'fd_id,-bytes-sent'))), ['18446744073709551615', '7', '9']);
    assert.deepEqual(ids(sortRows(rows, parseSort(view, '-fd_id,bytes_sent'))), ['9', '7', '18446744073709551615']);
  });

  it('sorts addresses by value, IPv4 before IPv6', () => {
    // 127.0.0.1, then ::ffff:10.0.0.2 (0000:…:ffff:…) before 2001:db8::1:0:0:1.
    assert.deepEqual(ids(sortRows(rows, parseSort(view, 'remote_addr'))), ['7', '9', '18446744073709551615']);
    assert.deepEqual(ids(sortRows(rows, parseSort(view, '-remote_addr'))), ['18446744073709551615', '9', '7']);
  });

  it('sorts names as text', () => {
    assert.deepEqual(ids(sortRows(rows, parseSort(view, 'protocol'))), ['9', '18446744073709551615', '7']);
  });
});

describe('conn requests to the kernel', () => {
  it('dumps conn-get with the filters as attributes', async () => {
    const { client, requests } = await mutexKernel(() => ({ items: [tcpFlow, udpFlow] }));
    const flows = await connList(client, { fdId: 3, protocol: 6, state: 1 });
    assert.deepEqual(requests, [{ operation: 'conn-get', dump: true, attributes: { fd_id: 3, protocol: 6, state: 1 } }]);
    assert.equal(flows.length, 2);
    assert.equal(flows[0]!.id, U64_MAX);
    assert.equal(connRow(flows[0]!).remote_addr, '2001:db8::1:0:0:1');
  });

  it('sends no filter attributes without filters', async () => {
    const { client, requests } = await mutexKernel(() => ({ items: [] }));
    assert.deepEqual(await connList(client), []);
    assert.deepEqual(requests[0]!.attributes, {});
  });

  it('retries an interrupted dump, then gives up with DumpInconsistentError (exit 1)', async () => {
    let calls = 0;
    const retried = await mutexKernel(() => ({ items: [udpFlow], dumpFlags: ++calls < 2 ? NLM_F_DUMP_INTR : 0 }));
    assert.equal((await connList(retried.client)).length, 1);
    assert.equal(calls, 2);
    const changing = await mutexKernel(() => ({ items: [udpFlow], dumpFlags: NLM_F_DUMP_INTR }));
    await assert.rejects(connList(changing.client), (error: unknown) => {
      assert.ok(error instanceof DumpInconsistentError);
      assert.equal(error.exitCode, 1);
      assert.match(error.message, /conn-get dump kept changing/);
      return true;
    });
  });

  it('gets one flow by its u64 id; a missing one is "no connection with id N"', async () => {
    const { client, requests } = await mutexKernel((request) =>
      request.attributes.id === U64_MAX ? { items: [tcpFlow] } : { errno: 2, extack: { message: 'no connection with this id in this network namespace' } },
    );
    assert.equal((await connGet(client, U64_MAX)).bytes_received, U64_MAX);
    assert.deepEqual(requests[0], { operation: 'conn-get', dump: false, attributes: { id: U64_MAX } });
    await assert.rejects(connGet(client, 5n), (error: unknown) => {
      assert.ok(error instanceof KernelError);
      assert.equal(error.message, 'no connection with id 5 in this network namespace');
      assert.equal(error.exitCode, 1);
      return true;
    });
  });
});
