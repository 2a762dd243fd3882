// What oclif would report in its own form (` ›   Error: ...`) fails like every
// other usage error instead: one line on stderr in the `mutexctl: ...` form,
// exit 2, with the nearest command when there is one. An unknown command
// (`stast`, `fd runn`, `help bogus`), a flag before any command (`-v`), a word
// after a command that takes none (`stats foo`). (Checked before oclif runs:
// the bundled CLI cannot load oclif hook files.)

import { oneLine } from '../output/text.js';

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** Whether a command takes words after its name: declared arguments, or any (strict off: `thresholds set a=1`). */
export function takesArguments(command: { args?: object; strict?: boolean }): boolean {
  return command.strict === false || Object.keys(command.args ?? {}).length > 0;
}

/** A command id (oclif's, `fd:run`) and whether the command takes arguments. */
export type CommandTable = ReadonlyMap<string, boolean>;

/** The flags oclif handles before any command: help and version. */
const ROOT_FLAGS = new Set(['--help', '-h', '--version', '-V']);

/** Near-misses of the root flags, and what was probably meant. */
const ROOT_FLAG_GUESSES: Readonly<Record<string, string>> = { '-v': '-V', '-version': '--version', '-help': '--help', '--usage': '--help' };

function nearest(typed: string, ids: readonly string[]): string | undefined {
  const best = ids.map((id) => ({ id, d: distance(typed, id) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(typed.length / 3)) ? best.id : undefined;
}

function suggestion(typed: string, ids: readonly string[]): string {
  const id = nearest(typed, ids);
  return id === undefined ? '' : `; did you mean "${id}"?`;
}

/**
 * The usage error for `argv` when oclif would not find a command in it
 * (`stast`, `thresholds sett`, `fd runn`, `help bogus`, `-v`, `stats foo`);
 * undefined when oclif should run it.
 */
export function unknownCommandMessage(argv: readonly string[], commands: CommandTable, bin: string): string | undefined {
  const message = problemOf(argv, commands, bin);
  return message === undefined ? undefined : oneLine(message);
}

function problemOf(argv: readonly string[], commands: CommandTable, bin: string): string | undefined {
  const first = argv[0];
  if (first === undefined) return undefined;
  if (first.startsWith('-')) {
    if (ROOT_FLAGS.has(first)) return undefined;
    const guess = ROOT_FLAG_GUESSES[first];
    const hint = guess === undefined ? ': a command comes first, its flags after it' : `; did you mean "${guess}"?`;
    return `${bin}: unknown flag "${first}"${hint} (see \`${bin} --help\`)`;
  }
  const helped = first === 'help';
  const words: string[] = [];
  for (const arg of helped ? argv.slice(1) : argv) {
    if (arg.startsWith('-')) break;
    words.push(arg);
  }
  if (words.length === 0) return undefined;
  const ids = [...commands.keys()];
  const spaced = ids.map((id) => id.replaceAll(':', ' '));
  const isTopic = (id: string) => ids.some((other) => other.startsWith(`${id}:`));
  // The longest run of words that is a command.
  let matched = 0;
  for (let n = words.length; n > 0 && matched === 0; n--) if (commands.has(words.slice(0, n).join(':'))) matched = n;
  if (matched === 0) {
    const typed = isTopic(words[0]!) ? words.slice(0, 2).join(' ') : words[0]!;
    return `${bin}: unknown command "${typed}"${suggestion(typed, spaced)} (see \`${bin} --help\`)`;
  }
  if (words.length === matched) return undefined;
  const id = words.slice(0, matched).join(':');
  const command = id.replaceAll(':', ' ');
  const typed = words.slice(0, matched + 1).join(' ');
  const see = ` (see \`${bin} ${command} --help\`)`;
  // `help fd runn`, or `fd runn` where fd has subcommands and runn is nearly one of them.
  const subcommands = spaced.filter((other) => other.startsWith(`${command} `));
  const near = nearest(typed, subcommands);
  if (helped || (isTopic(id) && (near !== undefined || !commands.get(id)))) {
    return `${bin}: unknown command "${typed}"${near === undefined ? '' : `; did you mean "${near}"?`}${see}`;
  }
  if (!commands.get(id)) return `${bin}: unexpected argument "${words[matched]}": ${command} takes none${see}`;
  return undefined;
}
