// What BaseCommand checks and normalises in a command's arguments before
// oclif parses them: enumerated values are case-insensitive (`--proto TCP`
// reads as `--proto tcp`), a switch given a value (`--json=false`) is a clear
// usage error instead of a stray argument, and a retired short flag says what
// replaced it.
import { UsageError } from '../errors.js';

/** What this file needs of an oclif flag definition. */
export interface FlagShape {
  readonly type: 'boolean' | 'option';
  readonly char?: string;
  readonly options?: readonly string[];
  readonly allowNo?: boolean;
}

/** Short flags that used to mean something in a command, and what to say instead. */
export type RetiredFlags = Readonly<Record<string, string>>;

interface Lookup {
  readonly byName: ReadonlyMap<string, FlagShape>;
  readonly byChar: ReadonlyMap<string, FlagShape>;
}

function lookup(flags: Readonly<Record<string, FlagShape>>): Lookup {
  const byName = new Map<string, FlagShape>();
  const byChar = new Map<string, FlagShape>();
  for (const [name, flag] of Object.entries(flags)) {
    byName.set(name, flag);
    if (flag.allowNo === true) byName.set(`no-${name}`, flag);
    if (flag.char !== undefined) byChar.set(flag.char, flag);
  }
  return { byName, byChar };
}

/** Lowercase when the flag takes one of a list of (lowercase) names. */
function normalizeChoice(flag: FlagShape | undefined, value: string): string {
  const options = flag?.options;
  if (options === undefined || options.some((option) => option !== option.toLowerCase())) return value;
  return value.toLowerCase();
}

/**
 * `argv` with the values of enumerated flags lowercased; a usage error for a
 * switch given a value or a retired short flag. Stops at `--` (what follows is
 * not ours: `fd run -- CMD`).
 */
export function prepareArgv(argv: readonly string[], flags: Readonly<Record<string, FlagShape>>, retired: RetiredFlags = {}): string[] {
  const { byName, byChar } = lookup(flags);
  const out = [...argv];
  for (let i = 0; i < out.length; i++) {
    const arg = out[i]!;
    if (arg === '--') break;
    if (arg.startsWith('--')) {
      const equals = arg.indexOf('=');
      const name = arg.slice(2, equals === -1 ? undefined : equals);
      const flag = byName.get(name);
      if (flag?.type === 'boolean' && equals !== -1) {
        const off = flag.allowNo === true && !name.startsWith('no-') ? ` (--no-${name} turns it off)` : ', or leave it out';
        throw new UsageError(`--${name} takes no value, got "${arg}": give --${name}${off}`);
      }
      if (flag?.type !== 'option') continue;
      if (equals !== -1) out[i] = `--${name}=${normalizeChoice(flag, arg.slice(equals + 1))}`;
      else if (i + 1 < out.length) out[i + 1] = normalizeChoice(flag, out[++i]!);
      continue;
    }
    if (!arg.startsWith('-') || arg.length < 2) continue;
    const why = retired[arg.slice(0, 2)];
    if (why !== undefined) throw new UsageError(`${arg.slice(0, 2)}: ${why}`);
    const flag = byChar.get(arg[1]!);
    if (flag?.type !== 'option') continue;
    const head = arg[2] === '=' ? 3 : 2;
    if (arg.length > 2) out[i] = `${arg.slice(0, head)}${normalizeChoice(flag, arg.slice(head))}`;
    else if (i + 1 < out.length) out[i + 1] = normalizeChoice(flag, out[++i]!);
  }
  return out;
}
