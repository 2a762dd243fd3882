// What the thresholds commands do: show the global or a context's thresholds,
// set some in one request, reset them, and apply a file all or nothing.
import { thresholdsGet, thresholdsSet, withMutexClient, type MutexClient } from '../kernel/operations.js';
import { escapeControl, PLAIN_TABLE, renderView, selectColumns, tableStyle, writeOutput, type TableStyle } from '../output/index.js';
import type { ThresholdsAttrs } from '../spec/generated.js';
import { loadThresholdsFile } from '../thresholds/file.js';
import { applyPlans, describeChange, planFile, scopeName } from '../thresholds/plan.js';
import { describeMask, describeSettings, needsCurrentMask, requestAttrs, resolveDisabled, type ThresholdSettings } from '../thresholds/settings.js';
import {
  thresholdChangeRow,
  thresholdChangesView,
  thresholdsRow,
  thresholdsTableRows,
  thresholdsTableView,
  thresholdsView,
  type ThresholdsScope,
} from '../views/thresholds.js';
import { outputFormat, printView, shownView, type OutputFlags } from './print.js';

const scopeOf = (fdId: number | undefined): ThresholdsScope => (fdId === undefined ? 'global' : 'context');

/** A thresholds-get reply as `mutexctl thresholds` prints it, in the format the flags ask for. */
export function renderThresholds(attrs: ThresholdsAttrs, scope: ThresholdsScope, flags: OutputFlags, style: TableStyle = PLAIN_TABLE): string {
  const format = outputFormat(flags);
  const { boxed, color } = style;
  if (flags.columns !== undefined) {
    return renderView(selectColumns(thresholdsView(scope), flags.columns), [thresholdsRow(attrs)], { format, shape: 'record', header: flags.header, boxed, color });
  }
  if (format === 'table') {
    return renderView(thresholdsTableView(scope), thresholdsTableRows(attrs, scope), { format, shape: 'list', header: flags.header, boxed, color });
  }
  return renderView(thresholdsView(scope), [thresholdsRow(attrs)], { format, shape: 'record', header: flags.header, boxed, color });
}

export async function printThresholds(attrs: ThresholdsAttrs, scope: ThresholdsScope, flags: OutputFlags): Promise<void> {
  await writeOutput(renderThresholds(attrs, scope, flags, tableStyle(process.stdout)));
}

/** `thresholds [--fd ID]`. */
export async function showThresholds(fdId: number | undefined, flags: OutputFlags): Promise<void> {
  const scope = scopeOf(fdId);
  shownView(thresholdsView(scope), flags); // a bad --columns is a usage error before the kernel is asked
  const attrs = await withMutexClient((client) => thresholdsGet(client, fdId));
  await printThresholds(attrs, scope, flags);
}

export interface SetResult {
  /** The request sent. */
  request: Partial<ThresholdsAttrs>;
  /** The normalised echo: "latency 200 ms (200000 us)", … */
  lines: string[];
}

/**
 * Sends `settings` for one scope in a single thresholds-set request (the kernel
 * applies all of it or none). disable=/enable= change the mask in force, read first.
 */
export async function applySettings(client: MutexClient, fdId: number | undefined, settings: ThresholdSettings): Promise<SetResult> {
  const current = needsCurrentMask(settings) ? (await thresholdsGet(client, fdId)).disabled : undefined;
  const disabled = resolveDisabled(settings, current);
  const request = requestAttrs(fdId, settings.values, disabled);
  await thresholdsSet(client, request);
  return { request, lines: describeSettings(settings.values, disabled) };
}

/** `thresholds set`: the values echoed normalised, or with --json/--csv the thresholds that result. */
export async function changeThresholds(fdId: number | undefined, settings: ThresholdSettings, flags: OutputFlags): Promise<void> {
  const scope = scopeOf(fdId);
  await withMutexClient(async (client) => {
    const result = await applySettings(client, fdId, settings);
    if (flags.json || flags.csv) {
      await printThresholds(await thresholdsGet(client, fdId), scope, flags);
    } else {
      await writeOutput(result.lines.map((line) => `${line}\n`).join(''));
    }
  });
}

/** `thresholds reset`: the defaults back, or a context's overrides dropped. */
export async function resetThresholds(fdId: number | undefined, flags: OutputFlags): Promise<void> {
  await withMutexClient(async (client) => {
    await thresholdsSet(client, fdId === undefined ? { reset: true } : { fd_id: fdId, reset: true });
    if (flags.json || flags.csv) {
      await printThresholds(await thresholdsGet(client, fdId), scopeOf(fdId), flags);
    } else {
      await writeOutput(
        fdId === undefined ? 'global thresholds reset to the defaults\n' : `context ${fdId}: overrides dropped, global thresholds apply\n`,
      );
    }
  });
}

/** What a checked file would set in one scope: "latency 200 ms (200000 us), disable packet_drop". */
function describeScopeSettings(settings: ThresholdSettings): string {
  const parts = describeSettings(settings.values, settings.disabled);
  if (settings.disable !== 0) parts.push(`disable ${describeMask(settings.disable)}`);
  if (settings.enable !== 0) parts.push(`enable ${describeMask(settings.enable)}`);
  return parts.length === 0 ? 'nothing' : parts.join(', ');
}

/**
 * `thresholds apply --check FILE`: the file checked as apply checks it, and
 * what it sets, without the module (no netlink, no /dev/mutex). A problem is a
 * usage error (exit 2) naming where it is.
 */
export async function checkThresholdsFile(path: string): Promise<void> {
  const file = await loadThresholdsFile(path);
  const lines = file.scopes.map((scope) => `${scopeName(scope.fdId)}: ${describeScopeSettings(scope.settings)}`);
  await writeOutput(`${path === '-' ? 'stdin' : escapeControl(path)}: valid\n${lines.map((line) => `  ${line}\n`).join('')}`);
}

/** `thresholds apply FILE`: the changes printed, then (unless `dryRun`) applied all or nothing. */
export async function applyThresholdsFile(path: string, dryRun: boolean, flags: OutputFlags): Promise<void> {
  const file = await loadThresholdsFile(path);
  const table = !flags.json && !flags.csv;
  await withMutexClient(async (client) => {
    const plans = await planFile(client, file);
    const changes = plans.flatMap((plan) => plan.changes);
    if (table) {
      await writeOutput(changes.length === 0 ? 'no changes\n' : changes.map((change) => `${describeChange(change)}\n`).join(''));
    } else {
      await printView(thresholdChangesView(), changes.map(thresholdChangeRow), 'list', flags);
    }
    if (dryRun || changes.length === 0) {
      if (table && changes.length > 0) await writeOutput('dry run: nothing applied\n');
      return;
    }
    const applied = await applyPlans(client, plans);
    if (table) await writeOutput(`applied: ${applied.map((plan) => scopeName(plan.fdId)).join(', ')}\n`);
  });
}
