import { describeError, ExitCode, InputError } from '../errors.js';
import { oneLine, writeOutput } from '../output/index.js';

/**
 * How every command fails: `<bin>: <message>` on stderr, a usage error
 * pointing at the command's help, and the mapped exit code.
 */
export async function reportFailure(error: unknown, bin: string, id: string | undefined): Promise<void> {
  const { message: raw, exitCode } = describeError(error);
  const message = oneLine(raw);
  const hint = exitCode === ExitCode.usage && !(error instanceof InputError) ? ` (see \`${[bin, id?.replaceAll(':', ' '), '--help'].filter(Boolean).join(' ')}\`)` : '';
  await writeOutput(`${bin}: ${message}${hint}\n`, process.stderr);
  process.exitCode = exitCode;
}

/** The command as typed, for --rate's history (whose run a rate is since). */
export function commandLine(bin: string, id: string | undefined, argv: readonly string[]): string {
  return [bin, ...(id?.split(':') ?? []), ...argv].join(' ');
}
