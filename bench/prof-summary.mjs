#!/usr/bin/env node
// Prints where a V8 CPU profile (node --cpu-prof) spent its time: self time by
// script, then the top functions. Usage: bench/prof-summary.mjs FILE [TOP]
import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = p.timeDeltas; let total = 0;
for (let i = 0; i < p.samples.length; i++) { const n = byId.get(p.samples[i]); const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/.*\//, '')}:${n.callFrame.lineNumber}`; self.set(k, (self.get(k) ?? 0) + dt[i]); total += dt[i]; }
const byUrl = new Map();
for (const [k, v] of self) { const u = k.split(' ')[1].split(':')[0]; byUrl.set(u, (byUrl.get(u) ?? 0) + v); }
console.log('total ms', (total / 1000).toFixed(1));
for (const [k, v] of [...byUrl].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log((v / 1000).toFixed(1).padStart(8), k);
console.log('---');
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[3] ?? 25))) console.log((v / 1000).toFixed(1).padStart(8), k);
