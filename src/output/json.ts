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
      return JSON.stringify(value);
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
  if (Array.isArray(value)) {
    const items = (value as readonly JsonValue[]).map((item) => serialize(item, inner));
    return items.length === 0 ? '[]' : `[${open}${items.join(separator)}${close}]`;
  }
  const members = Object.entries(value as { readonly [key: string]: JsonValue })
    .filter(([, member]) => member !== undefined)
    .map(([key, member]) => `${JSON.stringify(key)}${colon}${serialize(member, inner)}`);
  return members.length === 0 ? '{}' : `{${open}${members.join(separator)}${close}}`;
}
