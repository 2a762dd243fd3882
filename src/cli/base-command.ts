import { Command, Flags } from '@oclif/core';
import { showLive, type LiveFlags, type LiveSource } from '../app/live.js';
import type { ListFlags, OutputFlags } from '../app/print.js';
import { describeError, ExitCode } from '../errors.js';
import { writeOutput } from '../output/index.js';

type CommandError = Error & { exitCode?: number; code?: string; oclif?: { exit?: number } };

/**
 * An error message as one readable line, whatever the user typed into it:
 * control characters escaped, and a token too long to read (a pasted blob)
 * shortened in the middle.
 */
export function oneLine(message: string): string {
  return message
    // eslint-disable-next-line no-control-regex -- escaping control characters is the point
    .replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))
    .replace(/\S{121,}/g, (token) => `${token.slice(0, 60)}…(${token.length} characters)…${token.slice(-20)}`);
}

/**
 * Shared by every command: the output-format flags, --watch/--rate for the
 * commands that read counters, and one way of failing — `mutexctl: <message>`
 * on stderr and the mapped exit code.
 */
export abstract class BaseCommand extends Command {
  static override baseFlags = {
    json: Flags.boolean({
      description: 'Print JSON: snake_case keys in a fixed order, exact 64-bit integers.',
      exclusive: ['csv'],
    }),
    csv: Flags.boolean({
      description: 'Print CSV (RFC 4180): a header row, then the data; fixed column order.',
      exclusive: ['json'],
    }),
    header: Flags.boolean({
      description: 'Print the header row of CSV and of list tables (--no-header leaves it out).',
      allowNo: true,
      default: true,
    }),
    columns: Flags.string({
      description: 'Only these columns, in this order, in every format (JSON key names, comma-separated).',
      helpValue: 'KEY[,KEY]',
    }),
  };

  /** One snapshot, or with --watch one every interval; with --rate, counters as per-second rates. */
  protected async present(source: LiveSource, flags: OutputFlags & ListFlags & LiveFlags): Promise<void> {
    await showLive(source, flags, () => [this.config.bin, ...(this.id?.split(':') ?? []), ...this.argv].join(' '));
  }

  protected override async catch(error: CommandError): Promise<void> {
    // this.exit() travels as an error too; let oclif carry it out.
    if (error.code === 'EEXIT') throw error;
    // A parse that failed was still a parse: keeps oclif's dev-mode "did not parse" warning away.
    this.parsed = true;
    const { message: raw, exitCode } = describeError(error);
    const message = oneLine(raw);
    const hint = exitCode === ExitCode.usage ? ` (see \`${[this.config.bin, this.id?.replaceAll(':', ' '), '--help'].filter(Boolean).join(' ')}\`)` : '';
    await writeOutput(`${this.config.bin}: ${message}${hint}\n`, process.stderr);
    process.exitCode = exitCode;
  }
}
