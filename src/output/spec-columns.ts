// Columns derived from an attribute set of the family spec, so a counter added
// to kernel/mutex.yaml shows up in every output without touching the views.
import { attributeSets, type AttrSpec } from '../spec/generated.js';
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
      if (spec.multi) return options.lists === true && SHOWN_TYPES.has(spec.type);
      return SHOWN_TYPES.has(spec.type) || Object.hasOwn(overrides, spec.key);
    })
    .map((spec) => {
      const kind = kindOfAttribute(spec);
      const column: Column = { key: spec.key, header: headerOfAttribute(spec.name, kind), kind, ...(spec.multi ? { list: true } : {}) };
      return { ...column, ...overrides[spec.key] };
    });
}
