// Running the command of `fd run`: stdio inherited, SIGINT/SIGTERM/SIGHUP passed
// on to it, and its end turned into the exit status a shell would report.
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { constants } from 'node:os';

// Required when a command is run, not when mutexctl starts: node:child_process
// (with dgram and more) is a noticeable part of every other command's start.
const childProcess = (): typeof import('node:child_process') => createRequire(import.meta.url)('node:child_process');

/** Signals mutexctl passes on to the command while it runs. */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface ChildOutcome {
  /** Exit code, when the command exited. */
  code: number | null;
  /** The signal that ended it, when one did. */
  signal: NodeJS.Signals | null;
  /** It could not be started at all (e.g. ENOENT): no code, no signal. */
  spawnError?: NodeJS.ErrnoException;
  /** With a cgroup: whether the command was moved into it before it ran. */
  joinedCgroup?: boolean;
}

/** What a shell reports: the exit code, 128+N for signal N, 127/126 when it could not run. */
export function exitStatus(outcome: ChildOutcome): number {
  if (outcome.spawnError) return outcome.spawnError.code === 'ENOENT' ? 127 : 126;
  if (outcome.signal) return 128 + (constants.signals[outcome.signal] ?? 0);
  return outcome.code ?? 1;
}

/**
 * Joins the cgroup ($0) and only then execs the command, so it is accounted
 * from its first packet; reports the join on fd 3, which the command does not inherit.
 */
const JOIN_SCRIPT = '{ echo $$ > "$0/cgroup.procs"; } 2>/dev/null || exit 1; echo joined >&3; exec "$@" 3>&-';

/**
 * Installed before the spawn: the command can print (and be signalled about)
 * before spawn() returns, and a signal in that window must not kill us instead.
 */
function forwardSignals(): { attach: (child: ChildProcess) => void; stop: () => void } {
  let target: ChildProcess | undefined;
  let early: NodeJS.Signals | undefined;
  const handlers = FORWARDED_SIGNALS.map((signal) => {
    const handler = () => {
      if (!target) early = signal;
      // Gone already: nothing to pass on.
      else if (target.exitCode === null && target.signalCode === null) target.kill(signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return {
    attach: (child) => {
      target = child;
      if (early) child.kill(early);
    },
    stop: () => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    },
  };
}

/**
 * Runs `argv` (searched in PATH) with inherited stdio and waits for it. With
 * `cgroup`, a /bin/sh wrapper moves itself into that cgroup and execs the command.
 */
export function runChild(argv: readonly string[], options: { cgroup?: string } = {}): Promise<ChildOutcome> {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error('runChild: no command');
  const forwarding = forwardSignals();
  const child =
    options.cgroup === undefined
      ? childProcess().spawn(command, args, { stdio: 'inherit' })
      : childProcess().spawn('/bin/sh', ['-c', JOIN_SCRIPT, options.cgroup, command, ...args], {
          stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
        });
  forwarding.attach(child);
  const stopForwarding = forwarding.stop;
  let report = '';
  child.stdio[3]?.on('data', (chunk: Buffer) => (report += chunk.toString()));
  return new Promise<ChildOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: ChildOutcome) => {
      if (settled) return;
      settled = true;
      stopForwarding();
      resolve(outcome);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      // Only a failed spawn has no pid; later errors (a failed kill) are not the end.
      if (child.pid === undefined) finish({ code: null, signal: null, spawnError: error });
    });
    // 'close' comes after the exit and after fd 3 is drained.
    child.once('close', (code, signal) => {
      const outcome: ChildOutcome = { code, signal };
      if (options.cgroup !== undefined) outcome.joinedCgroup = report.includes('joined');
      finish(outcome);
    });
  });
}
