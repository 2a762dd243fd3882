// bench/report.mjs: the budgets of `npm run bench` are judged on ratios to
// "module not loaded" of the same run, per figure, and the memory table's
// per-flow figures leave a listing's start-up out. (The figures themselves
// come from the guest; these samples only exercise the arithmetic.)
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface Check {
  what: string;
  ok: boolean;
}
interface Figure {
  median: number;
  ratio?: number;
  spread: number;
}
interface PacketRow {
  id: string;
  tcp: Figure;
  udp: Figure;
  extraInstrPerPacket?: number;
  checks: Check[];
}
interface MemoryRow {
  flows: number;
  slabBytesPerFlow: number;
  mutexctlUsPerFlow?: number;
  rawUsPerFlow?: number;
  checks: Check[];
}
interface AgreementRow {
  label: string;
  tcp: number;
  udp: number;
}
type Samples = Record<string, number[]>;
interface Report {
  packetRows(samples: Samples): PacketRow[];
  memoryRows(samples: Samples): MemoryRow[];
  agreementRows(first: Samples, second: Samples): AgreementRow[];
  spread(xs: number[]): number;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const report = (await import(pathToFileURL(join(root, 'bench', 'report.mjs')).href)) as Report;

// Rounds of each configuration: TCP Gbit/s and UDP kpps.
function samples(figures: Record<string, [number[], number[]]>): Samples {
  const out: Samples = {};
  for (const [id, [tcp, udp]] of Object.entries(figures)) {
    out[`tcp.${id}_gbit`] = tcp;
    out[`udp.${id}_kpps`] = udp;
  }
  return out;
}

const verdict = (row: PacketRow | MemoryRow | undefined, what: RegExp) => row?.checks.find((c) => what.test(c.what))?.ok;

describe('bench report', () => {
  const run = samples({
    unloaded: [[3.0, 3.02, 2.98], [100, 101, 99]],
    loaded: [[2.996, 2.997, 2.996], [99.95, 99.9, 100]],
    nomatch_port: [[2.99, 2.99, 2.99], [100, 100, 100]],
    match: [[2.99, 2.985, 2.995], [98.9, 98.5, 99.2]],
    conntrack: [[2.93, 2.94, 2.95], [96, 96, 96]],
  });
  const rows = report.packetRows(run);
  const row = (id: string) => rows.find((r) => r.id === id);

  it('takes each ratio against the median of "not loaded" of the same samples', () => {
    assert.equal(row('unloaded')?.tcp.ratio, 1);
    assert.ok(Math.abs((row('match')?.tcp.ratio ?? 0) - 2.99 / 3.0) < 1e-12);
    assert.ok(Math.abs((row('match')?.udp.ratio ?? 0) - 98.9 / 100) < 1e-12);
  });

  it('judges a matching context against 99.5 % TCP, 99.0 % UDP and conntrack', () => {
    assert.equal(verdict(row('match'), /^TCP/), true); // 99.67 %
    assert.equal(verdict(row('match'), /^UDP/), false); // 98.9 %
    assert.equal(verdict(row('match'), /cheaper than conntrack/), true);
  });

  it('holds "loaded" and a context that matches nothing to 99.9 %', () => {
    assert.equal(verdict(row('loaded'), /^TCP/), false); // 99.87 %
    assert.equal(verdict(row('loaded'), /^UDP/), true); // 99.95 %
    assert.equal(verdict(row('nomatch_port'), /^TCP/), false); // 99.67 %
    assert.equal(verdict(row('nomatch_port'), /^UDP/), true); // 100 %
  });

  it('gives the spread of the rounds and the instructions a datagram costs more', () => {
    assert.ok(Math.abs(report.spread([3.0, 3.02, 2.98]) - 0.04 / 3.0) < 1e-12);
    assert.ok(Math.abs((row('conntrack')?.extraInstrPerPacket ?? 0) - (1e6 / 96 - 1e6 / 100)) < 1e-9);
    assert.equal(row('conntrack')?.checks.length, 0);
  });

  it('judges memory per flow against 160 B and leaves the empty listing out of the per-flow time', () => {
    const memory = report.memoryRows({
      'memory.100000.slab_bytes_per_flow': [227.6],
      'memory.300000.slab_bytes_per_flow': [158],
      'dump.0.mutexctl_ms': [500],
      'dump.100000.mutexctl_ms': [2500],
      'dump.100000.raw_ms': [800],
    });
    assert.deepEqual(
      memory.map((r) => [r.flows, r.checks[0]?.ok]),
      [
        [100000, false],
        [300000, true],
      ],
    );
    assert.equal(memory[0]?.mutexctlUsPerFlow, 20);
    assert.equal(memory[0]?.rawUsPerFlow, 8);
  });

  it('compares two runs median by median', () => {
    const second = samples({ unloaded: [[3.03, 3.03, 3.03], [99, 99, 99]] });
    const [agreement] = report.agreementRows(run, second);
    assert.ok(Math.abs((agreement?.tcp ?? 0) - 0.01) < 1e-12);
    assert.ok(Math.abs((agreement?.udp ?? 0) + 0.01) < 1e-12);
  });
});
