#!/usr/bin/env node
// Renders the latest packet-path and memory tables of bench/results/ (the
// newest run of each kernel that measured them) into README.md, between
// <!-- bench:begin --> and <!-- bench:end -->.
//   node bench/readme.mjs [--check]   (--check: exit 1 if README.md is not up to date)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { supportedKernels } from './kernels.mjs';
import { PACKET_CONFIGS } from './packet.mjs';
import { memoryMarkdown, packetMarkdown } from './report.mjs';
import { latestWith, readIndex } from './results.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = join(root, 'README.md');
const BEGIN = '<!-- bench:begin -->';
const END = '<!-- bench:end -->';

const describe = (r) =>
  `commit \`${r.commit}\`${r.dirty ? ' (uncommitted changes)' : ''}, ${r.date.slice(0, 10)}, ${r.machine.host_cpu} ×${r.machine.host_cpus}, host ${r.machine.host_kernel}, ${r.machine.qemu.replace(/^QEMU emulator version /, 'QEMU ')}`;

function render() {
  const known = Object.keys(readIndex().latest);
  const kernels = [...new Set([...supportedKernels(), ...known])].filter((k) => known.includes(k));
  const parts = [];
  for (const kernel of kernels) {
    // The newest full table (a repeat run may measure a few configurations only).
    const packet = latestWith(kernel, 'packet', (r) => r.packet?.length === PACKET_CONFIGS.length);
    const memory = latestWith(kernel, 'memory');
    if (!packet && !memory) continue;
    const info = (packet ?? memory).guests.icount[0].info;
    parts.push(`#### ${kernel} (${info.kernel})`);
    if (packet) {
      parts.push(
        `Packet path, ${info.packet_rounds} rounds of ${info.seconds} s, median; ratio to "module not loaded", spread = (max − min) / median; instructions per UDP datagram (+ over not loaded) and that extra in units of the nftables counter rule's. ${describe(packet)}: \`bench/results/${packet.file}\`.`,
        '',
        packetMarkdown(packet.packet),
      );
      if (packet.agreement) {
        const worst = Math.max(...packet.agreement.flatMap((r) => [Math.abs(r.tcp), Math.abs(r.udp)]));
        const other = packet.agreement_with ? `; the second: \`bench/results/${packet.agreement_with}\`, ${packet.agreement.length} configurations` : '';
        parts.push('', `Two runs of the icount guest (two boots) differ by at most ${(100 * worst).toFixed(2)} % (median of a configuration, TCP or UDP${other}).`);
      }
      parts.push('');
    }
    if (memory?.memory?.length) {
      parts.push(`Kernel memory per tracked flow and dump time (guest ms under icount). ${describe(memory)}.`, '', memoryMarkdown(memory.memory), '');
    }
  }
  return parts.length ? parts.join('\n') : '(no bench results yet: `npm run bench`)\n';
}

const text = readFileSync(readme, 'utf8');
const start = text.indexOf(BEGIN);
const end = text.indexOf(END);
if (start < 0 || end < start) {
  console.error(`README.md has no ${BEGIN} ... ${END} markers`);
  process.exit(1);
}
const updated = `${text.slice(0, start + BEGIN.length)}\n${render()}${text.slice(end)}`;
if (process.argv.includes('--check')) {
  if (updated !== text) {
    console.error('README.md does not show the latest bench results: node bench/readme.mjs');
    process.exit(1);
  }
} else if (updated !== text) {
  writeFileSync(readme, updated);
  console.log('README.md: bench tables updated');
}
