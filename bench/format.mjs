#!/usr/bin/env node
// The TypeScript half of `mutexctl conn --csv` on this machine, without a
// kernel: N conn items encoded with the family's own codec, then decoded,
// turned into rows and rendered exactly as the command does. Prints the
// median time of each stage, so a change to the formatting path can be
// measured before the guest bench (npm run bench) confirms it end to end.
//   node bench/format.mjs [FLOWS=100000] [REPEATS=5]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { encodeAttrs, decodeAttrs } = await import(join(root, 'dist/src/netlink/codec.js'));
const { connRow, connView } = await import(join(root, 'dist/src/views/conn.js'));
const { listWriter, parseSort, renderView, sortRows } = await import(join(root, 'dist/src/output/index.js'));
const { mutexCodec } = await import(join(root, 'dist/src/netlink/codec.js'));

const flows = Number(process.argv[2] ?? 100_000);
const repeats = Number(process.argv[3] ?? 5);

function item(i) {
  const v6 = i % 4 === 3;
  const addr = v6
    ? Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (i >> 8) & 0xff, i & 0xff])
    : Uint8Array.from([10, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff]);
  const start = 1_764_000_000_000_000_000n + BigInt(i) * 1000n;
  return encodeAttrs('conn', {
    id: BigInt(i + 1), fd_id: 1 + (i % 3), family: v6 ? 10 : 2, protocol: 6,
    local_addr: v6 ? Uint8Array.from([...addr.subarray(0, 15), 1]) : Uint8Array.from([127, 0, 0, 1]), local_port: 7101 + (i % 4),
    remote_addr: addr, remote_port: 1024 + (i % 60000), direction: i % 2, state: 1,
    start_ns: start, last_ns: start + 5_000_000n, bytes_sent: BigInt(i * 37), bytes_received: BigInt(i * 11),
    packets_sent: BigInt(i % 1000), packets_received: BigInt(i % 999), retransmits: 0n, errors: 0n, drops: 0n,
    rtt_samples: BigInt(i % 7), rtt_sum_us: BigInt((i % 7) * 120), rtt_min_us: 40n, rtt_max_us: 300n,
    midstream: 0, resets: 0n, icmp_errors: 0n, pid: 1000 + (i % 50), comm: 'python3',
    // What a dump carries: no request-only attribute (prefix lengths, port
    // maxima), the drop tally only on a flow that dropped.
    ...(i % 100 === 0 ? { drops: 1n, drop_reasons: [{ reason: 'NO_SOCKET', drops: 1n }] } : {}),
  });
}

const buffers = Array.from({ length: flows }, (_, i) => item(i));
// The kernel dumps in hash-bucket order: ids come shuffled, and the CLI sorts them.
for (let i = flows - 1, seed = 1; i > 0; i--) {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  const j = seed % (i + 1);
  [buffers[i], buffers[j]] = [buffers[j], buffers[i]];
}
const view = connView();
const byId = parseSort(view, 'id');
const stages = { decode: [], rows: [], sort: [], csv: [], json: [], 'stream csv': [], 'stream json': [] };
let sink = 0;
for (let r = 0; r < repeats; r++) {
  let t = performance.now();
  const items = buffers.map((buf) => decodeAttrs('conn', buf));
  stages.decode.push(performance.now() - t);
  t = performance.now();
  const unsorted = items.map(connRow);
  stages.rows.push(performance.now() - t);
  t = performance.now();
  const rows = sortRows(unsorted, byId);
  stages.sort.push(performance.now() - t);
  t = performance.now();
  sink += Buffer.byteLength(renderView(view, rows, { format: 'csv', shape: 'list', header: true, color: false }));
  stages.csv.push(performance.now() - t);
  t = performance.now();
  sink += Buffer.byteLength(renderView(view, rows, { format: 'json', shape: 'list', header: true, color: false }));
  stages.json.push(performance.now() - t);
  // As `conn --csv/--json` lists today: per batch of 50 (about a datagram),
  // decoded with exact numbers, rendered and dropped.
  for (const format of ['csv', 'json']) {
    t = performance.now();
    const writer = listWriter(view, format, true);
    let bytes = 0;
    for (let i = 0; i < buffers.length; i += 50) {
      const batch = buffers.slice(i, i + 50).map((buf) => connRow(mutexCodec.decode('conn', buf, { safeNumbers: true })));
      bytes += writer.rows(batch).length;
    }
    bytes += writer.end().length;
    sink += bytes;
    stages[`stream ${format}`].push(performance.now() - t);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`${flows} flows, median of ${repeats} (output ${sink / repeats / 4 / 1e6 | 0} MB avg)`);
for (const [stage, times] of Object.entries(stages)) console.log(`  ${stage.padEnd(7)} ${median(times).toFixed(1).padStart(8)} ms`);
