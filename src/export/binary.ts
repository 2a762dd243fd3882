// The binary snapshot format (docs/output.md, "Binary snapshots"): a fixed
// header, then one record per object holding the object's attributes in the
// kernel's own netlink TLV encoding. All integers are little-endian.
//
//   header (32 bytes)
//     0  magic        8 bytes  "MUTEXSNP"
//     8  version      u16      1
//    10  header_len   u16      32 (a reader skips what it does not know)
//    12  scopes       u32      bit 0 global, 1 fd, 2 conn, 3 alerts
//    16  taken_ns     u64      wall clock, ns since the Unix epoch
//    24  records      u32      number of records that follow
//    28  reserved     u32      0
//   record (8-byte header, then the payload padded to 4 bytes)
//     0  kind         u16      1 stats, 2 fd, 3 conn, 4 alert
//     2  reserved     u16      0
//     4  length       u32      payload length, without the padding
//     8  payload      netlink attributes of the spec's set of that kind
import { decodeAttrs, encodeAttrs, type AttrSetName } from '../netlink/codec.js';
import { InputError } from '../errors.js';
import type { AlertAttrs, ConnAttrs, FdAttrs, StatsAttrs } from '../spec/generated.js';
import { SCOPES, type Scope, type Snapshot } from './snapshot.js';

export const BINARY_MAGIC = Buffer.from('MUTEXSNP', 'latin1');
export const BINARY_VERSION = 1;
const HEADER_LENGTH = 32;
const RECORD_HEADER_LENGTH = 8;

const RECORD_KINDS = { stats: 1, fd: 2, conn: 3, alert: 4 } as const satisfies Record<string, number>;
type RecordSet = keyof typeof RECORD_KINDS & AttrSetName;

/** A --from file that is no snapshot this mutexctl reads: bad input, exit 2 like any. */
export class SnapshotFormatError extends InputError {}

const pad4 = (length: number): number => (length + 3) & ~3;

function record(set: RecordSet, attributes: object): Buffer {
  const payload = encodeAttrs(set, attributes);
  const out = Buffer.alloc(RECORD_HEADER_LENGTH + pad4(payload.length));
  out.writeUInt16LE(RECORD_KINDS[set], 0);
  out.writeUInt32LE(payload.length, 4);
  payload.copy(out, RECORD_HEADER_LENGTH);
  return out;
}

export function encodeSnapshot(snapshot: Snapshot): Buffer {
  const records: Buffer[] = [];
  if (snapshot.stats) records.push(record('stats', snapshot.stats));
  for (const fd of snapshot.fds ?? []) records.push(record('fd', fd));
  for (const conn of snapshot.conns ?? []) records.push(record('conn', conn));
  for (const alert of snapshot.alerts ?? []) records.push(record('alert', alert));
  const header = Buffer.alloc(HEADER_LENGTH);
  BINARY_MAGIC.copy(header, 0);
  header.writeUInt16LE(BINARY_VERSION, 8);
  header.writeUInt16LE(HEADER_LENGTH, 10);
  header.writeUInt32LE(
    snapshot.scopes.reduce((mask, scope) => mask | (1 << SCOPES.indexOf(scope)), 0),
    12,
  );
  header.writeBigUInt64LE(snapshot.takenNs, 16);
  header.writeUInt32LE(records.length, 24);
  return Buffer.concat([header, ...records]);
}

export function decodeSnapshot(data: Buffer, source = 'snapshot'): Snapshot {
  const fail = (why: string): never => {
    throw new SnapshotFormatError(`${source} is not a mutexctl binary snapshot: ${why}`);
  };
  if (data.length === 0) fail('the file is empty');
  const magic = data.subarray(0, BINARY_MAGIC.length);
  if (!magic.equals(BINARY_MAGIC.subarray(0, magic.length))) fail('bad magic (expected "MUTEXSNP")');
  const truncated = (why = `${data.length} bytes, less than its ${HEADER_LENGTH}-byte header`): never => {
    throw new SnapshotFormatError(`${source} is a truncated mutexctl binary snapshot: ${why}`);
  };
  if (data.length < 10) truncated();
  const version = data.readUInt16LE(8);
  if (version !== BINARY_VERSION) fail(`version ${version}, this mutexctl reads version ${BINARY_VERSION}`);
  if (data.length < HEADER_LENGTH) truncated();
  const headerLength = data.readUInt16LE(10);
  if (headerLength < HEADER_LENGTH) fail(`header length ${headerLength}, at least ${HEADER_LENGTH} expected`);
  if (data.length < headerLength) truncated(`${data.length} bytes, less than its ${headerLength}-byte header`);
  const scopeMask = data.readUInt32LE(12);
  const scopes: Scope[] = SCOPES.filter((_, bit) => (scopeMask >>> bit) & 1);
  const takenNs = data.readBigUInt64LE(16);
  const count = data.readUInt32LE(24);

  let stats: StatsAttrs | undefined;
  const fds: FdAttrs[] = [];
  const conns: ConnAttrs[] = [];
  const alerts: AlertAttrs[] = [];
  let offset = headerLength;
  for (let index = 0; index < count; index++) {
    if (offset + RECORD_HEADER_LENGTH > data.length) truncated(`record ${index + 1} of ${count} is missing`);
    const kind = data.readUInt16LE(offset);
    const length = data.readUInt32LE(offset + 4);
    const start = offset + RECORD_HEADER_LENGTH;
    if (start + length > data.length) truncated(`record ${index + 1} of ${count} is cut short`);
    const payload = data.subarray(start, start + length);
    offset = start + pad4(length);
    try {
      switch (kind) {
        case RECORD_KINDS.stats:
          stats = decodeAttrs('stats', payload);
          break;
        case RECORD_KINDS.fd:
          fds.push(decodeAttrs('fd', payload));
          break;
        case RECORD_KINDS.conn:
          conns.push(decodeAttrs('conn', payload));
          break;
        case RECORD_KINDS.alert:
          alerts.push(decodeAttrs('alert', payload));
          break;
        default:
          break; // a kind from a newer mutexctl: skipped
      }
    } catch (error) {
      fail(`record ${index + 1}: ${(error as Error).message}`);
    }
  }
  return {
    takenNs,
    scopes,
    ...(scopes.includes('global') ? { stats: stats ?? {} } : {}),
    ...(scopes.includes('fd') ? { fds } : {}),
    ...(scopes.includes('conn') ? { conns } : {}),
    ...(scopes.includes('alerts') ? { alerts } : {}),
  };
}
