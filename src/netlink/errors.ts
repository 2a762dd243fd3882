import { getSystemErrorMap } from 'node:util';
import { constants } from 'node:os';

/** Process exit codes of mutexctl (DESIGN.md §4). */
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

/** Malformed netlink data, or a value that cannot be encoded for its attribute. */
export class CodecError extends MutexctlError {}

export class FamilyNotFoundError extends MutexctlError {
  readonly family: string;

  constructor(family: string) {
    super(
      family === 'mutex'
        ? 'the mutex kernel module is not loaded (generic netlink family "mutex" not found); ' +
            'load it with `sudo modprobe mutex` or `sudo insmod kernel/mutex.ko`'
        : `generic netlink family "${family}" not found`,
      ExitCode.moduleNotLoaded,
    );
    this.family = family;
  }
}

/** What the kernel's extended ACK said about a failed request. */
export interface ExtendedAck {
  message?: string;
  /** Byte offset of the offending attribute in the request, from the start of its nlmsghdr. */
  offset?: number;
  missingType?: number;
  missingNest?: number;
}

export interface KernelErrorDetails {
  /** Positive errno, when the kernel (or the socket) gave one. */
  errno?: number;
  extack?: ExtendedAck;
  /** The request attribute the kernel blamed, already resolved to its spec name. */
  attribute?: string;
  /** A required attribute the kernel said is missing, resolved to its spec name. */
  missingAttribute?: string;
}

/** The kernel (or the netlink socket) refused or failed a request. */
export class KernelError extends MutexctlError {
  readonly errno?: number;
  readonly extack: ExtendedAck;

  constructor(details: KernelErrorDetails, fallbackMessage?: string) {
    super(kernelErrorMessage(details, fallbackMessage));
    this.errno = details.errno;
    this.extack = details.extack ?? {};
  }
}

export class TimeoutError extends KernelError {
  constructor(what: string, timeoutMs: number) {
    super({ errno: constants.errno.ETIMEDOUT }, `no answer from the kernel to ${what} within ${formatSeconds(timeoutMs)}`);
  }
}

export class DumpInconsistentError extends MutexctlError {
  constructor(operation: string, attempts: number) {
    super(
      `the ${operation} dump kept changing while it was read (inconsistent after ${attempts} attempts); try again`,
    );
  }
}

const PERMISSION_MESSAGE = 'permission denied: this operation needs CAP_NET_ADMIN (run as root)';

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

function kernelErrorMessage(details: KernelErrorDetails, fallbackMessage?: string): string {
  const { errno, extack, attribute, missingAttribute } = details;
  if (errno === constants.errno.EPERM || errno === constants.errno.EACCES) return PERMISSION_MESSAGE;
  const extackText = extack?.message?.trim();
  if (extackText) {
    const blamed = attribute ? ` (attribute ${attribute})` : '';
    return `kernel: ${extackText}${blamed}`;
  }
  if (missingAttribute) return `kernel: missing attribute ${missingAttribute}`;
  if (fallbackMessage) return fallbackMessage;
  const blamed = attribute ? ` (attribute ${attribute})` : '';
  return errno === undefined ? `kernel request failed${blamed}` : `kernel: ${describeErrno(errno)}${blamed}`;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
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
