// A stand-in for the kernel behind the NetlinkTransport interface, and builders
// for the messages a kernel sends, so client logic is tested without a module.
import {
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID,
  CTRL_ATTR_MCAST_GRP_NAME,
  CTRL_ATTR_VERSION,
  GENL_ID_CTRL,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_MULTI,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSGERR_ATTR_MISS_NEST,
  NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NLA_F_NESTED,
} from '../../../src/netlink/constants.js';
import { encodeAttribute } from '../../../src/netlink/codec.js';
import type { ExtendedAck } from '../../../src/netlink/errors.js';
import {
  buildGenlMessage,
  buildNetlinkMessage,
  parseNetlinkMessages,
  type NetlinkMessage,
} from '../../../src/netlink/message.js';
import type { NetlinkTransport, OverrunListener, TransactOptions, UnsolicitedListener } from '../../../src/netlink/socket.js';

export function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value);
  return out;
}

export function u16(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16LE(value);
  return out;
}

function extackAttributes(extack: ExtendedAck): Buffer {
  const parts: Buffer[] = [];
  if (extack.message !== undefined) parts.push(encodeAttribute(NLMSGERR_ATTR_MSG, Buffer.from(`${extack.message}\0`)));
  if (extack.offset !== undefined) parts.push(encodeAttribute(NLMSGERR_ATTR_OFFS, u32(extack.offset)));
  if (extack.missingType !== undefined) parts.push(encodeAttribute(NLMSGERR_ATTR_MISS_TYPE, u32(extack.missingType)));
  if (extack.missingNest !== undefined) parts.push(encodeAttribute(NLMSGERR_ATTR_MISS_NEST, u32(extack.missingNest)));
  return Buffer.concat(parts);
}

/** NLMSG_ERROR answering `request` (the first message of a buffer): capped, with extack TLVs if given. */
export function errorReply(request: Buffer, error: number, extack?: ExtendedAck): Buffer {
  const tlvs = extack ? extackAttributes(extack) : Buffer.alloc(0);
  const code = Buffer.alloc(4);
  code.writeInt32LE(error);
  const flags = NLM_F_CAPPED | (tlvs.length > 0 ? NLM_F_ACK_TLVS : 0);
  return buildNetlinkMessage(
    { type: NLMSG_ERROR, flags, seq: request.readUInt32LE(8), port: 0 },
    Buffer.concat([code, request.subarray(0, 16), tlvs]),
  );
}

export function doneReply(seq: number, error = 0, options: { extack?: ExtendedAck; flags?: number } = {}): Buffer {
  const tlvs = options.extack ? extackAttributes(options.extack) : Buffer.alloc(0);
  const code = Buffer.alloc(4);
  code.writeInt32LE(error);
  const flags = NLM_F_MULTI | (options.flags ?? 0) | (tlvs.length > 0 ? NLM_F_ACK_TLVS : 0);
  return buildNetlinkMessage({ type: NLMSG_DONE, flags, seq, port: 0 }, Buffer.concat([code, tlvs]));
}

export function genlReply(familyId: number, cmd: number, seq: number, attributes: Buffer, flags = 0): Buffer {
  return buildGenlMessage({ type: familyId, flags, seq, cmd, version: 1, port: 0 }, attributes);
}

/** What nlctrl answers to CTRL_CMD_GETFAMILY. */
export function familyReply(seq: number, name: string, id: number, groups: Record<string, number> = {}): Buffer {
  const groupEntries = Object.entries(groups).map(([groupName, groupId], index) =>
    encodeAttribute(
      index + 1,
      Buffer.concat([
        encodeAttribute(CTRL_ATTR_MCAST_GRP_NAME, Buffer.from(`${groupName}\0`)),
        encodeAttribute(CTRL_ATTR_MCAST_GRP_ID, u32(groupId)),
      ]),
      NLA_F_NESTED,
    ),
  );
  const attributes = Buffer.concat([
    encodeAttribute(CTRL_ATTR_FAMILY_NAME, Buffer.from(`${name}\0`)),
    encodeAttribute(CTRL_ATTR_FAMILY_ID, u16(id)),
    encodeAttribute(CTRL_ATTR_VERSION, u32(1)),
    encodeAttribute(CTRL_ATTR_MCAST_GROUPS, Buffer.concat(groupEntries), NLA_F_NESTED),
  ]);
  return genlReply(GENL_ID_CTRL, 1, seq, attributes);
}

export interface SentRequest {
  buffer: Buffer;
  message: NetlinkMessage;
  options: TransactOptions;
}

/** Answers each request with the datagrams `respond` returns (they must carry the request's seq). */
export type Responder = (request: SentRequest) => Buffer[] | Promise<Buffer[]>;

export class FakeKernel implements NetlinkTransport {
  readonly sent: SentRequest[] = [];
  readonly memberships = new Set<number>();
  readonly listeners = new Set<UnsolicitedListener>();
  readonly overrunListeners = new Set<OverrunListener>();
  closed = false;
  private seq = 100;

  constructor(
    private readonly respond: Responder,
    readonly extendedAck = true,
  ) {}

  allocateSequence(): number {
    return this.seq++;
  }

  async transact(buffer: Buffer, seq: number, options: TransactOptions): Promise<NetlinkMessage[]> {
    const [message] = parseNetlinkMessages(buffer);
    if (!message || message.header.seq !== seq) throw new Error('request not framed with its seq');
    const request = { buffer, message, options };
    this.sent.push(request);
    const datagrams = await this.respond(request);
    const messages = datagrams.map((datagram) => parseNetlinkMessages(datagram).filter((m) => m.header.seq === seq));
    if (!options.onMessages || !options.dump) return messages.flat();
    // As NetlinkConnection does: a dump's items datagram by datagram, the final message returned.
    const final: NetlinkMessage[] = [];
    for (const datagram of messages) {
      const items = datagram.filter((m) => m.header.type !== NLMSG_DONE && m.header.type !== NLMSG_ERROR);
      if (items.length > 0) options.onMessages(items);
      final.push(...datagram.filter((m) => !items.includes(m)));
    }
    return final;
  }

  onUnsolicited(listener: UnsolicitedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(datagram: Buffer): void {
    for (const message of parseNetlinkMessages(datagram)) for (const listener of this.listeners) listener(message);
  }

  onOverrun(listener: OverrunListener): () => void {
    this.overrunListeners.add(listener);
    return () => this.overrunListeners.delete(listener);
  }

  /** The socket's receive buffer overflowed (ENOBUFS): notifications were lost. */
  overrun(): void {
    for (const listener of this.overrunListeners) listener();
  }

  addMembership(group: number): void {
    this.memberships.add(group);
  }

  dropMembership(group: number): void {
    this.memberships.delete(group);
  }

  close(): void {
    this.closed = true;
  }
}
