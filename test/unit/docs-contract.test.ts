// docs/output.md is the contract scripts are written against: its column
// tables must list exactly the keys, in exactly the order, the views print.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { View } from '../../src/output/index.js';
import { alertView } from '../../src/views/alerts.js';
import { connView } from '../../src/views/conn.js';
import { fdView } from '../../src/views/fd.js';
import { statsView } from '../../src/views/stats.js';
import { documentedColumns } from './helpers/contract.js';

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
