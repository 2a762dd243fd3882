// Where `--rate` keeps the previous snapshot between runs, like nstat's history
// file: one small JSON file per command and network namespace, private to the
// user. $MUTEXCTL_HISTORY names another directory.
import { mkdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePrivateFile } from '../export/file.js';
import type { RateBaseline } from '../views/rate.js';

interface StoredBaseline {
  readonly instance_id: string;
  readonly taken_ns: string;
  readonly rows: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

function historyDirectory(): string {
  if (process.env.MUTEXCTL_HISTORY) return process.env.MUTEXCTL_HISTORY;
  const uid = process.getuid?.() ?? 0;
  return join(process.env.XDG_RUNTIME_DIR ?? tmpdir(), `mutexctl.u${uid}`);
}

function historyFile(command: string): string {
  let netns = 'net';
  try {
    netns = readlinkSync('/proc/self/ns/net').replace(/[^0-9a-z]+/gi, '');
  } catch {
    // no /proc: one history for all namespaces
  }
  return join(historyDirectory(), `${command}.${netns}.json`);
}

/** The previous run's snapshot, or undefined when there is none (or it cannot be read). */
export function loadBaseline(command: string): RateBaseline | undefined {
  try {
    const stored = JSON.parse(readFileSync(historyFile(command), 'utf8')) as StoredBaseline;
    const rows = new Map(
      Object.entries(stored.rows).map(([identity, values]) => [
        identity,
        Object.fromEntries(Object.entries(values).map(([key, value]) => [key, BigInt(value)])),
      ]),
    );
    return { instanceId: BigInt(stored.instance_id), takenNs: BigInt(stored.taken_ns), rows };
  } catch {
    return undefined;
  }
}

export async function saveBaseline(command: string, baseline: RateBaseline): Promise<void> {
  const stored: StoredBaseline = {
    instance_id: baseline.instanceId.toString(),
    taken_ns: baseline.takenNs.toString(),
    rows: Object.fromEntries(
      [...baseline.rows].map(([identity, values]) => [identity, Object.fromEntries(Object.entries(values).map(([key, value]) => [key, value.toString()]))]),
    ),
  };
  const directory = historyDirectory();
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    await writePrivateFile(historyFile(command), JSON.stringify(stored));
  } catch {
    // Rates still print; the next run measures from each row's start instead.
  }
}
