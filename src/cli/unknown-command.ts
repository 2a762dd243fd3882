// An unknown command fails like every other usage error: one line on stderr
// in the `mutexctl: ...` form, exit 2, with the nearest command when there is
// one. (Checked before oclif runs: the bundled CLI cannot load oclif hook files.)

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

function suggestion(typed: string, ids: readonly string[]): string {
  const nearest = ids.map((id) => ({ id, d: distance(typed, id) })).sort((x, y) => x.d - y.d)[0];
  return nearest && nearest.d <= Math.max(2, Math.floor(typed.length / 3)) ? `; did you mean "${nearest.id}"?` : '';
}

/**
 * The usage error for `argv` when its words name no command (`stast`, or
 * `thresholds sett` where thresholds takes no arguments); undefined when oclif
 * should run it.
 */
export function unknownCommandMessage(argv: readonly string[], commands: CommandTable, bin: string): string | undefined {
  const words: string[] = [];
  for (const arg of argv) {
    if (arg.startsWith('-')) break;
    words.push(arg);
  }
  if (words.length === 0 || words[0] === 'help') return undefined;
  const ids = [...commands.keys()];
  const spaced = ids.map((id) => id.replaceAll(':', ' '));
  // The longest run of words that is a command.
  let matched = 0;
  for (let n = words.length; n > 0 && matched === 0; n--) if (commands.has(words.slice(0, n).join(':'))) matched = n;
  if (matched === 0) {
    const isTopic = ids.some((id) => id.startsWith(`${words[0]}:`));
    const typed = isTopic ? words.slice(0, 2).join(' ') : words[0]!;
    return `${bin}: unknown command "${typed}"${suggestion(typed, spaced)} (see \`${bin} --help\`)`;
  }
  const id = words.slice(0, matched).join(':');
  if (words.length > matched && !commands.get(id)) {
    const typed = words.slice(0, matched + 1).join(' ');
    return `${bin}: unknown command "${typed}"${suggestion(typed, spaced)} (see \`${bin} ${id.replaceAll(':', ' ')} --help\`)`;
  }
  return undefined;
}
