// The errors of the netlink layer: malformed data, a family the kernel does not
// know, and the kernel's answers (errno and extended ACK) in plain words.
import { constants } from 'node:os';
import { describeErrno, ExitCode, MutexctlError } from '../errors.js';

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
