// What the guest halves of the bench share: the module under test (loaded
// or not), a netlink client, a /dev/mutex context here or in another network
// namespace, median and rotation of the compared variants.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { MutexClient } from '../dist/src/netlink/index.js';

export { openContext } from './flow-holder.mjs';

const KO = '/run/mutex-vm/mutex.ko';
const KO_ARGS = (process.env.MUTEX_KO_ARGS ?? '').split(/\s+/).filter(Boolean);

export const log = (...args) => console.error('bench:', ...args);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const moduleLoaded = () => existsSync('/sys/module/mutex');

export function setModule(loaded) {
  if (loaded === moduleLoaded()) return;
  if (loaded) execFileSync('insmod', [KO, ...KO_ARGS]);
  else execFileSync('rmmod', ['mutex']);
}

export async function withClient(work) {
  const client = await MutexClient.open();
  try {
    return await work(client);
  } finally {
    client.close();
  }
}

/** Writes a module parameter (/sys/module/mutex/parameters/NAME). */
export function setParam(name, value) {
  execFileSync('sh', ['-c', 'echo "$1" >"/sys/module/mutex/parameters/$2"', 'sh', String(value), name]);
}

/**
 * A context with `selector` opened from a fresh network namespace (unshare -n),
 * held by a process there until close(), which waits for it to end.
 */
export async function openContextElsewhere(selector) {
  const script = 'exec 3<>/dev/mutex && printf %s "$1" >&3 && echo ready && exec cat >/dev/null';
  const child = spawn('unshare', ['-n', 'sh', '-c', script, 'sh', selector], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const ready = await new Promise((resolve) => {
    child.stdout.once('data', (d) => resolve(String(d).trim() === 'ready'));
    child.once('exit', () => resolve(false));
  });
  if (!ready) throw new Error(`no context in another netns for "${selector}"`);
  return {
    close: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

/** Each round lists the variants rotated by one more place, so none always goes first. */
export function* rotations(variants, rounds) {
  for (let round = 0; round < rounds; round++) {
    yield variants.map((_, i) => variants[(i + round) % variants.length]);
  }
}
