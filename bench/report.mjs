// The packet-path and memory tables of `npm run bench` (host side): medians,
// ratios to "module not loaded" of the same run, spreads, the budgets of
// issue 14 with their verdicts; as console text and as Markdown (README).
import { PACKET_CONFIGS } from './packet.mjs';

export const MEMORY_BUDGET_BYTES = 160;

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** (max - min) / median: how far the rounds of one figure lie apart. */
export const spread = (xs) => (Math.max(...xs) - Math.min(...xs)) / median(xs);

const pct = (x, digits = 1) => (x === undefined || Number.isNaN(x) ? '-' : `${(100 * x).toFixed(digits)} %`);
const num = (x, digits) => (x === undefined || Number.isNaN(x) ? '-' : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));

function figure(samples, key, base) {
  const xs = samples[key];
  if (!xs?.length) return undefined;
  const m = median(xs);
  return { median: m, spread: spread(xs), rounds: xs, ratio: base === undefined ? undefined : m / base };
}

/**
 * One row per configuration measured. Under icount 1 guest second is 10^9
 * instructions, so a rate turns into instructions per packet (UDP: both
 * ends of a 64-byte datagram) and per KiB (TCP); `extra*` is the difference
 * to "module not loaded".
 */
export function packetRows(samples) {
  const baseTcp = samples['tcp.unloaded_gbit'] && median(samples['tcp.unloaded_gbit']);
  const baseUdp = samples['udp.unloaded_kpps'] && median(samples['udp.unloaded_kpps']);
  const rows = [];
  for (const config of PACKET_CONFIGS) {
    const tcp = figure(samples, `tcp.${config.id}_gbit`, baseTcp);
    const udp = figure(samples, `udp.${config.id}_kpps`, baseUdp);
    if (!tcp || !udp) continue;
    rows.push({
      id: config.id,
      label: config.label,
      reference: Boolean(config.reference),
      tcp,
      udp,
      instrPerPacket: 1e6 / udp.median,
      extraInstrPerPacket: baseUdp ? 1e6 / udp.median - 1e6 / baseUdp : undefined,
      extraInstrPerKiB: baseTcp ? 8192 / tcp.median - 8192 / baseTcp : undefined,
      udpLost: (samples[`udp.${config.id}_lost`] ?? []).reduce((a, b) => a + b, 0),
    });
  }
  // The extra cost of a UDP datagram, in units of what one nftables counter rule costs.
  const counter = rows.find((r) => r.id === 'nft_counter')?.extraInstrPerPacket;
  for (const row of rows) {
    row.checks = packetChecks(row, rows);
    if (counter > 0 && row.id !== 'unloaded') row.perCounter = row.extraInstrPerPacket / counter;
  }
  return rows;
}

function packetChecks(row, rows) {
  const budget = PACKET_CONFIGS.find((c) => c.id === row.id).budget;
  if (!budget) return [];
  const checks = [
    { what: `TCP >= ${pct(budget.tcp)}`, ok: row.tcp.ratio >= budget.tcp },
    { what: `UDP >= ${pct(budget.udp)}`, ok: row.udp.ratio >= budget.udp },
  ];
  const other = budget.cheaperThan && rows.find((r) => r.id === budget.cheaperThan);
  if (other) {
    checks.push({
      what: `cheaper than ${other.id}`,
      ok: row.tcp.ratio > other.tcp.ratio && row.udp.ratio > other.udp.ratio,
    });
  }
  return checks;
}

const verdicts = (checks) => checks.map((c) => `${c.what} ${c.ok ? 'ok' : 'MISSED'}`).join(', ');
const lost = (row) => (row.udpLost ? ` (UDP: ${row.udpLost} datagrams LOST, the rate is not a cost)` : '');

/** Memory and dump time per table size, with per-flow figures to show linearity. */
export function memoryRows(samples) {
  const sizes = Object.keys(samples)
    .map((k) => /^memory\.(\d+)\.slab_bytes_per_flow$/.exec(k)?.[1])
    .filter(Boolean)
    .map(Number)
    .sort((a, b) => a - b);
  const m = (key) => (samples[key] ? median(samples[key]) : undefined);
  // A listing of no flow costs node's start-up: the per-flow figure leaves it out.
  const emptyListing = m('dump.0.mutexctl_ms') ?? 0;
  return sizes.map((n) => {
    const slab = m(`memory.${n}.slab_bytes_per_flow`);
    const mutexctl = m(`dump.${n}.mutexctl_ms`);
    const raw = m(`dump.${n}.raw_ms`);
    return {
      flows: n,
      slabBytesPerFlow: slab,
      objectSize: m(`memory.${n}.object_size`),
      unreclaimableBytesPerFlow: m(`memory.${n}.unreclaimable_bytes_per_flow`),
      moduleBytesPerFlow: m(`memory.${n}.module_bytes_per_flow`),
      rawMs: raw,
      rawUsPerFlow: raw === undefined ? undefined : (1000 * raw) / n,
      mutexctlMs: mutexctl,
      mutexctlUsPerFlow: mutexctl === undefined ? undefined : (1000 * (mutexctl - emptyListing)) / n,
      checks: slab === undefined ? [] : [{ what: `<= ${MEMORY_BUDGET_BYTES} B`, ok: slab <= MEMORY_BUDGET_BYTES }],
    };
  });
}

/** Run-to-run agreement of two icount runs: the difference of each median, in % of the first. */
export function agreementRows(first, second) {
  const a = packetRows(first);
  const b = packetRows(second);
  return a
    .map((row) => {
      const other = b.find((r) => r.id === row.id);
      if (!other) return undefined;
      return {
        label: row.label,
        tcp: other.tcp.median / row.tcp.median - 1,
        udp: other.udp.median / row.udp.median - 1,
        tcpRatio: other.tcp.ratio - row.tcp.ratio,
        udpRatio: other.udp.ratio - row.udp.ratio,
      };
    })
    .filter(Boolean);
}

// --- text ----------------------------------------------------------------------
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

export function printPacket(rows, { rounds, seconds }) {
  console.log(`packet path under icount (${rounds} rounds of ${seconds} s; median, ratio to "not loaded", spread = (max-min)/median;`);
  console.log('instructions per UDP datagram, + over "not loaded", and that extra in units of the nftables counter rule\'s)');
  console.log(
    `${pad('configuration', 38)} ${lpad('TCP Gbit/s', 10)} ${lpad('ratio', 8)} ${lpad('spread', 7)}  ${lpad('UDP kpps', 8)} ${lpad('ratio', 8)} ${lpad('spread', 7)} ${lpad('instr/pkt', 9)} ${lpad('+instr', 7)} ${lpad('×counter', 8)}  budget`,
  );
  for (const r of rows) {
    console.log(
      `${pad(r.label, 38)} ${lpad(num(r.tcp.median, 3), 10)} ${lpad(pct(r.tcp.ratio, 2), 8)} ${lpad(pct(r.tcp.spread), 7)}  ${lpad(num(r.udp.median, 2), 8)} ${lpad(pct(r.udp.ratio, 2), 8)} ${lpad(pct(r.udp.spread), 7)} ${lpad(num(r.instrPerPacket, 0), 9)} ${lpad(num(r.extraInstrPerPacket, 0), 7)} ${lpad(num(r.perCounter, 2), 8)}  ${verdicts(r.checks)}${lost(r)}`,
    );
  }
}

export function printMemory(rows) {
  console.log(
    `kernel memory per tracked flow (budget <= ${MEMORY_BUDGET_BYTES} B) and dump CPU time (guest ms under icount: 10^6 instructions; conn --csv per flow: less the listing of no flow)`,
  );
  console.log(
    `${lpad('flows', 9)} ${lpad('slab B/flow', 11)} ${lpad('object B', 8)} ${lpad('SUnreclaim B/flow', 17)} ${lpad('module B/flow', 13)} ${lpad('raw dump ms', 11)} ${lpad('us/flow', 7)} ${lpad('conn --csv ms', 13)} ${lpad('us/flow', 7)}  budget`,
  );
  for (const r of rows) {
    console.log(
      `${lpad(num(r.flows, 0), 9)} ${lpad(num(r.slabBytesPerFlow, 1), 11)} ${lpad(num(r.objectSize, 0), 8)} ${lpad(num(r.unreclaimableBytesPerFlow, 1), 17)} ${lpad(num(r.moduleBytesPerFlow, 1), 13)} ${lpad(num(r.rawMs, 0), 11)} ${lpad(num(r.rawUsPerFlow, 2), 7)} ${lpad(num(r.mutexctlMs, 0), 13)} ${lpad(num(r.mutexctlUsPerFlow, 2), 7)}  ${verdicts(r.checks)}`,
    );
  }
}

export function printAgreement(rows) {
  console.log('two icount runs: second against first (median of each run)');
  console.log(`${pad('configuration', 38)} ${lpad('TCP', 8)} ${lpad('UDP', 8)}   ratio to "not loaded": ${lpad('TCP', 9)} ${lpad('UDP', 9)}`);
  for (const r of rows) {
    console.log(`${pad(r.label, 38)} ${lpad(pct(r.tcp, 2), 8)} ${lpad(pct(r.udp, 2), 8)}   ${' '.repeat(23)}${lpad(pct(r.tcpRatio, 2), 9)} ${lpad(pct(r.udpRatio, 2), 9)}`);
  }
  const worst = Math.max(...rows.flatMap((r) => [Math.abs(r.tcp), Math.abs(r.udp)]));
  console.log(`largest difference between the runs: ${pct(worst, 2)} (${worst <= 0.01 ? 'within' : 'NOT within'} 1 %)`);
}

// --- Markdown --------------------------------------------------------------------
const md = (cells) => `| ${cells.join(' | ')} |`;

export function packetMarkdown(rows) {
  const lines = [
    md(['configuration', 'TCP Gbit/s', 'ratio', 'spread', 'UDP 64 B kpps', 'ratio', 'spread', 'instr/datagram (+)', '× counter', 'budget']),
    md(['---', '--:', '--:', '--:', '--:', '--:', '--:', '--:', '--:', '---']),
  ];
  for (const r of rows) {
    lines.push(
      md([
        r.label,
        num(r.tcp.median, 3),
        pct(r.tcp.ratio, 2),
        pct(r.tcp.spread),
        num(r.udp.median, 2),
        pct(r.udp.ratio, 2),
        pct(r.udp.spread),
        `${num(r.instrPerPacket, 0)}${r.extraInstrPerPacket ? ` (${r.extraInstrPerPacket > 0 ? '+' : ''}${num(r.extraInstrPerPacket, 0)})` : ''}`,
        num(r.perCounter, 2),
        `${verdicts(r.checks)}${lost(r)}`,
      ]),
    );
  }
  return lines.join('\n');
}

export function memoryMarkdown(rows) {
  const lines = [
    md(['flows', 'slab B/flow', 'object B', 'SUnreclaim B/flow', 'raw dump CPU ms (µs/flow)', 'conn --csv CPU ms (µs/flow)', 'budget']),
    md(['--:', '--:', '--:', '--:', '--:', '--:', '---']),
  ];
  for (const r of rows) {
    lines.push(
      md([
        num(r.flows, 0),
        num(r.slabBytesPerFlow, 1),
        num(r.objectSize, 0),
        num(r.unreclaimableBytesPerFlow, 1),
        `${num(r.rawMs, 0)} (${num(r.rawUsPerFlow, 2)})`,
        r.mutexctlMs === undefined ? 'failed' : `${num(r.mutexctlMs, 0)} (${num(r.mutexctlUsPerFlow, 2)})`,
        verdicts(r.checks),
      ]),
    );
  }
  return lines.join('\n');
}
