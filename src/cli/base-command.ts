import { Command, Flags } from '@oclif/core';
import { describeError, ExitCode } from '../netlink/errors.js';
import { colorEnabled, renderView, writeOutput, type OutputFormat, type Row, type View, type ViewShape } from '../output/index.js';

export interface OutputFlags {
  json: boolean;
  csv: boolean;
  header: boolean;
}

type CommandError = Error & { exitCode?: number; code?: string; oclif?: { exit?: number } };

/**
 * Shared by every command: the output-format flags, rendering a view, and one
 * way of failing — `mutexctl: <message>` on stderr and the mapped exit code.
 */
export abstract class BaseCommand extends Command {
  static override baseFlags = {
    json: Flags.boolean({
      description: 'Print JSON: snake_case keys in spec order, exact 64-bit integers.',
      exclusive: ['csv'],
    }),
    csv: Flags.boolean({
      description: 'Print CSV (RFC 4180): a header row, then the data; fixed column order.',
      exclusive: ['json'],
    }),
    header: Flags.boolean({
      description: 'With --csv: print the header row (--no-header leaves it out).',
      allowNo: true,
      default: true,
    }),
  };

  protected outputFormat(flags: OutputFlags): OutputFormat {
    if (flags.json) return 'json';
    if (flags.csv) return 'csv';
    return 'table';
  }

  /** Renders `rows` through `view` in the format the flags ask for and writes it to stdout. */
  protected async printView(view: View, rows: readonly Row[], shape: ViewShape, flags: OutputFlags): Promise<void> {
    const text = renderView(view, rows, {
      format: this.outputFormat(flags),
      shape,
      header: flags.header,
      color: colorEnabled(),
    });
    await writeOutput(text);
  }

  protected override async catch(error: CommandError): Promise<void> {
    // this.exit() travels as an error too; let oclif carry it out.
    if (error.code === 'EEXIT') throw error;
    // A parse that failed was still a parse: keeps oclif's dev-mode "did not parse" warning away.
    this.parsed = true;
    const { message, exitCode } = describeError(error);
    const hint = exitCode === ExitCode.usage ? ` (see \`${[this.config.bin, this.id?.replaceAll(':', ' '), '--help'].filter(Boolean).join(' ')}\`)` : '';
    await writeOutput(`${this.config.bin}: ${message}${hint}\n`, process.stderr);
    process.exitCode = exitCode;
  }
}
