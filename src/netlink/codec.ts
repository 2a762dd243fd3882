// TLV codec for netlink attributes, driven by the attribute tables generated
// from the family's YNL spec: nothing here knows a particular attribute.
// Netlink is host-endian; mutexctl targets little-endian hosts (amd64, arm64).
import { attributeSets, enums, type AttrSetTypes, type AttrSpec } from '../spec/generated.js';
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from './constants.js';
import { CodecError } from './errors.js';

export { CodecError };

export type AttrTables = Readonly<Record<string, readonly AttrSpec[]>>;
export type EnumTables = Readonly<Record<string, readonly { name: string; value: number }[]>>;
export type AttrSetName = keyof AttrSetTypes & string;

/** One attribute as it sits in a buffer, before interpretation. */
export interface RawAttribute {
  /** Type with NLA_F_NESTED and NLA_F_NET_BYTEORDER masked off. */
  type: number;
  nested: boolean;
  netByteOrder: boolean;
  /** Offset of the attribute's header within the parsed buffer. */
  offset: number;
  payload: Buffer;
}

export function align4(length: number): number {
  return (length + 3) & ~3;
}

/**
 * Splits a buffer into attributes. A header that does not fit, or a length that
 * runs past the end, is a truncated TLV; the final attribute's padding may be absent.
 */
export function parseAttributes(buf: Buffer, where = 'attributes'): RawAttribute[] {
  const attributes: RawAttribute[] = [];
  let offset = 0;
  while (offset < buf.length) {
    if (buf.length - offset < NLA_HDRLEN) {
      throw new CodecError(`truncated ${where}: ${buf.length - offset} stray bytes at offset ${offset}`);
    }
    const length = buf.readUInt16LE(offset);
    const rawType = buf.readUInt16LE(offset + 2);
    if (length < NLA_HDRLEN || offset + length > buf.length) {
      throw new CodecError(
        `truncated ${where}: attribute type ${rawType & NLA_TYPE_MASK} at offset ${offset} claims ${length} bytes, ` +
          `${buf.length - offset} left`,
      );
    }
    attributes.push({
      type: rawType & NLA_TYPE_MASK,
      nested: (rawType & NLA_F_NESTED) !== 0,
      netByteOrder: (rawType & NLA_F_NET_BYTEORDER) !== 0,
      offset,
      payload: buf.subarray(offset + NLA_HDRLEN, offset + length),
    });
    offset += align4(length);
  }
  return attributes;
}

/** Header + payload + zero padding to 4 bytes. `flags` is ORed into the type (NLA_F_NESTED). */
export function encodeAttribute(type: number, payload: Buffer, flags = 0): Buffer {
  const length = NLA_HDRLEN + payload.length;
  if (length > 0xffff) throw new CodecError(`attribute type ${type} too long (${length} bytes)`);
  const out = Buffer.alloc(align4(length));
  out.writeUInt16LE(length, 0);
  out.writeUInt16LE((type & NLA_TYPE_MASK) | flags, 2);
  payload.copy(out, NLA_HDRLEN);
  return out;
}

interface IntegerLayout {
  bytes: 1 | 2 | 4 | 8;
  signed: boolean;
}

const INTEGER_LAYOUTS: Readonly<Record<string, IntegerLayout>> = {
  u8: { bytes: 1, signed: false },
  u16: { bytes: 2, signed: false },
  u32: { bytes: 4, signed: false },
  u64: { bytes: 8, signed: false },
  s8: { bytes: 1, signed: true },
  s16: { bytes: 2, signed: true },
  s32: { bytes: 4, signed: true },
  s64: { bytes: 8, signed: true },
};

function integerRange({ bytes, signed }: IntegerLayout): [bigint, bigint] {
  const bits = BigInt(bytes * 8);
  return signed ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
}

function writeInteger(layout: IntegerLayout, value: bigint, bigEndian: boolean): Buffer {
  const out = Buffer.alloc(layout.bytes);
  const le = !bigEndian;
  if (layout.bytes === 8) {
    if (layout.signed) {
      if (le) out.writeBigInt64LE(value);
      else out.writeBigInt64BE(value);
    } else if (le) out.writeBigUInt64LE(value);
    else out.writeBigUInt64BE(value);
    return out;
  }
  const n = Number(value);
  if (layout.signed) {
    if (le) out.writeIntLE(n, 0, layout.bytes);
    else out.writeIntBE(n, 0, layout.bytes);
  } else if (le) out.writeUIntLE(n, 0, layout.bytes);
  else out.writeUIntBE(n, 0, layout.bytes);
  return out;
}

/**
 * An unsigned little-endian integer of `width` bytes at `pos`. A u64 is a
 * bigint (one allocation when it fits a double), or with `safeNumbers` a
 * number when it is at most 2^53 - 1 (exact) and a bigint only above.
 */
function readUnsignedLE(buf: Buffer, pos: number, width: number, safeNumbers: boolean): number | bigint {
  if (width === 1) return buf[pos]!;
  if (width === 2) return buf[pos]! | (buf[pos + 1]! << 8);
  const low = buf[pos]! + buf[pos + 1]! * 0x100 + buf[pos + 2]! * 0x1_0000 + buf[pos + 3]! * 0x100_0000;
  if (width === 4) return low;
  const high = buf[pos + 4]! + buf[pos + 5]! * 0x100 + buf[pos + 6]! * 0x1_0000 + buf[pos + 7]! * 0x100_0000;
  if (high >= 0x20_0000) return buf.readBigUInt64LE(pos);
  const value = high * 0x1_0000_0000 + low;
  return safeNumbers ? value : BigInt(value);
}

function readIntegerAt(layout: IntegerLayout, buf: Buffer, pos: number, bigEndian: boolean): number | bigint {
  if (!layout.signed && !bigEndian) return readUnsignedLE(buf, pos, layout.bytes, false);
  if (layout.bytes === 8) {
    if (layout.signed) return bigEndian ? buf.readBigInt64BE(pos) : buf.readBigInt64LE(pos);
    return buf.readBigUInt64BE(pos);
  }
  if (layout.bytes === 1) return layout.signed ? buf.readInt8(pos) : buf[pos]!;
  if (layout.signed) return bigEndian ? buf.readIntBE(pos, layout.bytes) : buf.readIntLE(pos, layout.bytes);
  return buf.readUIntBE(pos, layout.bytes);
}

export interface DecodeOptions {
  /** Decode buf[start, end) (default: all of it), without slicing it first. */
  start?: number;
  end?: number;
  /**
   * 64-bit integers as numbers when they are at most 2^53 - 1 (still exact),
   * bigints only above: for output that writes them as decimal text anyway,
   * without a bigint per field of a 100 000-item dump.
   */
  safeNumbers?: boolean;
}

/** 2 ** index for each spec index a decode plan can track in one exact number. */
const BIT_OF_INDEX: readonly number[] = Array.from({ length: 53 }, (_, i) => 2 ** i);

/** Builders kept per attribute set: more combinations than this are built the generic way. */
const MAX_SHAPES = 32;

interface DecodePlan {
  specs: readonly AttrSpec[];
  indexByType: number[];
  /** By spec index: the width of an unsigned integer (1, 2, 4, 8), read inline; 0 for every other type. */
  unsignedWidth: Uint8Array;
  /**
   * By the set of attributes an item carried (a bit per spec index, summed as
   * 2 ** index): a function that builds it as an object literal in spec order.
   * Items of one dump carry one or two such sets, so each gets one shape with
   * no dictionary growth; undefined when the set's keys cannot be literals.
   */
  builders?: Map<number, (slots: unknown[]) => Record<string, unknown>>;
}

/** Encoder/decoder over one family's attribute tables. */
export class AttrCodec {
  constructor(
    private readonly tables: AttrTables,
    private readonly enumTables: EnumTables = {},
  ) {}

  hasSet(setName: string): boolean {
    return Object.hasOwn(this.tables, setName);
  }

  /** The attributes of `setName`, in spec order. */
  attributesOf(setName: string): readonly AttrSpec[] {
    const set = this.tables[setName];
    if (!set) throw new CodecError(`unknown attribute set "${setName}"`);
    return set;
  }

  /** Encodes an object keyed by snake_case attribute keys; undefined values are left out. */
  encode(setName: string, values: object): Buffer {
    const specs = this.attributesOf(setName);
    const byKey = new Map(specs.map((spec) => [spec.key, spec]));
    const parts: Buffer[] = [];
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) continue;
      const spec = byKey.get(key);
      if (!spec) throw new CodecError(`attribute set "${setName}" has no attribute "${key}"`);
      if (spec.multi) {
        if (!Array.isArray(value)) throw this.valueError(setName, spec, 'a list', value);
        for (const item of value as unknown[]) parts.push(...this.encodeOne(setName, spec, item));
      } else {
        parts.push(...this.encodeOne(setName, spec, value));
      }
    }
    return Buffer.concat(parts);
  }

  /**
   * Decodes a buffer of attributes into an object whose keys follow spec order.
   * Attributes this build does not know are skipped: a newer module may send more.
   *
   * This runs once per dumped item (100 000 times for 100 000 flows), so it reads
   * values straight from `buf` through a per-set lookup table, with no
   * intermediate attribute objects or sub-buffers: allocation and GC were most
   * of a large `conn` listing's time.
   */
  decode(setName: string, buf: Buffer, options: DecodeOptions = {}): Record<string, unknown> {
    const plan = this.decodePlan(setName);
    const { specs, indexByType } = plan;
    const safeNumbers = options.safeNumbers === true;
    const slots: unknown[] = new Array(specs.length);
    let present = 0;
    const start = options.start ?? 0;
    const end = options.end ?? buf.length;
    let offset = start;
    while (offset < end) {
      if (end - offset < NLA_HDRLEN) {
        throw new CodecError(`truncated "${setName}" attributes: ${end - offset} stray bytes at offset ${offset - start}`);
      }
      const length = buf[offset]! | (buf[offset + 1]! << 8);
      const rawType = buf[offset + 2]! | (buf[offset + 3]! << 8);
      if (length < NLA_HDRLEN || offset + length > end) {
        throw new CodecError(
          `truncated "${setName}" attributes: attribute type ${rawType & NLA_TYPE_MASK} at offset ${offset - start} claims ${length} bytes, ` +
            `${end - offset} left`,
        );
      }
      const type = rawType & NLA_TYPE_MASK;
      const index = type < indexByType.length ? indexByType[type]! : -1;
      if (index >= 0) {
        const spec = specs[index]!;
        const width = plan.unsignedWidth[index]!;
        if (spec.type !== 'pad') {
          const netByteOrder = (rawType & NLA_F_NET_BYTEORDER) !== 0;
          // Little-endian unsigned integers of the right size (nearly every attribute
          // of a dump) are read here; anything else, errors included, by decodeAt.
          const value =
            width !== 0 && !netByteOrder && length - NLA_HDRLEN === width
              ? readUnsignedLE(buf, offset + NLA_HDRLEN, width, safeNumbers)
              : this.decodeAt(setName, spec, buf, offset + NLA_HDRLEN, length - NLA_HDRLEN, netByteOrder);
          if (slots[index] === undefined && value !== undefined) present += BIT_OF_INDEX[index]!;
          if (spec.multi) ((slots[index] as unknown[] | undefined) ?? (slots[index] = [])).push(value);
          else slots[index] = value;
        }
      }
      offset += align4(length);
    }
    const build = plan.builders && this.builder(plan, present);
    if (build) return build(slots);
    const result: Record<string, unknown> = {};
    for (let i = 0; i < specs.length; i++) {
      if (slots[i] !== undefined) result[specs[i]!.key] = slots[i];
    }
    return result;
  }

  private readonly decodePlans = new Map<string, DecodePlan>();

  /** The set's specs and, by attribute type, the index of its spec (-1: unknown); built once per set. */
  private decodePlan(setName: string): DecodePlan {
    let plan = this.decodePlans.get(setName);
    if (!plan) {
      const specs = this.attributesOf(setName);
      const indexByType = new Array<number>(Math.max(0, ...specs.map((spec) => spec.value)) + 1).fill(-1);
      specs.forEach((spec, i) => (indexByType[spec.value] = i)); // the last of duplicate types wins
      // Keys come from the generated tables (snake_case names), never from the wire.
      const literalSafe = specs.length <= BIT_OF_INDEX.length && specs.every((spec) => spec.key !== '__proto__');
      plan = {
        specs,
        indexByType,
        unsignedWidth: Uint8Array.from(specs, (spec) => {
          const layout = INTEGER_LAYOUTS[spec.type];
          return layout && !layout.signed ? layout.bytes : 0;
        }),
        builders: literalSafe ? new Map() : undefined,
      };
      this.decodePlans.set(setName, plan);
    }
    return plan;
  }

  /** The literal builder of the items that carried `present` (see DecodePlan.builders); undefined past MAX_SHAPES. */
  private builder(plan: DecodePlan, present: number): ((slots: unknown[]) => Record<string, unknown>) | undefined {
    const builders = plan.builders!;
    let build = builders.get(present);
    if (!build && builders.size < MAX_SHAPES) {
      const fields = plan.specs.flatMap((spec, i) => (Math.floor(present / BIT_OF_INDEX[i]!) % 2 === 1 ? [`${JSON.stringify(spec.key)}: slots[${i}]`] : []));
      build = new Function('slots', `return { ${fields.join(', ')} };`) as (slots: unknown[]) => Record<string, unknown>;
      builders.set(present, build);
    }
    return build;
  }

  /** Spec name of attribute `type` in `setName`, if there is one. */
  attributeName(setName: string, type: number): string | undefined {
    return this.tables[setName]?.find((spec) => spec.value === type)?.name;
  }

  /**
   * Names the attribute of an encoded request that an extended-ACK offset points
   * into, e.g. `thresholds.latency-us` for an attribute inside a nest.
   * `offset` is relative to the start of `buf`.
   */
  attributeAt(setName: string, buf: Buffer, offset: number): string | undefined {
    let attributes: RawAttribute[];
    try {
      attributes = parseAttributes(buf);
    } catch {
      return undefined;
    }
    for (const attribute of attributes) {
      const end = attribute.offset + NLA_HDRLEN + attribute.payload.length;
      if (offset < attribute.offset || offset >= Math.max(end, attribute.offset + NLA_HDRLEN)) continue;
      const spec = this.tables[setName]?.find((s) => s.value === attribute.type);
      const name = spec?.name ?? `type ${attribute.type}`;
      const inner = offset - attribute.offset - NLA_HDRLEN;
      if (spec?.type === 'nest' && spec.nested && inner >= 0) {
        const innerName = this.attributeAt(spec.nested, attribute.payload, inner);
        if (innerName) return `${name}.${innerName}`;
      }
      return name;
    }
    return undefined;
  }

  private encodeOne(setName: string, spec: AttrSpec, value: unknown): Buffer[] {
    switch (spec.type) {
      case 'pad':
        return [];
      case 'flag':
        if (typeof value !== 'boolean') throw this.valueError(setName, spec, 'true or false', value);
        return value ? [encodeAttribute(spec.value, Buffer.alloc(0))] : [];
      case 'string':
        if (typeof value !== 'string') throw this.valueError(setName, spec, 'a string', value);
        return [encodeAttribute(spec.value, Buffer.concat([Buffer.from(value, 'utf8'), Buffer.alloc(1)]))];
      case 'binary':
        if (!(value instanceof Uint8Array)) throw this.valueError(setName, spec, 'bytes', value);
        return [encodeAttribute(spec.value, Buffer.from(value))];
      case 'nest':
        if (typeof value !== 'object' || value === null || Array.isArray(value) || !spec.nested) {
          throw this.valueError(setName, spec, 'an object', value);
        }
        return [encodeAttribute(spec.value, this.encode(spec.nested, value), NLA_F_NESTED)];
      default: {
        const layout = INTEGER_LAYOUTS[spec.type];
        if (!layout) throw new CodecError(`attribute ${spec.name} of "${setName}": unsupported type ${spec.type}`);
        const integer = this.toInteger(setName, spec, layout, value);
        return [encodeAttribute(spec.value, writeInteger(layout, integer, false))];
      }
    }
  }

  private toInteger(setName: string, spec: AttrSpec, layout: IntegerLayout, value: unknown): bigint {
    let integer: bigint;
    if (typeof value === 'bigint') integer = value;
    else if (typeof value === 'number' && Number.isSafeInteger(value)) integer = BigInt(value);
    else if (typeof value === 'string' && spec.enumName) {
      const entry = this.enumTables[spec.enumName]?.find((e) => e.name === value);
      if (!entry) throw this.valueError(setName, spec, `one of the ${spec.enumName} names`, value);
      integer = BigInt(entry.value);
    } else {
      throw this.valueError(setName, spec, 'an integer', value);
    }
    const [min, max] = integerRange(layout);
    if (integer < min || integer > max) {
      throw new CodecError(`attribute ${spec.name} of "${setName}": ${integer} does not fit in ${spec.type}`);
    }
    return integer;
  }

  /** The value of one attribute whose payload is buf[pos, pos + length). */
  private decodeAt(setName: string, spec: AttrSpec, buf: Buffer, pos: number, length: number, bigEndian: boolean): unknown {
    switch (spec.type) {
      case 'flag':
        return true;
      case 'string': {
        const nul = buf.indexOf(0, pos);
        return buf.toString('utf8', pos, nul === -1 || nul > pos + length ? pos + length : nul);
      }
      case 'binary':
        return Buffer.from(buf.subarray(pos, pos + length));
      case 'nest':
        if (!spec.nested) return Buffer.from(buf.subarray(pos, pos + length));
        return this.decode(spec.nested, buf.subarray(pos, pos + length));
      default: {
        const layout = INTEGER_LAYOUTS[spec.type];
        if (!layout) throw new CodecError(`attribute ${spec.name} of "${setName}": unsupported type ${spec.type}`);
        if (length !== layout.bytes) {
          throw new CodecError(
            `attribute ${spec.name} of "${setName}": ${spec.type} needs ${layout.bytes} bytes, got ${length}`,
          );
        }
        return readIntegerAt(layout, buf, pos, bigEndian);
      }
    }
  }

  private valueError(setName: string, spec: AttrSpec, expected: string, value: unknown): CodecError {
    const shown =
      typeof value === 'string'
        ? JSON.stringify(value)
        : Array.isArray(value)
          ? 'a list'
          : typeof value === 'object' && value !== null
            ? 'an object'
            : String(value);
    return new CodecError(`attribute ${spec.name} of "${setName}": expected ${expected}, got ${shown}`);
  }
}

/** The codec of the `mutex` family, over the generated tables. */
export const mutexCodec = new AttrCodec(attributeSets, enums);

export function encodeAttrs<S extends AttrSetName>(setName: S, values: Partial<AttrSetTypes[S]>): Buffer {
  return mutexCodec.encode(setName, values);
}

export function decodeAttrs<S extends AttrSetName>(setName: S, buf: Buffer): AttrSetTypes[S] {
  return mutexCodec.decode(setName, buf) as AttrSetTypes[S];
}
