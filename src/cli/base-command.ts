import { Command, Flags } from '@oclif/core';
import { showLive, type LiveFlags, type LiveSource } from '../app/live.js';
import type { ListFlags, OutputFlags } from '../app/print.js';
import { prepareArgv, type FlagShape, type RetiredFlags } from './argv.js';
import { commandLine, reportFailure } from './failure.js';

type CommandError = Error & { exitCode?: number; code?: string; oclif?: { exit?: number } };

/**
 * Shared by every command: the output-format flags, --watch/--rate for the
 * commands that read counters, and one way of failing — `mutexctl: <message>`
 * on stderr and the mapped exit code.
 */
export abstract class BaseCommand extends Command {
  /** Short flags this command no longer has, and what replaced them (a usage error says so). */
  static retiredFlags: RetiredFlags = {};

  static override baseFlags = {
    json: Flags.boolean({
      char: 'j',
      description: 'Print JSON: snake_case keys in a fixed order, exact 64-bit integers, identifiers as strings.',
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

  /** Before oclif parses: enumerated values lowercased, switches with values and retired short flags refused. */
  protected override async init(): Promise<void> {
    await super.init();
    const ctor = this.ctor as typeof BaseCommand;
    const flags = { ...ctor.baseFlags, ...ctor.flags } as unknown as Record<string, FlagShape>;
    this.argv = prepareArgv(this.argv, flags, ctor.retiredFlags);
  }

  /** One snapshot, or with --watch one every interval; with --rate, counters as per-second rates. */
  protected async present(source: LiveSource, flags: OutputFlags & ListFlags & LiveFlags): Promise<void> {
    await showLive(source, flags, () => commandLine(this.config.bin, this.id, this.argv));
  }

  protected override async catch(error: CommandError): Promise<void> {
    // this.exit() travels as an error too; let oclif carry it out.
    if (error.code === 'EEXIT') throw error;
    // A parse that failed was still a parse: keeps oclif's dev-mode "did not parse" warning away.
    this.parsed = true;
    await reportFailure(error, this.config.bin, this.id);
  }
}
