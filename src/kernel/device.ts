// A proxy context: one open file of /dev/mutex (DESIGN.md §3.1). The context
// lives as long as the file is open; closing it ends the context and its flows.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { ExitCode, MutexctlError, UsageError, describeErrno } from '../errors.js';

export const DEVICE_PATH = '/dev/mutex';

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/** What went wrong opening the device, in the words mutexctl uses elsewhere. */
function openError(path: string, error: unknown): MutexctlError {
  const code = errnoOf(error);
  if (code === 'ENOENT' || code === 'ENODEV' || code === 'ENXIO') {
    return new MutexctlError(
      `${path} does not exist: the mutex kernel module is not loaded; ` +
        'load it with `sudo modprobe mutex` or `sudo insmod kernel/mutex.ko`',
      ExitCode.moduleNotLoaded,
    );
  }
  if (code === 'EPERM' || code === 'EACCES') {
    return new MutexctlError(`permission denied opening ${path}: creating a context needs CAP_NET_ADMIN (run as root)`);
  }
  return new MutexctlError(`cannot open ${path}: ${(error as Error).message}`);
}

/** The id on the first line of what read() returns (`id 7`). */
export function parseContextId(text: string): number {
  const match = /^id (\d+)\s*$/m.exec(text.split('\n', 1)[0] ?? '');
  const id = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new MutexctlError(`unexpected answer from ${DEVICE_PATH}: ${JSON.stringify(text.slice(0, 40))}`);
  }
  return id;
}

export class ContextDevice {
  private fd: number | undefined;

  private constructor(
    fd: number,
    readonly path: string,
    readonly id: number,
  ) {
    this.fd = fd;
  }

  /** Opens the device, which creates a context, and reads the context's id. */
  static open(path = DEVICE_PATH): ContextDevice {
    let fd: number;
    try {
      // Node opens with O_CLOEXEC: a command started later does not keep the context alive.
      fd = openSync(path, 'r+');
    } catch (error) {
      throw openError(path, error);
    }
    try {
      return new ContextDevice(fd, path, parseContextId(ContextDevice.readAll(fd)));
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  private static readAll(fd: number): string {
    const chunks: Buffer[] = [];
    let position = 0;
    for (;;) {
      const chunk = Buffer.alloc(4096);
      // pread from 0: each read shows the context afresh.
      const n = readSync(fd, chunk, 0, chunk.length, position);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      position += n;
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /** The context as text: `id N`, `selector ...`, then `name value` counters. */
  read(): string {
    return ContextDevice.readAll(this.descriptor());
  }

  /**
   * Replaces the selector atomically. The kernel refuses an invalid one with
   * EINVAL and keeps the old one: a usage error naming the selector.
   */
  setSelector(line: string): void {
    const data = Buffer.from(line, 'utf8');
    try {
      const written = writeSync(this.descriptor(), data);
      if (written !== data.length) throw new MutexctlError(`short write of the selector to ${this.path}`);
    } catch (error) {
      if (errnoOf(error) === 'EINVAL') throw new UsageError(`the kernel rejected the selector "${line}": invalid selector`);
      if (error instanceof MutexctlError) throw error;
      const errno = (error as NodeJS.ErrnoException).errno;
      throw new MutexctlError(
        `writing the selector to ${this.path} failed: ${errno === undefined ? (error as Error).message : describeErrno(-errno)}`,
      );
    }
  }

  /** Ends the context (and its flows). Safe to call twice. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
  }

  private descriptor(): number {
    if (this.fd === undefined) throw new MutexctlError(`the context ${this.id} is already closed`);
    return this.fd;
  }
}
