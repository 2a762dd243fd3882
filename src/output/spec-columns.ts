// Columns derived from an attribute set of the family spec and, for the figure
// sets, from the catalog (kernel/counters.yaml): a figure added there shows up
// in every output, with its kind, unit and heading, without touching the views.
import { attributeSets, figures, type AttrSpec, type FigureSpec } from '../spec/generated.js';
import type { Column, ColumnKind } from './view.js';

/** The spec names carry their units (DESIGN.md §3.3), which tells how to show them. */
export function kindOfAttribute(spec: Pick<AttrSpec, 'name' | 'type'>): ColumnKind {
  const { name } = spec;
  if (spec.type === 'string') return 'text';
  if (name.includes('bytes-per-sec')) return 'bytes-per-sec';
  if (/(^|-)bytes($|-)/.test(name)) return 'bytes';
  if (name.endsWith('-us')) return 'usec';
  // uptime-ns is a length of time; every other *-ns is a wall-clock time.
  if (/(^|-)(uptime|duration|age)-ns$/.test(name)) return 'duration-ns';
  if (name.endsWith('-ns')) return 'time-ns';
  // Identifiers and ports read as plain numbers, never "8,080".
  if (/(^|-)(id|pid|tgid|uid|gid|port)$/.test(name)) return 'id';
  return 'count';
}

/** How people read a figure of kernel/counters.yaml: its kind, then its unit. */
export function kindOfFigure(figure: FigureSpec): ColumnKind {
  switch (figure.kind) {
    case 'time':
      return 'time-ns';
    case 'duration':
      return 'duration-ns';
    case 'id':
    case 'flag':
      return 'id';
    case 'text':
    case 'enum':
    case 'mask':
      return 'text';
    case 'address':
      return 'address';
    default:
      if (figure.unit === 'bytes') return 'bytes';
      if (figure.unit === 'bytes/s') return 'bytes-per-sec';
      if (figure.unit === 'us') return 'usec';
      return 'count';
  }
}

/** A column of one attribute: from its catalog entry for the figure sets, else read from its name. */
function columnOf(setName: string, spec: AttrSpec): Column {
  const figure = figures[setName]?.[spec.key];
  const list = spec.multi ? { list: true } : {};
  if (!figure) {
    const kind = kindOfAttribute(spec);
    return { key: spec.key, header: headerOfAttribute(spec.name, kind), kind, ...list };
  }
  if (figure.kind === 'reasons') return { key: spec.key, header: figure.header, kind: 'count', tally: true };
  const metric = figure.kind === 'counter' || figure.kind === 'gauge' ? { metric: figure.kind } : {};
  return { key: spec.key, header: figure.header, kind: kindOfFigure(figure), ...metric, ...list };
}

const SHOWN_TYPES = new Set<AttrSpec['type']>(['u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64', 'string', 'flag']);

/** The table heading: the spec name in words, minus a unit the table converts anyway. */
export function headerOfAttribute(name: string, kind: ColumnKind): string {
  const words = name.replace(/-/g, ' ');
  switch (kind) {
    case 'time-ns':
    case 'duration-ns':
      return words.replace(/ ns$/, '');
    case 'usec':
      return words.replace(/ us$/, '');
    case 'bytes-per-sec':
      return words.replace('bytes per sec', 'rate');
    case 'bytes':
      return words.replace(/ bytes$/, '');
    default:
      return words;
  }
}

export interface ColumnOptions {
  /** Per-key changes (an enum shown by name, an address as text); an override also brings in a binary attribute. */
  readonly overrides?: Readonly<Record<string, Partial<Column>>>;
  /** Also list columns for multi-attr integers (histograms). */
  readonly lists?: boolean;
}

/** One column per scalar attribute of `setName`, in spec order. */
export function columnsFromAttributeSet(setName: string, options: ColumnOptions = {}): Column[] {
  const specs = attributeSets[setName];
  if (!specs) throw new Error(`unknown attribute set "${setName}"`);
  const overrides = options.overrides ?? {};
  return specs
    .filter((spec) => {
      if (spec.type === 'pad') return false;
      const figureSet = figures[setName];
      // A figure set shows its figures only, not the filters a request may carry.
      if (figureSet && !figureSet[spec.key]) return false;
      if (figureSet?.[spec.key]?.kind === 'reasons') return true;
      if (spec.multi) return options.lists === true && SHOWN_TYPES.has(spec.type);
      return SHOWN_TYPES.has(spec.type) || Object.hasOwn(overrides, spec.key);
    })
    .map((spec) => ({ ...columnOf(setName, spec), ...overrides[spec.key] }));
}
