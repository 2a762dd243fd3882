import { Flags } from '@oclif/core';
import { csvHeader, exportFormat, runExport } from '../app/export.js';
import { BaseCommand } from '../cli/base-command.js';
import { parseFdList } from '../cli/parse.js';
import { EXPORT_FORMATS } from '../export/render.js';
import { parseScopes, SCOPES } from '../export/snapshot.js';

export default class Export extends BaseCommand {
  static override summary = 'Export a snapshot of the statistics as JSON, CSV, binary or Prometheus text.';

  static override description = `Takes one snapshot of the chosen scopes — global statistics, contexts (fd), flows (conn) and the alert ring (alerts) — and writes it in one format. Every format carries raw integers in base units (bytes, packets, µs, ns); docs/output.md documents each one, docs/schema/ has JSON Schemas.

--format json (the default; --json is the same) writes one object with a member per scope; the members hold exactly what \`mutexctl stats|fd|conn|alerts --json\` print. --format csv (--csv) writes one scope as a table with taken_ns in front; appending to a file that already has data leaves the header row out unless --header is given, so \`>> file\` from cron builds one table. --format prometheus writes the text exposition format for node_exporter's textfile collector (per-flow series only with --scope conn). --format binary writes the kernel's own attribute encoding; --from reads it back into any format.

--output writes the file atomically (a temporary file in the same directory, then a rename). --fd limits every scope to those contexts; --aggregate folds them into one (counters and histograms summed, RTT average and percentiles from the sums).

Default scopes: global,fd (CSV: global).`;

  static override examples = [
    { description: 'Everything as JSON.', command: '<%= config.bin %> <%= command.id %> --scope global,fd,conn,alerts' },
    {
      description: 'For node_exporter\'s textfile collector, from cron.',
      command: '<%= config.bin %> <%= command.id %> --format prometheus --output /var/lib/node_exporter/textfile_collector/mutex.prom',
    },
    { description: 'A CSV time series of the global counters, one row per run.', command: '<%= config.bin %> <%= command.id %> --format csv >> mutex.csv' },
    { description: 'Contexts 3, 5 and 7 as one.', command: '<%= config.bin %> <%= command.id %> --fd 3,5,7 --aggregate --json' },
    {
      description: 'Keep a binary snapshot, convert it later.',
      command: '<%= config.bin %> <%= command.id %> --format binary --scope global,fd,conn -o snap.bin && <%= config.bin %> <%= command.id %> --from snap.bin --format csv --scope conn',
    },
  ];

  static override flags = {
    format: Flags.string({ char: 'f', description: 'Output format.', options: [...EXPORT_FORMATS] }),
    scope: Flags.string({ description: `What to export, comma-separated: ${SCOPES.join(', ')}.`, helpValue: 'SCOPE[,SCOPE]' }),
    output: Flags.string({ char: 'o', description: 'Write to FILE (atomically: temporary file, then rename) instead of stdout.', helpValue: 'FILE' }),
    from: Flags.string({ description: 'Read a binary snapshot from FILE (- for stdin) instead of the kernel.', helpValue: 'FILE' }),
    fd: Flags.string({ description: 'Only these contexts (and their flows and alerts).', helpValue: 'ID[,ID]' }),
    aggregate: Flags.boolean({ description: 'Fold the contexts (all, or those of --fd) into one aggregate.', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Export);
    const format = exportFormat(flags);
    const fdIds = flags.fd === undefined ? undefined : parseFdList(flags.fd);
    const scopes = flags.scope === undefined ? undefined : parseScopes(flags.scope);
    const explicitHeader = this.argv.some((arg) => arg === '--header' || arg === '--no-header');
    const header = csvHeader(flags.header, explicitHeader, flags.output !== undefined);
    await runExport({ format, scopes, fdIds, aggregate: flags.aggregate, header, columns: flags.columns, output: flags.output, from: flags.from });
  }
}
