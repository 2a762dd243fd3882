import { Flags } from '@oclif/core';
import { fstatSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { BaseCommand } from '../cli/base-command.js';
import { parseFdId } from '../cli/parse.js';
import { withMutexClient } from '../kernel/operations.js';
import { MutexctlError, UsageError } from '../errors.js';
import { selectColumns, writeOutput } from '../output/index.js';
import { decodeSnapshot } from '../export/binary.js';
import { writeFileAtomic } from '../export/file.js';
import { EXPORT_FORMATS, renderExport, scopeView, type ExportFormat } from '../export/render.js';
import { captureSnapshot, parseScopes, SCOPES, type Scope, type Snapshot } from '../export/snapshot.js';

const DEFAULT_SCOPES: Readonly<Record<ExportFormat, readonly Scope[]>> = {
  json: ['global', 'fd'],
  binary: ['global', 'fd'],
  prometheus: ['global', 'fd'],
  csv: ['global'],
};

/** `3,5,7`: context ids, each once. */
export function parseFdList(text: string): number[] {
  const ids = text.split(',').map((item) => parseFdId(item.trim(), '--fd'));
  return [...new Set(ids)];
}

/** Only what concerns these contexts. */
function restrictToFds(snapshot: Snapshot, fdIds: readonly number[]): Snapshot {
  const wanted = new Set(fdIds);
  const missing = fdIds.filter((id) => snapshot.fds !== undefined && !snapshot.fds.some((fd) => fd.id === id));
  if (missing.length > 0) throw new MutexctlError(`the snapshot has no context with id ${missing.join(', ')}`);
  return {
    ...snapshot,
    fds: snapshot.fds?.filter((fd) => fd.id !== undefined && wanted.has(fd.id)),
    conns: snapshot.conns?.filter((conn) => conn.fd_id !== undefined && wanted.has(conn.fd_id)),
    alerts: snapshot.alerts?.filter((alert) => alert.fd_id !== undefined && wanted.has(alert.fd_id)),
  };
}

/** stdout is a non-empty regular file: `>> file` appending to an earlier run's output. */
function appendingToFile(): boolean {
  try {
    const stat = fstatSync(1);
    return stat.isFile() && stat.size > 0;
  } catch {
    return false;
  }
}

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
    const format = this.chooseFormat(flags);
    const fdIds = flags.fd === undefined ? undefined : parseFdList(flags.fd);
    const requested = flags.scope === undefined ? undefined : parseScopes(flags.scope);
    if (flags.aggregate && (format === 'binary' || format === 'prometheus')) {
      throw new UsageError(
        format === 'binary'
          ? '--aggregate does not go with --format binary, which keeps the raw records; aggregate when converting with --from'
          : '--aggregate does not go with --format prometheus; sum the per-context series in PromQL instead',
      );
    }
    if (format === 'binary' && flags.output === undefined && process.stdout.isTTY) {
      throw new UsageError('binary output is not for a terminal: give --output FILE or redirect stdout');
    }
    const header = this.csvHeader(flags.header, flags.output !== undefined);
    if (flags.columns !== undefined && format !== 'csv' && format !== 'json') {
      throw new UsageError(`--columns chooses columns of JSON and CSV, not of --format ${format}`);
    }
    if (flags.columns !== undefined) {
      if (requested?.length !== 1) throw new UsageError('--columns chooses the columns of one scope: give one --scope');
      selectColumns(scopeView(requested[0]!, flags.aggregate), flags.columns);
    }

    let snapshot: Snapshot;
    let scopes: readonly Scope[];
    if (flags.from !== undefined) {
      snapshot = await this.readSnapshot(flags.from);
      scopes = requested ?? (format === 'csv' ? snapshot.scopes.slice(0, 1) : snapshot.scopes);
      const absent = scopes.filter((scope) => !snapshot.scopes.includes(scope));
      if (absent.length > 0) {
        throw new MutexctlError(`${flags.from} holds the scopes ${snapshot.scopes.join(',') || '(none)'}, not ${absent.join(',')}`);
      }
      if (fdIds !== undefined) snapshot = restrictToFds(snapshot, fdIds);
      if (format === 'binary') snapshot = { ...snapshot, scopes };
    } else {
      scopes = requested ?? DEFAULT_SCOPES[format];
      if (flags.aggregate && !scopes.includes('fd')) throw new UsageError('--aggregate folds contexts: add fd to --scope');
      if (format === 'csv' && scopes.length !== 1) {
        throw new UsageError(`CSV holds one table: give one --scope (${scopes.join(',')} asked for); export each to its own file`);
      }
      // The Prometheus flow counts per context and protocol need the flows, even without per-flow series.
      const capture: Scope[] = format === 'prometheus' && scopes.includes('fd') && !scopes.includes('conn') ? [...scopes, 'conn'] : [...scopes];
      snapshot = await withMutexClient((client) => captureSnapshot(client, { scopes: capture, fdIds }));
      snapshot = { ...snapshot, scopes };
    }

    const data = renderExport(snapshot, format, { scopes, aggregate: flags.aggregate, header, columns: flags.columns });
    if (flags.output !== undefined) await writeFileAtomic(flags.output, data);
    else await writeOutput(data);
  }

  private chooseFormat(flags: { format?: string; json: boolean; csv: boolean }): ExportFormat {
    const implied = flags.json ? 'json' : flags.csv ? 'csv' : undefined;
    if (flags.format !== undefined && implied !== undefined && flags.format !== implied) {
      throw new UsageError(`--${implied} and --format ${flags.format} ask for different formats`);
    }
    return (flags.format ?? implied ?? 'json') as ExportFormat;
  }

  /** The CSV header row: as asked, else left out when appending to a file that has data. */
  private csvHeader(header: boolean, toFile: boolean): boolean {
    const explicit = this.argv.some((arg) => arg === '--header' || arg === '--no-header');
    if (explicit || toFile) return header;
    return !appendingToFile();
  }

  private async readSnapshot(path: string): Promise<Snapshot> {
    let data: Buffer;
    try {
      data = path === '-' ? await readStdin() : await readFile(path);
    } catch (error) {
      throw new MutexctlError(`cannot read ${path}: ${(error as Error).message}`);
    }
    return decodeSnapshot(data, path === '-' ? 'stdin' : path);
  }
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
