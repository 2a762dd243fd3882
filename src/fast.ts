// The commands people start most often (stats, fd, conn), run without oclif: for an argv whose
// parse scripts/bundle.mjs recorded from oclif itself (FAST_TABLE), this
// entry runs what the command's run() runs and fails as BaseCommand does.
// Anything else (help, flag values, arguments, oclif's environment variables)
// goes to src/main.ts. Its own bundle, dist/fast.cjs, which bin/run.js tries
// first: loading oclif and its configuration was most of a start (bench/startup.mjs).
import type { LiveFlags } from './app/live.js';
import type { ListFlags, OutputFlags } from './app/print.js';
import { commandLine, reportFailure } from './cli/failure.js';

/** `fd`: conn's --fd, the one flag with a value this entry takes. */
type Flags = OutputFlags & ListFlags & LiveFlags & { fd?: number };

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
  conn: (flags, line) => require('./app/live.js').showLive(require('./app/sources.js').connSource({ fdId: flags.fd }), flags, line),
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** The ids this entry can run, for scripts/bundle.mjs. */
export const FAST_IDS = Object.keys(RUNNERS);

/**
 * Flags with a context id for value, by the flags key oclif gives them: in a
 * key, the flag and a value written as oclif reads it alike (decimal, no
 * sign or leading zero, 1 to 2^32 - 1; the build checks both ends) are one
 * unit, `--fd #`.
 */
export const FAST_ID_FLAGS: Readonly<Record<string, string>> = { '--fd': 'fd' };
const CANONICAL_ID = /^[1-9][0-9]{0,9}$/;

function isIdValue(token: string | undefined): token is string {
  return token !== undefined && CANONICAL_ID.test(token) && Number(token) <= 0xffff_ffff;
}

/** A word that can be a flag of the table: no space, so that no argument can pass for a unit (`'--fd #'`, `'--json --rate'`). */
const FLAG_WORD = /^-{1,2}[A-Za-z][A-Za-z-]*$/;

/** An argv's flags as units: a flag, or an id flag with its value; undefined when a word cannot be in the table. */
function units(flags: readonly string[]): { unit: string; value?: number }[] | undefined {
  const out: { unit: string; value?: number }[] = [];
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i]!;
    if (!FLAG_WORD.test(flag)) return undefined;
    const next = flags[i + 1];
    if (Object.hasOwn(FAST_ID_FLAGS, flag) && isIdValue(next)) {
      out.push({ unit: `${flag} #`, value: Number(next) });
      i++;
    } else {
      out.push({ unit: flag });
    }
  }
  return out;
}

/** The table's key of an argv: a command's flags in any order (the build checked every order parses alike); '' for none. */
export function fastKey(argv: readonly string[]): string {
  const [id = '', ...flags] = argv;
  const found = units(flags);
  return found === undefined ? '' : [id, ...found.map((u) => u.unit).sort()].join(' ');
}

/** The entry's flags with the values of this argv's id flags. */
function withValues(flags: Flags, argv: readonly string[]): Flags {
  const values: Record<string, number> = {};
  for (const { unit, value } of units(argv.slice(1)) ?? []) if (value !== undefined) values[FAST_ID_FLAGS[unit.slice(0, -2)]!] = value;
  return { ...flags, ...values };
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
  const key = fastKey(argv);
  const entry = key === '' ? undefined : FAST_TABLE[key];
  const runner = entry && RUNNERS[entry.id];
  if (entry === undefined || runner === undefined || oclifWouldDiffer()) return false;
  void runner(withValues(entry.flags, argv), () => commandLine(FAST_BIN, entry.id, argv)).catch((error: unknown) => reportFailure(error, FAST_BIN, entry.id));
  return true;
}
