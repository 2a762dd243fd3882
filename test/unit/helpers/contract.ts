// The documented output contract (docs/output.md) and the figure catalog, for
// tests that check a view's output without writing its column list again.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { attributeSets, figures } from '../../../src/spec/generated.js';

const doc = readFileSync(join(import.meta.dirname, '../../../../docs/output.md'), 'utf8');

/** The keys docs/output.md documents for a command's --json/--csv output, in order. */
export function documentedColumns(command: string): string[] {
  const start = doc.indexOf(`## \`mutexctl ${command} --json | --csv\``);
  if (start < 0) throw new Error(`docs/output.md has no section for ${command}`);
  const end = doc.indexOf('\n## ', start + 3);
  return [...doc.slice(start, end < 0 ? undefined : end).matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((m) => m[1]!);
}

/** One CSV record as key → field, from a header line and a data line. */
export function csvRecord(header: string, row: string): Record<string, string> {
  const keys = header.split(',');
  const fields = row.split(',');
  return Object.fromEntries(keys.map((key, i) => [key, fields[i] ?? '']));
}

/** attrs with every numeric figure of the set it lacks set to 0: a fixture that stays complete as figures are added. */
export function withEveryFigure<T extends object>(set: 'stats' | 'fd' | 'conn', attrs: T): T {
  const complete: Record<string, unknown> = { ...(attrs as Record<string, unknown>) };
  for (const spec of attributeSets[set] ?? []) {
    const figure = figures[set]?.[spec.key];
    if (!figure || spec.key in complete || spec.multi) continue;
    if (spec.type === 'u64') complete[spec.key] = 0n;
    else if (spec.type === 'u8' || spec.type === 'u16' || spec.type === 'u32') complete[spec.key] = 0;
    else if (spec.type === 'string') complete[spec.key] = '';
  }
  return complete as T;
}
