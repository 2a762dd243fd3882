#!/usr/bin/env node
// The layers of src/, top to bottom (README, "Layout"). A file imports files
// of its own folder, or of a layer below its own; never one above, never
// another folder of its own layer; and no files import each other in a circle
// (type-only imports count too). `npm run lint` runs it; --verbose prints
// which folders each folder imports.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// One row per layer, top first; a part is a folder (ending in /) or a file.
const LAYERS = [
  ['src/main.ts', 'src/fast.ts'], // the entries: the explicit command list; the frequent commands without oclif
  ['src/commands/'], // thin oclif commands
  ['src/cli/'], // what every command shares: base class, flags, argument checks
  ['src/app/'], // what each command does
  ['src/contract/'], // JSON Schemas of the --json outputs
  ['src/export/'], // snapshots and the export formats
  ['src/views/'], // what each command shows
  ['src/thresholds/', 'src/context/'], // thresholds as people write them; what `fd run` puts a command in
  ['src/output/'], // one formatter per format, and the units
  // The world outside the process: every request to the kernel (the family's
  // operations, /dev/mutex); HTTP (the server of `serve`, the client that posts
  // to Alertmanager). One row: neither knows of the other.
  ['src/kernel/', 'src/http/'],
  ['src/netlink/'], // the generic netlink protocol
  ['src/errors.ts', 'src/spec/'], // errors and exit codes; the family spec's tables
];

function sourceFiles(directory) {
  return readdirSync(join(root, directory), { withFileTypes: true }).flatMap((entry) => {
    const path = `${directory}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function partOf(file) {
  for (const [layer, parts] of LAYERS.entries()) {
    for (const part of parts) if (part.endsWith('/') ? file.startsWith(part) : file === part) return { layer, part };
  }
  return undefined;
}

// import ... from './x.js', export ... from './x.js', import './x.js', import('./x.js')
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

function importsOf(file) {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(IMPORT)].map((match) => relative(root, join(root, dirname(file), match[1])).replace(/\.js$/, '.ts'));
}

const files = sourceFiles('src').sort();
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const problems = [];
const uses = new Map();

for (const [file, targets] of graph) {
  const from = partOf(file);
  if (!from) {
    problems.push(`${file}: in no layer (add its folder to LAYERS in scripts/check-layers.mjs)`);
    continue;
  }
  for (const target of targets) {
    if (!graph.has(target)) {
      problems.push(`${file}: imports ${target}, which is no source file`);
      continue;
    }
    const to = partOf(target);
    if (!to || to.part === from.part) continue;
    if (!uses.has(from.part)) uses.set(from.part, new Set());
    uses.get(from.part).add(to.part);
    if (to.layer < from.layer) problems.push(`${file} -> ${target}: points up (${from.part} is below ${to.part})`);
    else if (to.layer === from.layer) problems.push(`${file} -> ${target}: ${from.part} and ${to.part} share a layer`);
  }
}

// Circles: the strongly connected components (Tarjan) of more than one file, or a file importing itself.
let counter = 0;
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
function connect(file) {
  index.set(file, counter);
  low.set(file, counter++);
  stack.push(file);
  onStack.add(file);
  for (const target of graph.get(file) ?? []) {
    if (!graph.has(target)) continue;
    if (!index.has(target)) {
      connect(target);
      low.set(file, Math.min(low.get(file), low.get(target)));
    } else if (onStack.has(target)) {
      low.set(file, Math.min(low.get(file), index.get(target)));
    }
  }
  if (low.get(file) !== index.get(file)) return;
  const circle = [];
  let member;
  do {
    member = stack.pop();
    onStack.delete(member);
    circle.push(member);
  } while (member !== file);
  if (circle.length > 1 || graph.get(file).includes(file)) problems.push(`circle: ${circle.sort().join(', ')}`);
}
for (const file of files) if (!index.has(file)) connect(file);

if (process.argv.includes('--verbose')) {
  for (const parts of LAYERS) {
    for (const part of parts) console.log(`${part.padEnd(18)} -> ${[...(uses.get(part) ?? [])].join(', ') || '(nothing)'}`);
  }
  console.log(`${files.length} files, ${[...graph.values()].reduce((n, targets) => n + targets.length, 0)} imports`);
}
if (problems.length > 0) {
  for (const problem of problems) console.error(`check-layers: ${problem}`);
  process.exit(1);
}
