// Writing an export to a file the way node_exporter's textfile collector needs
// it: a temporary file in the same directory, flushed, then renamed over the
// target, so a reader sees the old file or the new one, never half of one.
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MutexctlError } from '../errors.js';

// Web Crypto, not node:crypto: the global loads only when called, and every other command starts without it.
const randomHex = (bytes: number): string => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');

export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  // A leading dot keeps the textfile collector (which reads *.prom) off the temporary file.
  const temporary = join(dirname(path), `.${basename(path)}.${randomHex(6)}.tmp`);
  let handle;
  try {
    handle = await open(temporary, 'wx', 0o644);
  } catch (error) {
    throw new MutexctlError(`cannot write ${path}: ${(error as Error).message}`);
  }
  try {
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temporary, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw new MutexctlError(`cannot write ${path}: ${(error as Error).message}`);
  }
}
