// What stats, fd and conn read for --watch and --rate: the rows of one
// snapshot, how a row is recognised in the next one, and when it started counting.
import { connEach, connGet, connList, fdGet, fdList, statsGet, type ConnFilters, type MutexClient } from '../kernel/operations.js';
import type { Row } from '../output/index.js';
import { connRow, connView } from '../views/conn.js';
import { fdRow, fdView } from '../views/fd.js';
import { statsRow, statsView } from '../views/stats.js';
import type { LiveSource } from './live.js';

const bigintOf = (value: Row[string]): bigint | undefined => (typeof value === 'bigint' ? value : typeof value === 'number' ? BigInt(value) : undefined);

export function statsSource(): LiveSource {
  return {
    name: 'stats',
    shape: 'record',
    view: statsView(),
    identity: () => 'global',
    startNs: (row) => bigintOf(row.load_time_ns),
    fetch: async (client: MutexClient) => [statsRow(await statsGet(client))],
  };
}

/** Every context, or the one with `id`. */
export function fdSource(id?: number): LiveSource {
  return {
    name: 'fd',
    shape: id === undefined ? 'list' : 'record',
    view: fdView(),
    identity: (row) => String(row.id),
    startNs: (row) => bigintOf(row.created_ns),
    fetch: async (client) => (id === undefined ? (await fdList(client)).map(fdRow) : [fdRow(await fdGet(client, id))]),
  };
}

/** The flows matching `filters`, or the one with `id`. */
export function connSource(filters: ConnFilters, id?: bigint): LiveSource {
  return {
    name: 'conn',
    shape: id === undefined ? 'list' : 'record',
    view: connView(),
    identity: (row) => String(row.id),
    startNs: (row) => bigintOf(row.start_ns),
    fetch: async (client) => (id === undefined ? (await connList(client, filters)).map(connRow) : [connRow(await connGet(client, id))]),
    each: id === undefined ? (client, onRows) => connEach(client, filters, (flows, interrupted) => onRows(flows.map(connRow), interrupted)) : undefined,
  };
}
