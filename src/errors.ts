// Errors and exit codes every layer shares: the base of every error mutexctl
// puts in plain words, usage errors, errno names, and the one line and exit
// code any thrown value ends as. The kernel's own errors are in src/netlink/errors.ts.
import { getSystemErrorMap } from 'node:util';
import { constants } from 'node:os';

/**
 * Process exit codes of mutexctl (DESIGN.md §4). 2 covers everything the user
 * gave that is wrong, found before the kernel is asked: flags and arguments,
 * and the files named on the command line (--from, thresholds apply FILE,
 * --output's path) that cannot be read, are not valid, or cannot be written
 * to. 1 is what goes wrong afterwards (the kernel refusing, a disk filling up).
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  moduleNotLoaded: 3,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Base of every error mutexctl knows how to put in plain words. */
export class MutexctlError extends Error {
  readonly exitCode: ExitCodeValue;

  constructor(message: string, exitCode: ExitCodeValue = ExitCode.failure) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

export class UsageError extends MutexctlError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/**
 * A file the user named (an input to read, a path to write) that is missing,
 * unreadable or invalid: exit 2 like any usage error, but the message is about
 * the file, so no "(see --help)" hint follows it.
 */
export class InputError extends UsageError {}

// Where Linux gives one number two names, the one the kernel's networking code uses.
const PREFERRED_NAMES: Readonly<Record<number, string>> = { [constants.errno.EOPNOTSUPP]: 'EOPNOTSUPP' };

/** `EINVAL`, or `errno 4095` for a number the platform has no name for. */
export function errnoName(errno: number): string {
  const preferred = PREFERRED_NAMES[errno];
  if (preferred) return preferred;
  for (const [name, value] of Object.entries(constants.errno)) {
    if (value === errno) return name;
  }
  return `errno ${errno}`;
}

/** `EINVAL (invalid argument)`: the name scripts grep for, and the words people read. */
export function describeErrno(errno: number): string {
  const name = errnoName(errno);
  const text = getSystemErrorMap().get(-errno)?.[1];
  return text ? `${name} (${text.toLowerCase()})` : name;
}

/**
 * A failed file operation in plain words, naming the path as the user typed it:
 * `cannot write /dev/full: ENOSPC (no space left on device)`. Never node's raw
 * text, which names the syscall and whatever path it was given (a temporary file).
 */
export function describeFileError(action: string, shown: string, error: unknown): string {
  const errno = (error as NodeJS.ErrnoException | null)?.errno;
  const reason = typeof errno === 'number' ? describeErrno(Math.abs(errno)) : (error as Error).message;
  return `cannot ${action} ${shown}: ${reason}`;
}

export interface DescribedError {
  message: string;
  exitCode: ExitCodeValue;
}

interface OclifLikeError {
  oclif?: { exit?: number };
}

/**
 * Puts any thrown value into the one line mutexctl prints and the exit code it
 * leaves with. Usage errors from oclif's parser keep their exit code 2.
 */
export function describeError(error: unknown): DescribedError {
  if (error instanceof MutexctlError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof Error) {
    const oclifExit = (error as OclifLikeError).oclif?.exit;
    if (oclifExit === ExitCode.usage) return { message: usageProblem(error.message), exitCode: ExitCode.usage };
    return { message: oneLine(error.message) || error.name, exitCode: ExitCode.failure };
  }
  return { message: String(error), exitCode: ExitCode.failure };
}

/** oclif's parse errors wrap the problem in boilerplate lines; keep the first real one. */
function usageProblem(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^See more help with/i.test(line) && !/following errors? occurred/i.test(line));
  // "Parsing --limit" followed by the reason on the next line: keep both, on one line.
  const parsing = /^Parsing (--[\w-]+)$/.exec(lines[0] ?? '');
  if (parsing && lines[1] !== undefined) return `${parsing[1]}: ${lines[1]}`;
  return lines[0] ?? 'invalid usage';
}

function oneLine(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join('; ');
}
