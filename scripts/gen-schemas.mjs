#!/usr/bin/env node
// Writes the JSON Schemas of every --json output (src/contract/schemas.ts) to
// docs/schema/. --check: exit 1 when the files there differ (run after the build).
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
process.exit(stale ? 1 : 0);
