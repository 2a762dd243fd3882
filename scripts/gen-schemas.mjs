#!/usr/bin/env node
// Writes the contract scripts are written against, from the built views and
// the figure catalog: the JSON Schemas of every --json output
// (src/contract/schemas.ts) to docs/schema/, and the field and metric tables
// of docs/output.md. --check: exit 1 when a file differs (run after the build).
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist/src/contract/schemas.js');
if (!existsSync(compiled)) {
  console.error('gen-schemas: dist/ is missing; run `npm run build` first');
  process.exit(1);
}
const { schemas } = await import(compiled);
const check = process.argv.includes('--check');
const directory = join(root, 'docs/schema');
mkdirSync(directory, { recursive: true });
let stale = 0;
for (const [name, schema] of Object.entries(schemas())) {
  const path = join(directory, `${name}.schema.json`);
  const text = `${JSON.stringify(schema, null, 2)}\n`;
  if (check) {
    const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
    if (current !== text) {
      console.error(`gen-schemas: docs/schema/${name}.schema.json is stale; run \`npm run gen\``);
      stale++;
    }
  } else {
    writeFileSync(path, text);
  }
}
// ------------------------------------------------------- docs/output.md tables
const { statsView } = await import(join(root, 'dist/src/views/stats.js'));
const { fdView } = await import(join(root, 'dist/src/views/fd.js'));
const { connView } = await import(join(root, 'dist/src/views/conn.js'));
const { attributeSets, figures } = await import(join(root, 'dist/src/spec/generated.js'));

const DERIVED = { rtt_avg_us: 'derived: rtt_sum_us / rtt_samples, rounded down, 0 without samples' };

function typeOf(column) {
  if (column.identifier) return column.list ? 'list of ids' : 'id';
  if (column.list) return column.kind === 'text' ? 'list of strings' : 'array of integers';
  return column.kind === 'text' || column.kind === 'address' ? 'string' : 'integer';
}

function fieldTable(set, view) {
  const docs = new Map(attributeSets[set].map((a) => [a.key, a.doc ?? '']));
  const rows = view.columns.map((column) => {
    const meaning = (DERIVED[column.key] ?? docs.get(column.key) ?? '').replace(/\s+/g, ' ').replace(/\|/g, '\\|');
    return `| \`${column.key}\` | ${typeOf(column)} | ${meaning} |`;
  });
  return ['| key | type | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

function metricTable() {
  const rows = [];
  for (const [set, scope] of [['stats', 'namespace'], ['fd', 'context'], ['conn', 'flow']]) {
    for (const [key, figure] of Object.entries(figures[set])) {
      const p = figure.prometheus;
      if (!p) continue;
      const labels = p.labels ? Object.entries(p.labels).map(([k, v]) => `\`${k}="${v}"\``).join(', ') : '';
      const type = figure.kind === 'counter' ? 'counter' : 'gauge';
      const unit = figure.unit === 'us' || figure.unit === 'ns' ? ` (${figure.unit} in seconds)` : '';
      rows.push(`| \`${p.name}\` | ${type} | ${labels} | ${scope} \`${key}\`${unit}: ${p.help} |`);
    }
  }
  return ['| metric | type | labels | from |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function renderRegions(text) {
  const tables = { 'fields: stats': fieldTable('stats', statsView()), 'fields: fd': fieldTable('fd', fdView()), 'fields: conn': fieldTable('conn', connView()), metrics: metricTable() };
  return text.replace(/(<!-- BEGIN (fields: \w+|metrics) [^\n]*-->\n)[\s\S]*?(<!-- END (?:fields|metrics) -->)/g, (_, begin, what, end) => {
    if (!tables[what]) throw new Error(`docs/output.md: no table for "${what}"`);
    return `${begin}${tables[what]}\n${end}`;
  });
}

const outputDoc = join(root, 'docs/output.md');
const docText = readFileSync(outputDoc, 'utf8');
const rendered = renderRegions(docText);
if (check) {
  if (rendered !== docText) {
    console.error('gen-schemas: the generated tables of docs/output.md are stale; run `npm run gen`');
    stale++;
  }
} else {
  writeFileSync(outputDoc, rendered);
}
process.exit(stale ? 1 : 0);
