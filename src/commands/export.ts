import { Flags } from '@oclif/core';
import { csvHeader, exportFormat, runExport, toStdout } from '../app/export.js';
import { BaseCommand } from '../cli/base-command.js';
import { parseFdList } from '../cli/parse.js';
import type { RetiredFlags } from '../cli/argv.js';
import { UsageError } from '../errors.js';
import { EXPORT_FORMATS } from '../export/render.js';
import { parseScopes, SCOPES } from '../export/snapshot.js';
import { writeOutput } from '../output/index.js';

export default class Export extends BaseCommand {
  static override summary = 'Export a snapshot of the statistics as JSON, CSV, binary or Prometheus text.';

  static override description = `Takes one snapshot of the chosen sections — global statistics (global), contexts (fd), flows (conn) and the alert ring (alerts) — and writes it in one format. Every format carries raw integers in base units (bytes, packets, µs, ns); docs/output.md documents each one, docs/schema/ has JSON Schemas.

--format json (the default; --json is the same) writes one object with a member per section; the members hold exactly what \`mutexctl stats|fd|conn|alerts --json\` print. --format csv (--csv) writes one section as a table with taken_ns in front; appending to a file that already has data leaves the header row out unless --header is given, so \`>> file\` from cron builds one table. --format prometheus writes the text exposition format for node_exporter's textfile collector (per-flow series only with --sections conn). --format binary writes the kernel's own attribute encoding; --from reads it back into any format.

--output FILE never destroys anything: a regular file (or the file a symlink points to; the link stays) is replaced atomically (a temporary file in the same directory, then a rename) and keeps its mode and owner; a new file gets the mode > would give it; a character device (/dev/null) or a FIFO is written to; a directory, socket or block device is refused; - is stdout. A path that cannot be written (no such directory, a directory) is a usage error before the kernel is asked.

--fd limits every section to those contexts; --aggregate folds them into one (counters and histograms summed, RTT average and percentiles from the sums).

Default sections: global,fd (CSV: global). --scope is the old name of --sections.`;

  static override examples = [
    { description: 'Everything as JSON.', command: '<%= config.bin %> <%= command.id %> --sections global,fd,conn,alerts' },
    {
      description: 'For node_exporter\'s textfile collector, from cron.',
      command: '<%= config.bin %> <%= command.id %> --format prometheus --output /var/lib/node_exporter/textfile_collector/mutex.prom',
    },
    { description: 'A CSV time series of the global counters, one row per run.', command: '<%= config.bin %> <%= command.id %> --format csv >> mutex.csv' },
    { description: 'Contexts 3, 5 and 7 as one.', command: '<%= config.bin %> <%= command.id %> --fd 3,5,7 --aggregate --json' },
    {
      description: 'Keep a binary snapshot, convert it later.',
      command: '<%= config.bin %> <%= command.id %> -F binary --sections global,fd,conn -o snap.bin && <%= config.bin %> <%= command.id %> --from snap.bin -F csv --sections conn',
    },
  ];

  static override retiredFlags: RetiredFlags = { '-f': 'use -F (or --format) for the format; -f is --follow (alerts)' };

  static override flags = {
    format: Flags.string({ char: 'F', description: 'Output format.', options: [...EXPORT_FORMATS] }),
    sections: Flags.string({ description: `What to export, comma-separated: ${SCOPES.join(', ')}.`, helpValue: 'SECTION[,SECTION]' }),
    scope: Flags.string({ description: 'The old name of --sections.', helpValue: 'SECTION[,SECTION]', hidden: true }),
    output: Flags.string({
      char: 'o',
      description: 'Write to FILE instead of stdout (- is stdout): a file is replaced atomically, keeping its mode and owner; a device or FIFO is written to.',
      helpValue: 'FILE',
    }),
    from: Flags.string({ description: 'Read a binary snapshot from FILE (- for stdin) instead of the kernel.', helpValue: 'FILE' }),
    fd: Flags.string({ description: 'Only these contexts (and their flows and alerts).', helpValue: 'ID[,ID]' }),
    aggregate: Flags.boolean({ description: 'Fold the contexts (all, or those of --fd) into one aggregate.', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Export);
    const format = exportFormat(flags);
    const fdIds = flags.fd === undefined ? undefined : parseFdList(flags.fd);
    if (flags.scope !== undefined && flags.sections !== undefined) throw new UsageError('--scope is the old name of --sections: give one of them');
    const sections = flags.sections ?? flags.scope;
    const scopes = sections === undefined ? undefined : parseScopes(sections);
    const explicitHeader = this.argv.some((arg) => arg === '--header' || arg === '--no-header');
    const header = csvHeader(flags.header, explicitHeader, !toStdout(flags.output));
    await runExport({ format, scopes, fdIds, aggregate: flags.aggregate, header, columns: flags.columns, output: flags.output, from: flags.from });
    if (flags.scope !== undefined) await writeOutput(`${this.config.bin}: warning: --scope is now --sections; the old name will go away\n`, process.stderr);
  }
}
