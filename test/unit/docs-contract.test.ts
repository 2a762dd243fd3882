// docs/output.md is the contract scripts are written against: its column
// tables must list exactly the keys, in exactly the order, the views print.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { View } from '../../src/output/index.js';
import { alertView } from '../../src/views/alerts.js';
import { connView } from '../../src/views/conn.js';
import { fdView } from '../../src/views/fd.js';
import { statsView } from '../../src/views/stats.js';

const doc = readFileSync(join(import.meta.dirname, '../../../docs/output.md'), 'utf8');

export function documentedColumns(command: string): string[] {
  const start = doc.indexOf(`## \`mutexctl ${command} --json | --csv\``);
  assert.ok(start >= 0, `docs/output.md has a section for ${command}`);
  const end = doc.indexOf('\n## ', start + 3);
  return [...doc.slice(start, end < 0 ? undefined : end).matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((m) => m[1]!);
}

describe('docs/output.md', () => {
  const views: [string, View][] = [
    ['stats', statsView()],
    ['fd', fdView()],
    ['conn', connView()],
    ['alerts', alertView()],
  ];
  for (const [command, view] of views) {
    it(`lists the ${command} columns in output order`, () => {
      assert.deepEqual(documentedColumns(command), view.columns.map((column) => column.key));
    });
  }
});
