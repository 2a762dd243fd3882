// IP addresses as people and scripts write them: IPv4 dotted quads, IPv6 in
// the RFC 5952 canonical form (lowercase, leading zeros dropped, the longest
// run of two or more zero groups as "::", IPv4-mapped as ::ffff:a.b.c.d).

const dotted = (b: Uint8Array, at: number): string => `${b[at]!}.${b[at + 1]!}.${b[at + 2]!}.${b[at + 3]!}`;

/**
 * 4 or 16 bytes in network order → text; any other length is shown as hex.
 * Runs for both ends of every listed flow, so it works on the bytes directly.
 */
export function formatAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return dotted(bytes, 0);
  if (bytes.length !== 16) return Buffer.from(bytes).toString('hex');
  const group = (i: number): number => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!;
  // ::ffff:0:0/96, IPv4-mapped: RFC 5952 §5 keeps the dotted quad.
  if (group(0) === 0 && group(1) === 0 && group(2) === 0 && group(3) === 0 && group(4) === 0 && group(5) === 0xffff) {
    return `::ffff:${dotted(bytes, 12)}`;
  }
  // The first longest run of zero groups, if it is two or more long, becomes "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (group(i) !== 0) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < 8 && group(j) === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += '::';
      i += bestLength - 1;
      continue;
    }
    if (text !== '' && !text.endsWith(':')) text += ':';
    text += group(i).toString(16);
  }
  return text;
}

function parseIPv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const part of parts) {
    // No leading zeros (they read as octal in some parsers), no signs or spaces.
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes.push(value);
  }
  return bytes;
}

function parseGroups(text: string, allowIPv4Tail: boolean): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (allowIPv4Tail && i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIPv4(part);
      if (!v4) return undefined;
      groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined;
    groups.push(parseInt(part, 16));
  }
  return groups;
}

function parseIPv6(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const head = parseGroups(halves[0]!, false);
    const tail = parseGroups(halves[1]!, true);
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = parseGroups(text, true);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

/** An IPv4 (4 bytes) or IPv6 (16 bytes) address, or undefined when `text` is neither. */
export function parseAddress(text: string): Uint8Array | undefined {
  const bytes = text.includes(':') ? parseIPv6(text) : parseIPv4(text);
  return bytes ? Uint8Array.from(bytes) : undefined;
}

/** `10.0.0.1:443`, `[2001:db8::1]:443`, or the bare address when there is no port (ICMP). */
export function formatEndpoint(address: string, port: number | undefined): string {
  if (port === undefined) return address;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Orders addresses by value, every IPv4 address before every IPv6 one; text that is no address sorts last. */
export function compareAddresses(a: string, b: string): number {
  const ka = parseAddress(a);
  const kb = parseAddress(b);
  if (!ka || !kb) return ka ? -1 : kb ? 1 : a < b ? -1 : a > b ? 1 : 0;
  return ka.length - kb.length || Buffer.compare(ka, kb);
}
