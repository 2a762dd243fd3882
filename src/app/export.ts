// What `export` does: one snapshot (from the kernel, or a binary snapshot read
// back with --from), restricted to some contexts when asked, written in one
// format to stdout or atomically to a file.
import { fstatSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describeFileError, InputError, UsageError } from '../errors.js';
import { decodeSnapshot } from '../export/binary.js';
import { resolveOutput, writeToOutput } from '../export/file.js';
import { renderExport, scopeView, type ExportFormat } from '../export/render.js';
import { captureSnapshot, type Scope, type Snapshot } from '../export/snapshot.js';
import { withMutexClient } from '../kernel/operations.js';
import { selectColumns, writeOutput } from '../output/index.js';

const DEFAULT_SCOPES: Readonly<Record<ExportFormat, readonly Scope[]>> = {
  json: ['global', 'fd'],
  binary: ['global', 'fd'],
  prometheus: ['global', 'fd'],
  csv: ['global'],
};

export interface ExportRequest {
  readonly format: ExportFormat;
  /** --sections, when given. */
  readonly scopes?: readonly Scope[];
  /** --fd: only these contexts. */
  readonly fdIds?: readonly number[];
  readonly aggregate: boolean;
  /** The CSV header row (see csvHeader). */
  readonly header: boolean;
  readonly columns?: string;
  /** --output FILE (- or none: stdout). */
  readonly output?: string;
  /** --from FILE (- for stdin), else the kernel. */
  readonly from?: string;
}

/** --format, or the format --json / --csv imply (JSON when none is given). */
export function exportFormat(flags: { format?: string; json: boolean; csv: boolean }): ExportFormat {
  const implied = flags.json ? 'json' : flags.csv ? 'csv' : undefined;
  if (flags.format !== undefined && implied !== undefined && flags.format !== implied) {
    throw new UsageError(`--${implied} and --format ${flags.format} ask for different formats`);
  }
  return (flags.format ?? implied ?? 'json') as ExportFormat;
}

/** Whether output goes to stdout: no --output, or --output -. */
export function toStdout(output: string | undefined): boolean {
  return output === undefined || output === '-';
}

/** The CSV header row: as asked (`explicit`), else left out when appending to a file that has data. */
export function csvHeader(header: boolean, explicit: boolean, toFile: boolean): boolean {
  if (explicit || toFile) return header;
  return !appendingToFile();
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

/** Only what concerns these contexts. */
function restrictToFds(snapshot: Snapshot, fdIds: readonly number[]): Snapshot {
  const wanted = new Set(fdIds);
  const missing = fdIds.filter((id) => snapshot.fds !== undefined && !snapshot.fds.some((fd) => fd.id === id));
  if (missing.length > 0) throw new InputError(`the snapshot has no context with id ${missing.join(', ')}`);
  return {
    ...snapshot,
    fds: snapshot.fds?.filter((fd) => fd.id !== undefined && wanted.has(fd.id)),
    conns: snapshot.conns?.filter((conn) => conn.fd_id !== undefined && wanted.has(conn.fd_id)),
    alerts: snapshot.alerts?.filter((alert) => alert.fd_id !== undefined && wanted.has(alert.fd_id)),
  };
}

/** Checks the request, takes (or reads) the snapshot, and writes it. */
export async function runExport(request: ExportRequest): Promise<void> {
  const { format, fdIds, aggregate, header, columns, output, from } = request;
  const requested = request.scopes;
  if (aggregate && (format === 'binary' || format === 'prometheus')) {
    throw new UsageError(
      format === 'binary'
        ? '--aggregate does not go with --format binary, which keeps the raw records; aggregate when converting with --from'
        : '--aggregate does not go with --format prometheus; sum the per-context series in PromQL instead',
    );
  }
  // Where the output goes is checked first: a bad path fails before the kernel is asked.
  if (output !== undefined) resolveOutput(output);
  if (from !== undefined) checkInput(from);
  if (format === 'binary' && toStdout(output) && process.stdout.isTTY) {
    throw new UsageError('binary output is not for a terminal: give --output FILE or redirect stdout');
  }
  if (columns !== undefined && format !== 'csv' && format !== 'json') {
    throw new UsageError(`--columns chooses columns of JSON and CSV, not of --format ${format}`);
  }
  if (columns !== undefined) {
    if (requested?.length !== 1) throw new UsageError('--columns chooses the columns of one section: give one --sections');
    selectColumns(scopeView(requested[0]!, aggregate), columns);
  }

  let snapshot: Snapshot;
  let scopes: readonly Scope[];
  if (from !== undefined) {
    snapshot = await readSnapshot(from);
    scopes = requested ?? (format === 'csv' ? snapshot.scopes.slice(0, 1) : snapshot.scopes);
    const absent = scopes.filter((scope) => !snapshot.scopes.includes(scope));
    if (absent.length > 0) {
      throw new InputError(`${from} holds the sections ${snapshot.scopes.join(',') || '(none)'}, not ${absent.join(',')}`);
    }
    if (fdIds !== undefined) snapshot = restrictToFds(snapshot, fdIds);
    if (format === 'binary') snapshot = { ...snapshot, scopes };
  } else {
    scopes = requested ?? DEFAULT_SCOPES[format];
    if (aggregate && !scopes.includes('fd')) throw new UsageError('--aggregate folds contexts: add fd to --sections');
    if (format === 'csv' && scopes.length !== 1) {
      throw new UsageError(`CSV holds one table: give one --sections (${scopes.join(',')} asked for); export each to its own file`);
    }
    // The Prometheus flow counts per context and protocol need the flows, even without per-flow series.
    const capture: Scope[] = format === 'prometheus' && scopes.includes('fd') && !scopes.includes('conn') ? [...scopes, 'conn'] : [...scopes];
    snapshot = await withMutexClient((client) => captureSnapshot(client, { scopes: capture, fdIds }));
    snapshot = { ...snapshot, scopes };
  }

  const data = renderExport(snapshot, format, { scopes, aggregate, header, columns });
  if (output !== undefined) await writeToOutput(output, data);
  else await writeOutput(data);
}

/** --from: `-` (stdin), or a file that exists and is no directory; an InputError (exit 2) otherwise. */
function checkInput(path: string): void {
  if (path === '-') return;
  if (path === '') throw new InputError('--from "": empty file name (- reads stdin)');
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    throw new InputError(describeFileError('read', path, error));
  }
  if (stat.isDirectory()) throw new InputError(`cannot read ${path}: it is a directory`);
}

async function readSnapshot(path: string): Promise<Snapshot> {
  let data: Buffer;
  try {
    data = path === '-' ? await readStdin() : await readFile(path);
  } catch (error) {
    throw new InputError(describeFileError('read', path, error));
  }
  return decodeSnapshot(data, path === '-' ? 'stdin' : path);
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
