// A throwaway cgroup v2 for `fd run`: the command starts inside it, so the
// context's cgroup scope accounts exactly the command and its descendants.
import { accessSync, constants, existsSync, mkdirSync, rmdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const CGROUP_ROOT = '/sys/fs/cgroup';
const CGROUP2_SUPER_MAGIC = 0x63677270;

/** Whether `root` is a cgroup v2 mount this process may create cgroups in. */
export function cgroupV2Writable(root = CGROUP_ROOT): boolean {
  try {
    if (statfsSync(root).type !== CGROUP2_SUPER_MAGIC) return false;
    accessSync(root, constants.W_OK);
    return existsSync(join(root, 'cgroup.procs'));
  } catch {
    return false;
  }
}

/** Creates `<root>/mutexctl-<pid>-<random>` and returns its path; throws the mkdir error. */
export function createCgroup(root = CGROUP_ROOT): string {
  const path = join(root, `mutexctl-${process.pid}-${Buffer.from(crypto.getRandomValues(new Uint8Array(4))).toString('hex')}`);
  mkdirSync(path);
  return path;
}

/**
 * Removes a cgroup made by createCgroup. A command that just exited can keep it
 * busy for a moment; processes it left behind keep it busy for good. Resolves
 * false when it could not be removed.
 */
export async function removeCgroup(path: string, attempts = 20): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const result = tryRemoveCgroup(path);
    if (result !== 'busy') return result === 'removed';
    if (attempt >= attempts) return false;
    await sleep(25);
  }
}

/** One rmdir: removed (or already gone), busy (processes in it), or failed otherwise. */
export function tryRemoveCgroup(path: string): 'removed' | 'busy' | 'failed' {
  try {
    rmdirSync(path);
    return 'removed';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'removed';
    return code === 'EBUSY' ? 'busy' : 'failed';
  }
}
