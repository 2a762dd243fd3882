// Where `export --output PATH` writes, decided before the kernel is asked, and
// the write itself. Nothing is destroyed:
//
// - a regular file (or a symlink to one; the link stays) is replaced the way
//   node_exporter's textfile collector needs it: a temporary file in the same
//   directory, flushed, given the old file's mode and owner, then renamed over
//   it, so a reader sees the old file or the new one, never half of one. A new
//   file gets the mode `>` would give it (0666 less the umask);
// - a character device (/dev/null, /dev/full, a terminal) or a FIFO is
//   written to, as `>` would: never replaced by a file;
// - a directory, a socket or a block device is refused;
// - `-` is stdout.
//
// A path that cannot work (empty, a missing directory, a directory, no
// permission) is a usage error (exit 2) naming the path as typed; a write that
// fails later (a full disk) is exit 1, also naming the path as typed, never the
// temporary file.
import { accessSync, constants, lstatSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { describeErrno, describeFileError, InputError, MutexctlError } from '../errors.js';
import { writeOutput } from '../output/index.js';

// Web Crypto, not node:crypto: the global loads only when called, and every other command starts without it.
const randomHex = (bytes: number): string => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');

/** What the existing file had, for its replacement. */
interface Keep {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** Where the output goes. `shown` is the path as the user typed it, for messages. */
export type OutputTarget =
  | { readonly kind: 'stdout' }
  /** A regular file at `path` (the symlink's target, resolved), replaced atomically (new when `keep` is undefined). */
  | { readonly kind: 'replace'; readonly shown: string; readonly path: string; readonly keep?: Keep }
  /** Written to in place: a character device, a FIFO, or a file mutexctl may write but cannot give its owner back. */
  | { readonly kind: 'direct'; readonly shown: string; readonly path: string; readonly truncate: boolean };

function refuse(typed: string, why: string): never {
  throw new InputError(`--output ${typed === '' ? '""' : typed}: ${why}`);
}

/** The reason an access() check failed, in the words describeErrno uses. */
function accessProblem(path: string, mode: number): string | undefined {
  try {
    accessSync(path, mode);
    return undefined;
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).errno;
    return typeof errno === 'number' ? describeErrno(Math.abs(errno)) : (error as Error).message;
  }
}

/** Where a dangling symlink points (following a chain of them), for `>`-like creation of its target. */
function danglingTarget(typed: string): string {
  let path = resolve(typed);
  for (let hops = 0; hops < 40; hops++) {
    const link = lstatSync(path, { throwIfNoEntry: false });
    if (link === undefined || !link.isSymbolicLink()) return path;
    path = resolve(dirname(path), readlinkSync(path));
  }
  return refuse(typed, 'too many levels of symbolic links');
}

/** A new file at `path`: its directory must exist and take new files. */
function newFile(typed: string, path: string): OutputTarget {
  if (typed.endsWith('/')) refuse(typed, 'no such directory');
  const directory = dirname(path);
  const parent = statSync(directory, { throwIfNoEntry: false });
  if (parent === undefined) refuse(typed, `no such directory: ${dirname(typed) === '.' ? directory : dirname(typed)}`);
  if (!parent.isDirectory()) refuse(typed, `${dirname(typed)} is not a directory`);
  const problem = accessProblem(directory, constants.W_OK | constants.X_OK);
  if (problem !== undefined) refuse(typed, `cannot create a file in ${dirname(typed)}: ${problem}`);
  return { kind: 'replace', shown: typed, path };
}

/** Whether this process may give a file this owner and group (root, or its own uid and one of its groups). */
function canGiveOwner(stat: Stats): boolean {
  const euid = process.geteuid?.() ?? 0;
  if (euid === 0) return true;
  if (stat.uid !== euid) return false;
  const groups = new Set([process.getegid?.() ?? 0, ...(process.getgroups?.() ?? [])]);
  return groups.has(stat.gid);
}

/** An existing regular file (`typed` may be a symlink to it). */
function existingFile(typed: string, stat: Stats): OutputTarget {
  const path = realpathSync(typed);
  const problem = accessProblem(path, constants.W_OK);
  if (problem !== undefined) refuse(typed, problem);
  // A file this process may write but cannot give back its owner: rewritten in place, keeping owner and mode.
  if (!canGiveOwner(stat)) return { kind: 'direct', shown: typed, path, truncate: true };
  const directoryProblem = accessProblem(dirname(path), constants.W_OK | constants.X_OK);
  if (directoryProblem !== undefined) refuse(typed, `cannot create a file in ${dirname(path)}: ${directoryProblem}`);
  return { kind: 'replace', shown: typed, path, keep: { mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid } };
}

/**
 * Where `--output typed` writes, or an InputError (exit 2) saying why it
 * cannot. Call it before asking the kernel anything.
 */
export function resolveOutput(typed: string): OutputTarget {
  if (typed === '-') return { kind: 'stdout' };
  if (typed === '') refuse(typed, 'empty file name (- writes to stdout)');
  let stat: Stats | undefined;
  try {
    stat = statSync(typed, { throwIfNoEntry: false });
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).errno;
    return refuse(typed, typeof errno === 'number' ? describeErrno(Math.abs(errno)) : (error as Error).message);
  }
  if (stat === undefined) {
    const link = lstatSync(typed, { throwIfNoEntry: false });
    return newFile(typed, link?.isSymbolicLink() === true ? danglingTarget(typed) : resolve(typed));
  }
  if (stat.isFile()) return existingFile(typed, stat);
  if (stat.isDirectory()) refuse(typed, 'is a directory; give a file name');
  if (stat.isCharacterDevice() || stat.isFIFO()) {
    const problem = accessProblem(typed, constants.W_OK);
    if (problem !== undefined) refuse(typed, problem);
    return { kind: 'direct', shown: typed, path: typed, truncate: false };
  }
  if (stat.isSocket()) refuse(typed, 'is a socket; --output writes files, FIFOs and character devices');
  if (stat.isBlockDevice()) refuse(typed, 'is a block device; --output does not write over a disk');
  return refuse(typed, 'is neither a file, a FIFO nor a character device');
}

/** Writes `data` in place: a device, a FIFO, or a file to rewrite (truncated first). */
async function writeDirect(target: Extract<OutputTarget, { kind: 'direct' }>, data: string | Buffer): Promise<void> {
  let handle;
  try {
    handle = await open(target.path, target.truncate ? 'w' : constants.O_WRONLY | constants.O_NOCTTY);
    await handle.writeFile(data);
  } catch (error) {
    throw new MutexctlError(describeFileError('write', target.shown, error));
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Writes `path` atomically: a temporary file next to it, flushed, given `keep`'s
 * mode and owner (else `mode`, less the umask), then renamed over the name
 * `path` (a symlink there is replaced, not followed). `shown` names it in errors.
 */
async function replaceFile(path: string, shown: string, data: string | Buffer, options: { keep?: Keep; mode: number }): Promise<void> {
  // A leading dot keeps the textfile collector (which reads *.prom) off the temporary file.
  const temporary = join(dirname(path), `.${basename(path)}.${randomHex(6)}.tmp`);
  const { keep } = options;
  let handle;
  try {
    // A replacement stays private until it has the old file's mode.
    handle = await open(temporary, 'wx', keep === undefined ? options.mode : 0o600);
  } catch (error) {
    throw new MutexctlError(describeFileError('write', shown, error));
  }
  try {
    await handle.writeFile(data);
    if (keep !== undefined) {
      // chown first: it clears set-id bits that chmod then puts back.
      await handle.chown(keep.uid, keep.gid);
      await handle.chmod(keep.mode);
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temporary, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw new MutexctlError(describeFileError('write', shown, error));
  }
  await syncDirectory(dirname(path));
}

/** A private file (0600) of mutexctl's own, such as --rate's history, replaced atomically. */
export function writePrivateFile(path: string, data: string): Promise<void> {
  return replaceFile(path, path, data, { mode: 0o600 });
}

/** Makes the rename durable; a filesystem that cannot fsync a directory loses nothing by it. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r').catch(() => undefined);
  await handle?.sync().catch(() => undefined);
  await handle?.close().catch(() => undefined);
}

/** Writes `data` to `--output typed` (checked again: the path may have changed while the kernel was asked). */
export async function writeToOutput(typed: string, data: string | Buffer): Promise<void> {
  const target = resolveOutput(typed);
  switch (target.kind) {
    case 'stdout':
      return writeOutput(data);
    case 'direct':
      return writeDirect(target, data);
    case 'replace':
      // A new file: 0666 less the umask, as `>` makes it.
      return replaceFile(target.path, target.shown, data, { keep: target.keep, mode: 0o666 });
  }
}
