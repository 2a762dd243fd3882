#!/usr/bin/env node
// How two separate icount runs of the packet path agree (the same kernel,
// two boots): the difference of each configuration's median, in % of the
// first run's, for the configurations both measured.
//   node bench/agree.mjs FIRST.json SECOND.json [--record]
// (files of bench/results/; --record stores the comparison in FIRST, whose
// table the README shows, as `agreement` with `agreement_with`: SECOND.)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agreementRows, printAgreement } from './report.mjs';
import { RESULTS_DIR, readResult } from './results.mjs';

const [firstFile, secondFile] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!firstFile || !secondFile) {
  console.error('usage: node bench/agree.mjs FIRST.json SECOND.json [--record]');
  process.exit(2);
}
const name = (f) => f.replace(/^.*\//, '');
const [first, second] = [firstFile, secondFile].map((f) => readResult(name(f)));
if (first.kernel !== second.kernel) throw new Error(`different kernels: ${first.kernel} and ${second.kernel}`);
const samples = (r) => r.guests?.icount?.[0]?.samples;
if (!samples(first) || !samples(second)) throw new Error('both files need an icount packet run');
const rows = agreementRows(samples(first), samples(second));
console.log(`${first.kernel}: ${first.file} (commit ${first.commit}) against ${second.file} (commit ${second.commit})`);
printAgreement(rows);
if (process.argv.includes('--record')) {
  first.agreement = rows;
  first.agreement_with = second.file;
  writeFileSync(join(RESULTS_DIR, first.file), `${JSON.stringify(first, null, 2)}\n`);
  console.log(`recorded in bench/results/${first.file}`);
}
