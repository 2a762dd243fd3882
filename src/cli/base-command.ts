import { Command, Flags } from '@oclif/core';
import { describeError, ExitCode } from '../errors.js';
import { liveView, parseInterval, showOnce, watch, type LiveFlags, type LivePlan, type LiveSource } from '../app/live.js';
import {
  colorEnabled,
  selectColumns,
  renderView,
  parseSort,
  sortRows,
  writeOutput,
  type SortKey,
  type OutputFormat,
  type Row,
  type View,
  type ViewShape,
} from '../output/index.js';

export interface OutputFlags {
  json: boolean;
  csv: boolean;
  header: boolean;
  columns?: string;
}

export interface ListFlags {
  sort?: string;
  limit?: number;
}

export interface ListOrder {
  keys?: readonly SortKey[];
  limit?: number;
}

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
 * Shared by every command: the output-format flags, rendering a view, and one
 * way of failing — `mutexctl: <message>` on stderr and the mapped exit code.
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

  /**
   * The view as --columns cuts it. Call it before asking the kernel, so a bad
   * key is a usage error whether or not the module is loaded.
   */
  protected shownView(view: View, flags: Pick<OutputFlags, 'columns'>): View {
    return flags.columns === undefined ? view : selectColumns(view, flags.columns);
  }

  /** One snapshot, or with --watch one every interval; with --rate, counters as per-second rates. */
  protected async present(source: LiveSource, flags: OutputFlags & ListFlags & LiveFlags): Promise<void> {
    const intervalMs = parseInterval(flags);
    const full = liveView(source, flags);
    const view = this.shownView(full, flags);
    const order = source.shape === 'list' ? this.listOrder(full, flags) : {};
    const plan: LivePlan = { view, format: this.outputFormat(flags), header: flags.header, sort: order.keys, limit: order.limit, intervalMs, count: flags.count };
    if (flags.watch) await watch(source, plan, flags.rate, [this.config.bin, ...(this.id?.split(':') ?? []), ...this.argv].join(' '));
    else await showOnce(source, plan, flags.rate);
  }

  protected outputFormat(flags: OutputFlags): OutputFormat {
    if (flags.json) return 'json';
    if (flags.csv) return 'csv';
    return 'table';
  }

  /** Renders `rows` through `view` in the format the flags ask for and writes it (to stdout by default). */
  protected async printView(
    view: View,
    rows: readonly Row[],
    shape: ViewShape,
    flags: OutputFlags,
    stream: NodeJS.WriteStream = process.stdout,
  ): Promise<void> {
    const text = renderView(this.shownView(view, flags), rows, {
      format: this.outputFormat(flags),
      shape,
      header: flags.header,
      color: colorEnabled({ isTTY: stream.isTTY === true }),
    });
    await writeOutput(text, stream);
  }

  /**
   * Checks `--sort` against the view's columns: call it before asking the kernel,
   * so a bad key is a usage error whether or not the module is loaded.
   */
  protected listOrder(view: View, flags: ListFlags): ListOrder {
    // Without --sort: by id, so the order does not depend on the kernel's hash buckets.
    const sort = flags.sort ?? (view.columns.some((column) => column.key === 'id') ? 'id' : undefined);
    return { keys: sort === undefined ? undefined : parseSort(view, sort), limit: flags.limit };
  }

  /** A list, sorted and cut as `order` (from listOrder) says. */
  protected async printList(view: View, rows: readonly Row[], order: ListOrder, flags: OutputFlags): Promise<void> {
    const sorted = order.keys === undefined ? rows : sortRows(rows, order.keys);
    const limited = order.limit === undefined ? sorted : sorted.slice(0, order.limit);
    await this.printView(view, limited, 'list', flags);
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
