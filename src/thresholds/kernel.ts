// thresholds-get and thresholds-set, with a missing context in plain words.
import { constants } from 'node:os';
import type { MutexClient } from '../netlink/client.js';
import { KernelError } from '../netlink/errors.js';
import type { ThresholdsAttrs } from '../spec/generated.js';

function noSuchContext(error: unknown, fdId: number | undefined): unknown {
  if (fdId !== undefined && error instanceof KernelError && error.errno === constants.errno.ENOENT && !error.extack.message) {
    return new KernelError({ errno: error.errno }, `no context with id ${fdId} in this network namespace`);
  }
  return error;
}

/** The global thresholds (no fd), or one context's effective thresholds. */
export async function getThresholds(client: MutexClient, fdId?: number): Promise<ThresholdsAttrs> {
  try {
    return await client.doRequest<'thresholds'>('thresholds-get', fdId === undefined ? {} : { fd_id: fdId });
  } catch (error) {
    throw noSuchContext(error, fdId);
  }
}

/** One thresholds-set request: the kernel validates every attribute before applying any. */
export async function setThresholds(client: MutexClient, attrs: Partial<ThresholdsAttrs>): Promise<void> {
  try {
    await client.doRequest<'thresholds'>('thresholds-set', attrs);
  } catch (error) {
    throw noSuchContext(error, attrs.fd_id);
  }
}
