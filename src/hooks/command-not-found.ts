// An unknown command fails like every other usage error: one line on stderr
// in the `mutexctl: ...` form, exit 2, with the nearest command when there is one.
import type { Hook } from '@oclif/core';

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

const hook: Hook<'command_not_found'> = async function (options) {
  const typed = options.id.replaceAll(':', ' ');
  const ids = options.config.commandIDs.map((id) => id.replaceAll(':', ' '));
  const nearest = ids.map((id) => ({ id, d: distance(typed, id) })).sort((x, y) => x.d - y.d)[0];
  const hint = nearest && nearest.d <= Math.max(2, Math.floor(typed.length / 3)) ? `; did you mean "${nearest.id}"?` : '';
  process.stderr.write(`${options.config.bin}: unknown command "${typed}"${hint} (see \`${options.config.bin} --help\`)\n`);
  process.exitCode = 2;
  return true;
};

export default hook;
