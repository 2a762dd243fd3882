// JSON that keeps 64-bit counters exact: bigint is written as its integer
// digits, never through a float and never through JSON.stringify (which throws).

export type JsonValue =
  | bigint
  | number
  | string
  | boolean
  | null
  | undefined
  | Uint8Array
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

const C1 = /[\u007f-\u009f]/;
const C1_ALL = /[\u007f-\u009f]/g;

/** Pretty-printed (2-space indent) with a trailing newline; object keys keep insertion order. */
export function toJson(value: JsonValue): string {
  return `${serialize(value, '')}\n`;
}

/** One line, no trailing newline: for NDJSON streams. */
export function toJsonLine(value: JsonValue): string {
  return serialize(value, null);
}

function serialize(value: JsonValue, indent: string | null): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'string':
      // JSON.stringify escapes C0; DEL and the C1 controls too, so no terminal reads them raw.
      return C1.test(value) ? JSON.stringify(value).replace(C1_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      break;
  }
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('hex'));
  const inner = indent === null ? null : `${indent}  `;
  const open = inner === null ? '' : `\n${inner}`;
  const close = inner === null ? '' : `\n${indent}`;
  const separator = inner === null ? ',' : `,\n${inner}`;
  const colon = inner === null ? ':' : ': ';
  // Plain loops: a 100 000-flow listing is 2.4 million members.
  const items: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value as readonly JsonValue[]) items.push(serialize(item, inner));
    return items.length === 0 ? '[]' : `[${open}${items.join(separator)}${close}]`;
  }
  const object = value as { readonly [key: string]: JsonValue };
  for (const key in object) {
    const member = object[key];
    if (member !== undefined) items.push(`${JSON.stringify(key)}${colon}${serialize(member, inner)}`);
  }
  return items.length === 0 ? '{}' : `{${open}${items.join(separator)}${close}}`;
}

/** An identifier's JSON value: its decimal digits as a string (a list of them, for a list), so jq 1.6 and JavaScript read a u64 exactly. */
export function identifierJson(value: JsonValue): JsonValue {
  if (typeof value === 'bigint' || typeof value === 'number') return String(value);
  if (Array.isArray(value)) return (value as readonly JsonValue[]).map((item) => (typeof item === 'bigint' || typeof item === 'number' ? String(item) : item));
  return value;
}

/**
 * Objects with these members, in this order (an undefined one left out), as
 * serialize() writes them at `indent`, without building each object first:
 * a listing writes one per row. The members named in `identifiers` are
 * written as identifierJson() gives them (decimal strings).
 */
export function jsonRecord(
  keys: readonly string[],
  indent: string,
  identifiers: ReadonlySet<string> = new Set(),
): (values: { readonly [key: string]: JsonValue }) => string {
  const inner = `${indent}  `;
  const first = keys.map((key) => `{\n${inner}${JSON.stringify(key)}: `);
  const next = keys.map((key) => `,\n${inner}${JSON.stringify(key)}: `);
  const isIdentifier = keys.map((key) => identifiers.has(key));
  const close = `\n${indent}}`;
  return (values) => {
    let out = '';
    for (let i = 0; i < keys.length; i++) {
      const value = values[keys[i]!];
      if (value === undefined) continue;
      out += out === '' ? first[i] : next[i];
      if (isIdentifier[i]) out += serialize(identifierJson(value), inner);
      // Counters (most members) straight to digits; the rest as serialize() does.
      else out += typeof value === 'bigint' || (typeof value === 'number' && Number.isFinite(value)) ? String(value) : serialize(value, inner);
    }
    return out === '' ? '{}' : out + close;
  };
}

/**
 * A top-level array written in pieces as its items arrive: the pieces
 * together are the same bytes as toJson() of the whole array.
 */
export class JsonArrayWriter {
  private started = false;

  /** The text for more items, each already serialized at an indent of two spaces (jsonRecord). */
  items(serialized: readonly string[]): string {
    let out = '';
    for (const item of serialized) {
      out += this.started ? ',\n  ' : '[\n  ';
      this.started = true;
      out += item;
    }
    return out;
  }

  /** The closing text. */
  end(): string {
    return this.started ? '\n]\n' : '[]\n';
  }
}
