// Every request mutexctl makes of the `mutex` generic netlink family: one
// typed function per operation of kernel/mutex.yaml, each resolving with its
// reply's attributes, and the `alerts` multicast group. Dumps are retried while
// the kernel marks them interrupted. Nothing above this module names an
// operation by its string, and a missing context or connection is put in words
// here, in one place.
import { constants } from 'node:os';
import { withMutexClient, type MutexClient } from '../netlink/client.js';
import { DumpInconsistentError, KernelError } from '../netlink/errors.js';
import type { AlertAttrs, ConnAttrs, FdAttrs, StatsAttrs, ThresholdsAttrs } from '../spec/generated.js';

export { withMutexClient, type MutexClient };

const { ENOENT } = constants.errno;

/** The object a request names by id, for the error when the kernel has none. */
interface Named {
  /** "context with id 3". */
  readonly what: string;
  /** Keep the kernel's own message when it gave one (it names the attribute). */
  readonly keepKernelMessage?: boolean;
}

/** `request`, with the kernel's ENOENT said in words: "no context with id 3 in this network namespace". */
async function orNotFound<T>(request: Promise<T>, named: Named | undefined): Promise<T> {
  try {
    return await request;
  } catch (error) {
    if (
      named !== undefined &&
      error instanceof KernelError &&
      error.errno === ENOENT &&
      !(named.keepKernelMessage && error.extack.message)
    ) {
      throw new KernelError({ errno: error.errno }, `no ${named.what} in this network namespace`);
    }
    throw error;
  }
}

// ---- statistics, contexts, connections ----------------------------------------

/** The global statistics of this network namespace (stats-get). */
export function statsGet(client: MutexClient): Promise<StatsAttrs> {
  return client.doRequest<'stats'>('stats-get');
}

/** One context by id (fd-get); "no context with id N" when the kernel has none. */
export function fdGet(client: MutexClient, id: number): Promise<FdAttrs> {
  return orNotFound(client.doRequest<'fd'>('fd-get', { id }), { what: `context with id ${id}` });
}

/** Every context of this network namespace (fd-get dump). */
export function fdList(client: MutexClient): Promise<FdAttrs[]> {
  return client.dumpConsistent<'fd'>('fd-get');
}

/** A prefix of addresses: the first `prefix` bits of `addr` (4 or 16 bytes). */
export interface AddressPrefix {
  addr: Uint8Array;
  prefix: number;
}

export interface PortRange {
  lo: number;
  hi: number;
}

/** What a listing keeps; the kernel applies every filter given. */
export interface ConnFilters {
  fdId?: number;
  /** IP protocol number. */
  protocol?: number;
  /** flow-state value. */
  state?: number;
  /** AF_INET (2) or AF_INET6 (10). */
  family?: number;
  local?: AddressPrefix;
  remote?: AddressPrefix;
  localPorts?: PortRange;
  remotePorts?: PortRange;
  /** The process that last sent on the flow, by pid in our pid namespace or by command name. */
  pid?: number;
  comm?: string;
}

/** One flow by id (conn-get); "no connection with id N" when the kernel has none. */
export function connGet(client: MutexClient, id: bigint): Promise<ConnAttrs> {
  return orNotFound(client.doRequest<'conn'>('conn-get', { id }), { what: `connection with id ${id}` });
}

/** Every flow matching `filters` (conn-get dump; the kernel filters). */
export function connList(client: MutexClient, filters: ConnFilters = {}): Promise<ConnAttrs[]> {
  const request: Partial<ConnAttrs> = {};
  if (filters.fdId !== undefined) request.fd_id = filters.fdId;
  if (filters.protocol !== undefined) request.protocol = filters.protocol;
  if (filters.state !== undefined) request.state = filters.state;
  if (filters.family !== undefined) request.family = filters.family;
  if (filters.local) {
    request.local_addr = filters.local.addr;
    request.local_prefix_len = filters.local.prefix;
  }
  if (filters.remote) {
    request.remote_addr = filters.remote.addr;
    request.remote_prefix_len = filters.remote.prefix;
  }
  if (filters.localPorts) {
    request.local_port = filters.localPorts.lo;
    request.local_port_max = filters.localPorts.hi;
  }
  if (filters.remotePorts) {
    request.remote_port = filters.remotePorts.lo;
    request.remote_port_max = filters.remotePorts.hi;
  }
  if (filters.pid !== undefined) request.pid = filters.pid;
  if (filters.comm !== undefined) request.comm = filters.comm;
  return client.dumpConsistent<'conn'>('conn-get', request);
}

// ---- alerts ----------------------------------------------------------------------

export interface AlertFilters {
  /** Alerts with a sequence number above this one. */
  readonly sinceSeq?: bigint;
  /** alert-type value. */
  readonly type?: number;
  readonly fdId?: number;
}

const bySeq = (a: AlertAttrs, b: AlertAttrs): number => {
  const sa = a.seq ?? 0n;
  const sb = b.seq ?? 0n;
  return sa < sb ? -1 : sa > sb ? 1 : 0;
};

/** The alerts in the ring matching `filters` (alert-get dump; the kernel filters), oldest first. */
export async function alertList(client: MutexClient, filters: AlertFilters = {}): Promise<AlertAttrs[]> {
  const request: Partial<AlertAttrs> = {};
  if (filters.sinceSeq !== undefined) request.since_seq = filters.sinceSeq;
  if (filters.fdId !== undefined) request.fd_id = filters.fdId;
  if (filters.type !== undefined) request.type = filters.type;
  const alerts = await client.dumpConsistent<'alert'>('alert-get', request);
  return alerts.sort(bySeq);
}

/** Empties the ring (alert-clear; CAP_NET_ADMIN). */
export async function alertClear(client: MutexClient): Promise<void> {
  await client.doRequest<'alert'>('alert-clear');
}

/**
 * Joins the `alerts` group: `onAlert` gets each alert as it is raised or
 * cleared, `onOverrun` is called when notifications were lost to a full
 * socket buffer. Returns the function that leaves the group.
 */
export function subscribeAlerts(client: MutexClient, onAlert: (alert: AlertAttrs) => void, onOverrun?: () => void): () => void {
  return client.subscribe(
    'alerts',
    (notification) => {
      if (notification.operation === 'alert-ntf') onAlert(notification.attributes as AlertAttrs);
    },
    onOverrun,
  );
}

/** Errors a re-read of a dump may meet while the socket catches up; worth another try. */
export function isTransient(error: unknown): boolean {
  if (error instanceof DumpInconsistentError) return true;
  if (!(error instanceof KernelError) || error.errno === undefined) return false;
  const { ENOBUFS, EBUSY, EAGAIN, EINTR, ETIMEDOUT } = constants.errno;
  return [ENOBUFS, EBUSY, EAGAIN, EINTR, ETIMEDOUT].includes(error.errno);
}

// ---- thresholds --------------------------------------------------------------------

/** A context's thresholds request: "no context with id N" unless the kernel said more. */
const thresholdsOf = (fdId: number | undefined): Named | undefined =>
  fdId === undefined ? undefined : { what: `context with id ${fdId}`, keepKernelMessage: true };

/** The global thresholds (no fd), or one context's effective thresholds (thresholds-get). */
export function thresholdsGet(client: MutexClient, fdId?: number): Promise<ThresholdsAttrs> {
  return orNotFound(client.doRequest<'thresholds'>('thresholds-get', fdId === undefined ? {} : { fd_id: fdId }), thresholdsOf(fdId));
}

/** One thresholds-set request (CAP_NET_ADMIN): the kernel validates every attribute before applying any. */
export async function thresholdsSet(client: MutexClient, attrs: Partial<ThresholdsAttrs>): Promise<void> {
  await orNotFound(client.doRequest<'thresholds'>('thresholds-set', attrs), thresholdsOf(attrs.fd_id));
}
