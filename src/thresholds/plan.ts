// Applying a thresholds file: read what the kernel has now for every scope the
// file names, work out what changes (the diff people review), then send one
// thresholds-set per scope that changes: global first, then the contexts. The
// kernel applies each request all-or-nothing; across requests, a failure
// rolls back the ones already applied, newest first, so the file as a whole
// is applied all-or-nothing too.
import { describeError, MutexctlError } from '../errors.js';
import { thresholdsGet, thresholdsSet, type MutexClient } from '../kernel/operations.js';
import type { ThresholdsAttrs } from '../spec/generated.js';
import { DISABLED_OVERRIDE_BIT, FIELDS, type FieldName } from './fields.js';
import type { ScopeSettings, ThresholdsFile } from './file.js';
import { describeMask, requestAttrs, resolveDisabled, valuesOf } from './settings.js';

export interface FieldChange {
  /** The context; undefined for the global defaults. */
  readonly fdId?: number;
  /** The JSON key of the field (`latency_us`, …, `disabled`). */
  readonly key: string;
  /** How people name it (`latency`, …, `disabled`). */
  readonly name: string;
  /** What the kernel has now; undefined when its reply did not say. */
  readonly from?: bigint;
  readonly to: bigint;
  /** A context's value so far came from the global defaults (it had no override). */
  readonly inherited: boolean;
}

export interface ScopePlan {
  readonly fdId?: number;
  /** The kernel's thresholds-get reply before anything is applied. */
  readonly before: ThresholdsAttrs;
  /** The thresholds-set request; undefined when nothing in this scope changes. */
  readonly request?: Partial<ThresholdsAttrs>;
  readonly changes: readonly FieldChange[];
}

function overrides(before: ThresholdsAttrs, bit: number | undefined): boolean {
  return bit !== undefined && ((before.overridden ?? 0) >>> bit) & 1 ? true : false;
}

/**
 * What one scope's settings change against the kernel's current values.
 * `globalDisabled`: the global mask the same apply sets, if it does; a context
 * that does not override its mask inherits it, and disable=/enable= of the
 * context start from there.
 */
export function planScope(before: ThresholdsAttrs, scope: ScopeSettings, globalDisabled?: number): ScopePlan {
  const { fdId, settings } = scope;
  const context = fdId !== undefined;
  const current = valuesOf(before);
  const changes: FieldChange[] = [];
  const values: Partial<Record<FieldName, bigint>> = {};
  for (const field of FIELDS) {
    const to = settings.values[field.name];
    if (to === undefined) continue;
    const from = current[field.name];
    const inherited = context && !overrides(before, field.overrideBit);
    if (from === to && !inherited) continue;
    values[field.name] = to;
    changes.push({ fdId, key: field.key, name: field.name, from, to, inherited });
  }
  const inheritsMask = context && !overrides(before, DISABLED_OVERRIDE_BIT);
  let disabled = resolveDisabled(settings, inheritsMask && globalDisabled !== undefined ? globalDisabled : before.disabled);
  if (disabled !== undefined) {
    const from = before.disabled;
    if (from === disabled && !inheritsMask) disabled = undefined;
    else changes.push({ fdId, key: 'disabled', name: 'disabled', from: from === undefined ? undefined : BigInt(from), to: BigInt(disabled), inherited: inheritsMask });
  }
  const request = changes.length > 0 ? requestAttrs(fdId, values, disabled) : undefined;
  return { fdId, before, request, changes };
}

/**
 * The request that puts a scope back as it was: the global fields it changed
 * at their old values; for a context, its overrides dropped (reset) and the
 * ones it had re-applied.
 */
export function rollbackRequest(plan: ScopePlan): Partial<ThresholdsAttrs> {
  const { before, fdId } = plan;
  const old = valuesOf(before);
  const values: Partial<Record<FieldName, bigint>> = {};
  if (fdId === undefined) {
    for (const change of plan.changes) {
      const field = FIELDS.find((candidate) => candidate.key === change.key);
      if (field && old[field.name] !== undefined) values[field.name] = old[field.name];
    }
    const disabledChanged = plan.changes.some((change) => change.key === 'disabled');
    return requestAttrs(undefined, values, disabledChanged ? before.disabled : undefined);
  }
  for (const field of FIELDS) {
    if (overrides(before, field.overrideBit) && old[field.name] !== undefined) values[field.name] = old[field.name];
  }
  return requestAttrs(fdId, values, overrides(before, DISABLED_OVERRIDE_BIT) ? before.disabled : undefined, true);
}

export function scopeName(fdId: number | undefined): string {
  return fdId === undefined ? 'global' : `fd ${fdId}`;
}

function formatFieldValue(key: string, value: bigint | undefined): string {
  if (value === undefined) return '?';
  if (key === 'disabled') return describeMask(Number(value));
  const field = FIELDS.find((candidate) => candidate.key === key);
  return field ? field.format(value) : value.toString();
}

/** `global latency: 500 ms -> 200 ms`; `fd 3 latency: 500 ms (global) -> 100 ms`. */
export function describeChange(change: FieldChange): string {
  const from = `${formatFieldValue(change.key, change.from)}${change.inherited ? ' (global)' : ''}`;
  return `${scopeName(change.fdId)} ${change.name}: ${from} -> ${formatFieldValue(change.key, change.to)}`;
}

/** Reads the current thresholds of every scope of the file (nothing is changed yet). */
export async function planFile(client: MutexClient, file: ThresholdsFile): Promise<ScopePlan[]> {
  const plans: ScopePlan[] = [];
  let globalDisabled: number | undefined;
  for (const scope of file.scopes) {
    const plan = planScope(await thresholdsGet(client, scope.fdId), scope, globalDisabled);
    if (scope.fdId === undefined) globalDisabled = plan.request?.disabled;
    plans.push(plan);
  }
  return plans;
}

/** A request of the file failed; the ones before it were rolled back (or could not be: `rollbackFailures`). */
export class ApplyError extends MutexctlError {
  constructor(
    message: string,
    readonly reason: unknown,
    readonly rolledBack: readonly string[],
    readonly rollbackFailures: readonly string[],
  ) {
    super(message);
  }
}

/**
 * Sends the plans' requests in order. When one fails, the ones already applied
 * are rolled back newest first, and an ApplyError says what happened.
 */
export async function applyPlans(client: MutexClient, plans: readonly ScopePlan[]): Promise<ScopePlan[]> {
  const applied: ScopePlan[] = [];
  for (const plan of plans) {
    if (plan.request === undefined) continue;
    try {
      await thresholdsSet(client, plan.request);
    } catch (error) {
      const rolledBack: string[] = [];
      const failures: string[] = [];
      for (const done of [...applied].reverse()) {
        try {
          await thresholdsSet(client, rollbackRequest(done));
          rolledBack.push(scopeName(done.fdId));
        } catch (rollbackError) {
          failures.push(`${scopeName(done.fdId)} (${describeError(rollbackError).message})`);
        }
      }
      let message = `${scopeName(plan.fdId)}: ${describeError(error).message}`;
      if (applied.length === 0) message += '; nothing was changed';
      else if (rolledBack.length > 0) message += `; rolled back ${rolledBack.join(', ')}`;
      if (failures.length > 0) message += `; could not roll back ${failures.join(', ')}: those thresholds are left as the file set them`;
      throw new ApplyError(message, error, rolledBack, failures);
    }
    applied.push(plan);
  }
  return applied;
}
