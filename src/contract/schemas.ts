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
const IP_ADDRESS: Schema = {
  anyOf: [
    { type: 'string', pattern: '^(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}$' },
    { type: 'string', pattern: '^[0-9a-f:]*:[0-9a-f:.]*$' },
  ],
};

function valueSchema(column: Column): Schema {
  const scalar = ((): Schema => {
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

/** One record of `view`: every column required, nothing else; taken_ns (a --watch line) may lead. */
export function recordSchema(view: View, description: string): Schema {
  const properties: Record<string, Schema> = { [TAKEN_NS.key]: UINT };
  for (const column of view.columns) properties[column.key] = { description: column.header, ...valueSchema(column) };
  return {
    type: 'object',
    description,
    properties,
    required: view.columns.map((column) => column.key),
    additionalProperties: false,
  };
}

const list = (ref: string): Schema => ({ type: 'array', items: { $ref: ref } });

function document(name: string, title: string, defs: Record<string, Schema>, anyOf: Schema[]): Schema {
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: `${BASE}${name}.schema.json`, title, anyOf, $defs: defs };
}

/** Schema file name (without .schema.json) → schema. */
export function schemas(): Record<string, Schema> {
  const stats = recordSchema(statsView(), 'Global statistics (mutexctl stats --json).');
  const fd = recordSchema(fdView(), 'One context (mutexctl fd --json).');
  const conn = recordSchema(connView(), 'One flow (mutexctl conn --json).');
  const alert = recordSchema(alertView(), 'One alert event (mutexctl alerts --json; each line of --follow --json).');
  return {
    stats: document('stats', 'mutexctl stats --json', { stats, stats_rate: recordSchema(rateView(statsView()), 'stats --rate: counters per second.') }, [
      { $ref: '#/$defs/stats' },
      { $ref: '#/$defs/stats_rate' },
    ]),
    fd: document('fd', 'mutexctl fd --json (and fd run --json, on stderr)', { fd, fd_rate: recordSchema(rateView(fdView()), 'fd --rate: counters per second.') }, [
      list('#/$defs/fd'),
      { $ref: '#/$defs/fd' },
      list('#/$defs/fd_rate'),
      { $ref: '#/$defs/fd_rate' },
    ]),
    conn: document('conn', 'mutexctl conn --json', { conn, conn_rate: recordSchema(rateView(connView()), 'conn --rate: counters per second.') }, [
      list('#/$defs/conn'),
      { $ref: '#/$defs/conn' },
      list('#/$defs/conn_rate'),
      { $ref: '#/$defs/conn_rate' },
    ]),
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
      additionalProperties: false,
      $comment: `Formats: ${EXPORT_FORMATS.join(', ')}; only json has a JSON Schema.`,
    },
  };
}
