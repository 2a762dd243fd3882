// A snapshot: what one `mutexctl export` read from the kernel, as the kernel
// sent it (decoded attributes, not rows), so that every format — including the
// binary one that stores the kernel's own encoding — is rendered from it.
import { UsageError } from '../errors.js';
import { alertList, connList, fdGet, fdList, statsGet, type MutexClient } from '../kernel/operations.js';
import type { AlertAttrs, ConnAttrs, FdAttrs, StatsAttrs } from '../spec/generated.js';

export const SCOPES = ['global', 'fd', 'conn', 'alerts'] as const;
export type Scope = (typeof SCOPES)[number];

export interface Snapshot {
  /** Wall-clock time the snapshot was taken, ns since the Unix epoch. */
  readonly takenNs: bigint;
  readonly scopes: readonly Scope[];
  readonly stats?: StatsAttrs;
  readonly fds?: readonly FdAttrs[];
  readonly conns?: readonly ConnAttrs[];
  readonly alerts?: readonly AlertAttrs[];
}

export interface CaptureOptions {
  readonly scopes: readonly Scope[];
  /** Only these contexts (and their flows and alerts); every one must exist. */
  readonly fdIds?: readonly number[];
}

/** `global,fd,...`: each scope once, in the order of SCOPES. */
export function parseScopes(text: string): Scope[] {
  const names = text.split(',').map((item) => item.trim().toLowerCase());
  for (const name of names) {
    if (!(SCOPES as readonly string[]).includes(name)) {
      throw new UsageError(`--sections: unknown section "${name}"; use a comma-separated list of: ${SCOPES.join(', ')}`);
    }
  }
  return SCOPES.filter((scope) => names.includes(scope));
}

export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

export async function captureSnapshot(client: MutexClient, options: CaptureOptions): Promise<Snapshot> {
  const { scopes, fdIds } = options;
  const wanted = fdIds === undefined ? undefined : new Set(fdIds);
  const takenNs = nowNs();
  const snapshot: { -readonly [K in keyof Snapshot]: Snapshot[K] } = { takenNs, scopes };
  if (scopes.includes('global')) snapshot.stats = await statsGet(client);
  if (scopes.includes('fd')) {
    snapshot.fds =
      fdIds === undefined ? await fdList(client) : await Promise.all(fdIds.map((id) => fdGet(client, id)));
  } else if (fdIds !== undefined) {
    // Still an error to name a context that does not exist.
    await Promise.all(fdIds.map((id) => fdGet(client, id)));
  }
  if (scopes.includes('conn')) {
    snapshot.conns =
      fdIds === undefined
        ? await connList(client)
        : (await Promise.all(fdIds.map((fdId) => connList(client, { fdId })))).flat();
  }
  if (scopes.includes('alerts')) {
    const alerts = await alertList(client);
    snapshot.alerts = wanted === undefined ? alerts : alerts.filter((alert) => alert.fd_id !== undefined && wanted.has(alert.fd_id));
  }
  return snapshot;
}
