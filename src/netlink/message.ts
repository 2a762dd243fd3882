// Netlink and generic netlink message framing: our own parser, so that the
// error inside NLMSG_DONE, extended-ACK attributes and NLM_F_DUMP_INTR are seen.
import {
  GENL_HDRLEN,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLMSG_HDRLEN,
  NLMSGERR_ATTR_MISS_NEST,
  NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
} from './constants.js';
import { align4, parseAttributes } from './codec.js';
import { CodecError, type ExtendedAck } from './errors.js';

export interface NetlinkHeader {
  /** nlmsg_len: header + payload, without trailing alignment. */
  length: number;
  type: number;
  flags: number;
  seq: number;
  /** nlmsg_pid: the sender's port id (0 = the kernel). */
  port: number;
}

export interface NetlinkMessage {
  header: NetlinkHeader;
  payload: Buffer;
}

export interface GenlHeader {
  cmd: number;
  version: number;
}

export interface OutgoingHeader {
  type: number;
  flags: number;
  seq: number;
  port?: number;
}

export function buildNetlinkMessage(header: OutgoingHeader, payload: Buffer): Buffer {
  const length = NLMSG_HDRLEN + payload.length;
  const out = Buffer.alloc(align4(length));
  out.writeUInt32LE(length, 0);
  out.writeUInt16LE(header.type, 4);
  out.writeUInt16LE(header.flags, 6);
  out.writeUInt32LE(header.seq >>> 0, 8);
  out.writeUInt32LE((header.port ?? 0) >>> 0, 12);
  payload.copy(out, NLMSG_HDRLEN);
  return out;
}

/** nlmsghdr + genlmsghdr + attributes: one generic netlink request. */
export function buildGenlMessage(header: OutgoingHeader & GenlHeader, attributes: Buffer): Buffer {
  const genl = Buffer.alloc(GENL_HDRLEN);
  genl.writeUInt8(header.cmd, 0);
  genl.writeUInt8(header.version, 1);
  return buildNetlinkMessage(header, Buffer.concat([genl, attributes]));
}

function readHeader(buf: Buffer, offset: number): NetlinkHeader {
  return {
    length: buf.readUInt32LE(offset),
    type: buf.readUInt16LE(offset + 4),
    flags: buf.readUInt16LE(offset + 6),
    seq: buf.readUInt32LE(offset + 8),
    port: buf.readUInt32LE(offset + 12),
  };
}

/** Splits one datagram into its netlink messages. */
export function parseNetlinkMessages(buf: Buffer): NetlinkMessage[] {
  const messages: NetlinkMessage[] = [];
  let offset = 0;
  while (offset < buf.length) {
    if (buf.length - offset < NLMSG_HDRLEN) {
      throw new CodecError(`truncated netlink message: ${buf.length - offset} stray bytes at offset ${offset}`);
    }
    const header = readHeader(buf, offset);
    if (header.length < NLMSG_HDRLEN || offset + header.length > buf.length) {
      throw new CodecError(
        `truncated netlink message at offset ${offset}: claims ${header.length} bytes, ${buf.length - offset} left`,
      );
    }
    messages.push({ header, payload: buf.subarray(offset + NLMSG_HDRLEN, offset + header.length) });
    offset += align4(header.length);
  }
  return messages;
}

export function parseGenlPayload(payload: Buffer): GenlHeader & { attributes: Buffer } {
  if (payload.length < GENL_HDRLEN) throw new CodecError('truncated generic netlink header');
  return { cmd: payload.readUInt8(0), version: payload.readUInt8(1), attributes: payload.subarray(GENL_HDRLEN) };
}

/** The outcome carried by NLMSG_ERROR (an ACK when `error` is 0) or NLMSG_DONE. */
export interface NetlinkStatus {
  /** 0 or a negative errno, as the kernel sends it. */
  error: number;
  extack: ExtendedAck;
  /** NLMSG_ERROR only: the header of the request it answers. */
  request?: NetlinkHeader;
}

function parseExtendedAck(buf: Buffer): ExtendedAck {
  const extack: ExtendedAck = {};
  for (const attribute of parseAttributes(buf, 'extended ACK')) {
    const { payload } = attribute;
    switch (attribute.type) {
      case NLMSGERR_ATTR_MSG: {
        const nul = payload.indexOf(0);
        extack.message = payload.toString('utf8', 0, nul === -1 ? payload.length : nul);
        break;
      }
      case NLMSGERR_ATTR_OFFS:
        if (payload.length >= 4) extack.offset = payload.readUInt32LE(0);
        break;
      case NLMSGERR_ATTR_MISS_TYPE:
        if (payload.length >= 4) extack.missingType = payload.readUInt32LE(0);
        break;
      case NLMSGERR_ATTR_MISS_NEST:
        if (payload.length >= 4) extack.missingNest = payload.readUInt32LE(0);
        break;
      default:
        break; // cookie, policy: nothing mutexctl shows
    }
  }
  return extack;
}

/** NLMSG_ERROR: int error, the request's nlmsghdr (plus its payload unless capped), then extack TLVs. */
export function parseErrorMessage(message: NetlinkMessage): NetlinkStatus {
  const { payload, header } = message;
  if (payload.length < 4) throw new CodecError('truncated NLMSG_ERROR');
  const error = payload.readInt32LE(0);
  if (payload.length < 4 + NLMSG_HDRLEN) return { error, extack: {} };
  const request = readHeader(payload, 4);
  let tlvOffset = 4 + NLMSG_HDRLEN;
  if (!(header.flags & NLM_F_CAPPED)) tlvOffset += align4(Math.max(0, request.length - NLMSG_HDRLEN));
  const extack =
    header.flags & NLM_F_ACK_TLVS && tlvOffset < payload.length
      ? parseExtendedAck(payload.subarray(tlvOffset))
      : {};
  return { error, extack, request };
}

/** NLMSG_DONE: int error (negative when the dump failed part-way), then extack TLVs. */
export function parseDoneMessage(message: NetlinkMessage): NetlinkStatus {
  const { payload, header } = message;
  if (payload.length < 4) return { error: 0, extack: {} };
  const error = payload.readInt32LE(0);
  const extack = header.flags & NLM_F_ACK_TLVS && payload.length > 4 ? parseExtendedAck(payload.subarray(4)) : {};
  return { error, extack };
}
