// JSON Schemas (draft 2020-12) of every --json output, derived from the views
// the outputs are rendered from. scripts/gen-schemas.mjs writes them to
// docs/schema/; `npm run lint` fails when the files there are stale.
import { aggregateView } from '../export/aggregate.js';
import { EXPORT_JSON_VERSION, EXPORT_FORMATS } from '../export/render.js';
import { SCOPES } from '../export/snapshot.js';
import type { Column, View } from '../output/index.js';
import { alertView } from '../views/alerts.js';
import { TAKEN_NS } from '../views/common.js';
import { connView } from '../views/conn.js';
import { fdView } from '../views/fd.js';
import { rateView } from '../views/rate.js';
import { statsView } from '../views/stats.js';
import { thresholdChangesView, thresholdsView } from '../views/thresholds.js';

type Schema = { readonly [key: string]: unknown };

const BASE = 'https://github.com/mutexctl/mutexctl/docs/schema/';
const UINT: Schema = { type: 'integer', minimum: 0 };
/** An identifier: a u64 as decimal digits in a string (jq 1.6 and JavaScript read JSON numbers as doubles). */
const ID: Schema = { type: 'string', pattern: '^(0|[1-9][0-9]{0,19})$' };
const IP_ADDRESS: Schema = {
  anyOf: [
    { type: 'string', pattern: '^(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}$' },
    { type: 'string', pattern: '^[0-9a-f:]*:[0-9a-f:.]*$' },
  ],
};

function valueSchema(column: Column): Schema {
  const scalar = ((): Schema => {
    if (column.identifier === true) return ID;
    switch (column.kind) {
      case 'text':
        return column.values ? { type: 'string', enum: column.values } : { type: 'string' };
      case 'address':
        return IP_ADDRESS;
      case 'per-sec':
      case 'bytes-per-sec':
        return { type: 'number', minimum: 0 };
      default:
        return UINT;
    }
  })();
  if (column.tally) return { type: 'object', additionalProperties: UINT };
  return column.list ? { type: 'array', items: scalar } : scalar;
}

/**
 * One record of these views (a command's, and its --rate view's): the type of
 * every column it may hold; taken_ns (a --watch line) may lead. No key is
 * required: --columns keeps any selection, and a field the kernel did not send
 * is left out. Keys not named here are allowed: new fields are only ever
 * appended (docs/output.md), and a consumer validating against today's schema
 * must accept tomorrow's output.
 */
export function recordSchema(views: View | readonly View[], description: string): Schema {
  const properties: Record<string, Schema> = { [TAKEN_NS.key]: UINT };
  for (const view of Array.isArray(views) ? views : [views]) {
    for (const column of view.columns) properties[column.key] ??= { description: column.header, ...valueSchema(column) };
  }
  return { type: 'object', description, properties };
}

const list = (ref: string): Schema => ({ type: 'array', items: { $ref: ref } });

function document(name: string, title: string, defs: Record<string, Schema>, anyOf: Schema[]): Schema {
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: `${BASE}${name}.schema.json`, title, anyOf, $defs: defs };
}

/** Schema file name (without .schema.json) → schema. */
export function schemas(): Record<string, Schema> {
  const stats = recordSchema([statsView(), rateView(statsView())], 'Global statistics (mutexctl stats --json; with --rate, counters per second).');
  const fd = recordSchema([fdView(), rateView(fdView())], 'One context (mutexctl fd --json; with --rate, counters per second).');
  const conn = recordSchema([connView(), rateView(connView())], 'One flow (mutexctl conn --json; with --rate, counters per second).');
  const alert = recordSchema(alertView(), 'One alert event (mutexctl alerts --json; each line of --follow --json).');
  return {
    stats: document('stats', 'mutexctl stats --json', { stats }, [{ $ref: '#/$defs/stats' }]),
    fd: document('fd', 'mutexctl fd --json (and fd run --json, on stderr)', { fd }, [list('#/$defs/fd'), { $ref: '#/$defs/fd' }]),
    conn: document('conn', 'mutexctl conn --json', { conn }, [list('#/$defs/conn'), { $ref: '#/$defs/conn' }]),
    alerts: document('alerts', 'mutexctl alerts --json', { alert }, [list('#/$defs/alert'), { $ref: '#/$defs/alert' }]),
    thresholds: document(
      'thresholds',
      'mutexctl thresholds --json, thresholds set --json, thresholds apply --json',
      {
        global: recordSchema(thresholdsView('global'), 'The global thresholds.'),
        context: recordSchema(thresholdsView('context'), "A context's effective thresholds."),
        change: recordSchema(thresholdChangesView(), 'One planned or applied change.'),
      },
      [{ $ref: '#/$defs/global' }, { $ref: '#/$defs/context' }, list('#/$defs/change')],
    ),
    export: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: `${BASE}export.schema.json`,
      title: 'mutexctl export --format json',
      type: 'object',
      properties: {
        format: { const: 'mutex-export' },
        version: { const: EXPORT_JSON_VERSION },
        taken_ns: UINT,
        scopes: { type: 'array', items: { enum: [...SCOPES] }, uniqueItems: true },
        stats,
        fds: { type: 'array', items: fd },
        aggregate: recordSchema(aggregateView(), 'The contexts folded into one (--aggregate).'),
        conns: { type: 'array', items: conn },
        alerts: { type: 'array', items: alert },
      },
      required: ['format', 'version', 'taken_ns', 'scopes'],
      $comment: `Formats: ${EXPORT_FORMATS.join(', ')}; only json has a JSON Schema.`,
    },
  };
}
