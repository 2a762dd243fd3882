// The commands people start most often, run without oclif: for an argv whose
// parse scripts/bundle.mjs recorded from oclif itself (FAST_TABLE), this
// entry runs what the command's run() runs and fails as BaseCommand does.
// Anything else (help, flag values, arguments, oclif's environment variables)
// goes to src/main.ts. Its own bundle, dist/fast.cjs, which bin/run.js tries
// first: loading oclif and its configuration was most of a start (bench/startup.mjs).
import type { LiveFlags } from './app/live.js';
import type { ListFlags, OutputFlags } from './app/print.js';
import { commandLine, reportFailure } from './cli/failure.js';

type Flags = OutputFlags & ListFlags & LiveFlags;

/** One argv oclif accepted, in every order, leaving it as typed (BaseCommand.init): the command and its flags. */
export interface FastEntry {
  id: string;
  flags: Flags;
}

/** Keyed by fastKey(argv); put in by esbuild (define). */
declare const FAST_TABLE: Readonly<Record<string, FastEntry>>;
declare const FAST_BIN: string;

/* eslint-disable @typescript-eslint/no-require-imports -- esbuild turns each require() into a module initialised on first use: an argv this entry does not take loads none of them */
const RUNNERS: Readonly<Record<string, (flags: Flags, line: () => string) => Promise<void>>> = {
  stats: (flags, line) => require('./app/live.js').showLive(require('./app/sources.js').statsSource(), flags, line),
  fd: (flags, line) => require('./app/live.js').showLive(require('./app/sources.js').fdSource(undefined), flags, line),
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** The ids this entry can run, for scripts/bundle.mjs. */
export const FAST_IDS = Object.keys(RUNNERS);

/** The table's key of an argv: a command's flags in any order (the build checked every order parses alike). */
export function fastKey(argv: readonly string[]): string {
  const [id = '', ...flags] = argv;
  return [id, ...[...flags].sort()].join(' ');
}

/** Environments in which oclif does more than run the command: debug output, its own settings, an engine warning, a missing cwd. */
function oclifWouldDiffer(): boolean {
  if (Object.keys(process.env).some((name) => name === 'DEBUG' || name.startsWith('OCLIF_') || (name.startsWith('MUTEXCTL_') && name !== 'MUTEXCTL_HISTORY'))) return true;
  if (Number(process.versions.node.split('.')[0]) < 20) return true;
  try {
    process.cwd();
  } catch {
    return true;
  }
  return false;
}

/** Runs `argv` (process.argv.slice(2)) when it is one this entry takes; false when src/main.ts must. */
export function run(argv: readonly string[]): boolean {
  const entry = FAST_TABLE[fastKey(argv)];
  const runner = entry && RUNNERS[entry.id];
  if (entry === undefined || runner === undefined || oclifWouldDiffer()) return false;
  void runner(entry.flags, () => commandLine(FAST_BIN, entry.id, argv)).catch((error: unknown) => reportFailure(error, FAST_BIN, entry.id));
  return true;
}
