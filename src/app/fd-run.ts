// What `fd run` does: opens a context on /dev/mutex, gives it the selector (a
// fresh cgroup for the command when the scope asks for one and cgroup v2 allows
// it, else mutexctl's own process tree), runs the command, and when it ends
// prints the context's statistics on stderr.
import { CGROUP_ROOT, cgroupV2Writable, createCgroup, removeCgroup, tryRemoveCgroup } from '../context/cgroup.js';
import { exitStatus, runChild, type ChildOutcome } from '../context/child.js';
import { selectorLine, type ScopeChoice, type SelectorParts } from '../context/selector.js';
import { describeErrno, describeError, ExitCode, MutexctlError, UsageError } from '../errors.js';
import { ContextDevice } from '../kernel/device.js';
import { fdGet, withMutexClient } from '../kernel/operations.js';
import { escapeControl, writeOutput } from '../output/index.js';
import { fdRow, fdView } from '../views/fd.js';
import { outputFormat, printView, shownView, type OutputFlags } from './print.js';

export interface RunRequest {
  /** CMD and its arguments. */
  readonly command: readonly string[];
  /** The selector but its scope, checked. */
  readonly parts: Omit<SelectorParts, 'scope'>;
  readonly scope: ScopeChoice;
  /** How the report is printed (on stderr). */
  readonly flags: OutputFlags;
  /** mutexctl's name, for messages. */
  readonly bin: string;
}

interface Placement {
  /** The cgroup made for the command, to start it in and remove afterwards. */
  cgroup?: string;
}

/** Runs the command in a fresh context and reports; resolves with the exit status to leave with (the command's). */
export async function runInContext(request: RunRequest): Promise<number> {
  const { command, parts, scope, bin } = request;
  shownView(fdView(), request.flags); // a bad --columns is a usage error before /dev/mutex is opened
  const device = ContextDevice.open();
  const placement: Placement = {};
  try {
    let selector = applySelector(device, parts, scope, placement);
    let outcome = await runChild(command, { cgroup: placement.cgroup });
    if (placement.cgroup !== undefined && outcome.joinedCgroup === false && !outcome.spawnError) {
      // The wrapper could not join the cgroup, and the command never ran.
      if (scope.kind !== 'auto') throw new MutexctlError(`could not move the command into the cgroup ${placement.cgroup}`);
      await dropCgroup(placement, bin);
      selector = applySelector(device, parts, { kind: 'own-pid' }, placement);
      outcome = await runChild(command);
    }
    if (outcome.spawnError) {
      const errno = outcome.spawnError.errno;
      const reason = errno === undefined ? outcome.spawnError.message : describeErrno(-errno);
      await writeOutput(`${bin}: cannot run "${escapeControl(command[0]!)}": ${reason}\n`, process.stderr);
      return exitStatus(outcome);
    }
    return await report(device, selector, command, outcome, request);
  } finally {
    device.close();
    await dropCgroup(placement, bin);
  }
}

/** Decides the scope (making the cgroup if it needs one), writes the selector, returns it. */
function applySelector(device: ContextDevice, parts: Omit<SelectorParts, 'scope'>, scope: ScopeChoice, placement: Placement): string {
  const ownPid = `pid:${process.pid}`;
  switch (scope.kind) {
    case 'fixed':
    case 'own-pid': {
      const line = selectorLine({ ...parts, scope: scope.kind === 'fixed' ? scope.text : ownPid });
      device.setSelector(line);
      return line;
    }
    case 'new-cgroup':
    case 'auto': {
      if (!cgroupV2Writable()) {
        if (scope.kind === 'auto') return applySelector(device, parts, { kind: 'own-pid' }, placement);
        throw new MutexctlError(`--scope cgroup needs cgroup v2 mounted at ${CGROUP_ROOT} and writable (try --scope pid)`);
      }
      try {
        placement.cgroup = createCgroup();
      } catch (error) {
        if (scope.kind === 'auto') return applySelector(device, parts, { kind: 'own-pid' }, placement);
        throw new MutexctlError(`cannot create a cgroup for the command: ${(error as Error).message}`);
      }
      const line = selectorLine({ ...parts, scope: `cgroup:${placement.cgroup}` });
      try {
        device.setSelector(line);
        return line;
      } catch (error) {
        // A kernel that cannot resolve the new cgroup (another cgroup namespace): the process tree will do.
        if (scope.kind !== 'auto' || !(error instanceof UsageError)) throw error;
        rmdirQuietly(placement);
        return applySelector(device, parts, { kind: 'own-pid' }, placement);
      }
    }
  }
}

async function dropCgroup(placement: Placement, bin: string): Promise<void> {
  const { cgroup } = placement;
  if (cgroup === undefined) return;
  placement.cgroup = undefined;
  if (!(await removeCgroup(cgroup))) {
    await writeOutput(`${bin}: warning: could not remove ${cgroup} (processes still in it?)\n`, process.stderr);
  }
}

function rmdirQuietly(placement: Placement): void {
  const { cgroup } = placement;
  placement.cgroup = undefined;
  if (cgroup !== undefined) tryRemoveCgroup(cgroup);
}

/** Prints the context's statistics to stderr; returns the exit status to leave with. */
async function report(
  device: ContextDevice,
  selector: string,
  command: readonly string[],
  outcome: ChildOutcome,
  request: RunRequest,
): Promise<number> {
  const { flags, bin } = request;
  const status = exitStatus(outcome);
  try {
    const fd = await withMutexClient((client) => fdGet(client, device.id));
    if (outputFormat(flags) === 'table') {
      const ended = outcome.signal ? `was killed by ${outcome.signal}` : `exited with status ${status}`;
      await writeOutput(`context ${device.id} (${selector}): ${escapeControl(command[0]!)} ${ended}\n`, process.stderr);
    }
    await printView(fdView(), [fdRow(fd)], 'record', flags, process.stderr);
    return status;
  } catch (error) {
    const { message } = describeError(error);
    await writeOutput(`${bin}: cannot read the statistics of context ${device.id}: ${message}\n`, process.stderr);
    return status === 0 ? ExitCode.failure : status;
  }
}
