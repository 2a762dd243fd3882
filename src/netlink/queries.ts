// The read operations every command shares: dumps retried when interrupted,
// and "not found" errors that name what was asked for.
import { constants } from 'node:os';
import { KernelError } from './errors.js';
import type { MutexClient } from './client.js';
import type { ConnAttrs, FdAttrs } from '../spec/generated.js';

/** Every context of this network namespace (an interrupted dump is retried). */
export async function listFds(client: MutexClient): Promise<FdAttrs[]> {
  return client.dumpConsistent<'fd'>('fd-get');
}

/** `request`, with the kernel's ENOENT said in words: "no context with id 3 in this network namespace". */
async function orNotFound<T>(request: Promise<T>, what: string): Promise<T> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof KernelError && error.errno === constants.errno.ENOENT) {
      throw new KernelError({ errno: error.errno }, `no ${what} in this network namespace`);
    }
    throw error;
  }
}

/** One context by id; a plain "no context" error when the kernel has none. */
export async function getFd(client: MutexClient, id: number): Promise<FdAttrs> {
  return orNotFound(client.doRequest<'fd'>('fd-get', { id }), `context with id ${id}`);
}

export interface ConnFilters {
  fdId?: number;
  /** IP protocol number. */
  protocol?: number;
  /** flow-state value. */
  state?: number;
}

/** Every flow matching `filters` (the kernel filters; an interrupted dump is retried). */
export async function listConns(client: MutexClient, filters: ConnFilters = {}): Promise<ConnAttrs[]> {
  const request: Partial<ConnAttrs> = {};
  if (filters.fdId !== undefined) request.fd_id = filters.fdId;
  if (filters.protocol !== undefined) request.protocol = filters.protocol;
  if (filters.state !== undefined) request.state = filters.state;
  return client.dumpConsistent<'conn'>('conn-get', request);
}

/** One flow by id; a plain "no connection" error when the kernel has none. */
export async function getConn(client: MutexClient, id: bigint): Promise<ConnAttrs> {
  return orNotFound(client.doRequest<'conn'>('conn-get', { id }), `connection with id ${id}`);
}
