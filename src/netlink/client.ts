// Requests to the `mutex` generic netlink family: family lookup through nlctrl,
// do/dump requests with their errors in plain words, multicast subscriptions.
import { constants } from 'node:os';
import {
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID,
  CTRL_ATTR_MCAST_GRP_NAME,
  CTRL_ATTR_VERSION,
  CTRL_CMD_GETFAMILY,
  CTRL_VERSION,
  GENL_HDRLEN,
  GENL_ID_CTRL,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_DUMP_INTR,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
} from './constants.js';
import { encodeAttribute, mutexCodec, parseAttributes, type AttrCodec, type AttrSetName, type DecodeOptions } from './codec.js';
import {
  CodecError,
  DumpInconsistentError,
  FamilyNotFoundError,
  KernelError,
  type ExtendedAck,
} from './errors.js';
import { FAMILY_NAME, FAMILY_VERSION, operations, type AttrSetTypes, type OpSpec, type SafeNumbers } from '../spec/generated.js';
import {
  buildGenlMessage,
  parseDoneMessage,
  parseErrorMessage,
  parseGenlPayload,
  type NetlinkMessage,
  type NetlinkStatus,
} from './message.js';
import { DEFAULT_TIMEOUT_MS, NetlinkConnection, type NetlinkTransport } from './socket.js';

const { ENOENT } = constants.errno;

export interface FamilyInfo {
  name: string;
  id: number;
  version: number;
  /** Multicast group name → group id. */
  mcastGroups: ReadonlyMap<string, number>;
}

export interface DumpResult<T> {
  items: T[];
  /** The kernel flagged NLM_F_DUMP_INTR: the data changed while it was dumped. */
  interrupted: boolean;
}

export interface Notification {
  operation: string | undefined;
  cmd: number;
  attributes: Record<string, unknown>;
}

/** A family as the generated tables describe it. */
export interface FamilySpec {
  name: string;
  version: number;
  operations: Readonly<Record<string, OpSpec>>;
  codec: AttrCodec;
}

export const mutexFamilySpec: FamilySpec = {
  name: FAMILY_NAME,
  version: FAMILY_VERSION,
  operations,
  codec: mutexCodec,
};

export interface ClientOptions {
  timeoutMs?: number;
  /** SO_RCVBUF of the socket: how many notifications can wait to be read. */
  receiveBufferBytes?: number;
  /** Defaults to the `mutex` family of kernel/mutex.yaml. */
  spec?: FamilySpec;
}

function cString(payload: Buffer): string {
  const nul = payload.indexOf(0);
  return payload.toString('utf8', 0, nul === -1 ? payload.length : nul);
}

function parseFamilyReply(attributes: Buffer, name: string): FamilyInfo {
  let id: number | undefined;
  let version = 0;
  const mcastGroups = new Map<string, number>();
  for (const attribute of parseAttributes(attributes, 'nlctrl reply')) {
    if (attribute.type === CTRL_ATTR_FAMILY_ID && attribute.payload.length >= 2) id = attribute.payload.readUInt16LE(0);
    if (attribute.type === CTRL_ATTR_VERSION && attribute.payload.length >= 4) version = attribute.payload.readUInt32LE(0);
    if (attribute.type !== CTRL_ATTR_MCAST_GROUPS) continue;
    // An indexed array: each entry's type is its index, its payload a nest.
    for (const entry of parseAttributes(attribute.payload, 'nlctrl multicast groups')) {
      let groupName: string | undefined;
      let groupId: number | undefined;
      for (const field of parseAttributes(entry.payload, 'nlctrl multicast group')) {
        if (field.type === CTRL_ATTR_MCAST_GRP_NAME) groupName = cString(field.payload);
        if (field.type === CTRL_ATTR_MCAST_GRP_ID && field.payload.length >= 4) groupId = field.payload.readUInt32LE(0);
      }
      if (groupName !== undefined && groupId !== undefined) mcastGroups.set(groupName, groupId);
    }
  }
  if (id === undefined) throw new CodecError(`nlctrl reply for "${name}" has no family id`);
  return { name, id, version, mcastGroups };
}

function errorStatus(messages: NetlinkMessage[]): NetlinkStatus | undefined {
  const last = messages[messages.length - 1];
  if (last?.header.type === NLMSG_ERROR) return parseErrorMessage(last);
  if (last?.header.type === NLMSG_DONE) return parseDoneMessage(last);
  return undefined;
}

/** Resolves a generic netlink family by name (CTRL_CMD_GETFAMILY). */
export async function lookupFamily(
  transport: NetlinkTransport,
  name: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<FamilyInfo> {
  const seq = transport.allocateSequence();
  const request = buildGenlMessage(
    { type: GENL_ID_CTRL, flags: NLM_F_REQUEST | NLM_F_ACK, seq, cmd: CTRL_CMD_GETFAMILY, version: CTRL_VERSION },
    encodeAttribute(CTRL_ATTR_FAMILY_NAME, Buffer.from(`${name}\0`, 'utf8')),
  );
  const messages = await transport.transact(request, seq, {
    dump: false,
    what: `the ${name} family lookup`,
    timeoutMs,
    readOnly: true,
    selfExplained: [ENOENT],
  });
  const status = errorStatus(messages);
  if (status && status.error < 0) {
    if (-status.error === ENOENT) throw new FamilyNotFoundError(name);
    throw new KernelError({ errno: -status.error, extack: status.extack });
  }
  const reply = messages.find((m) => m.header.type === GENL_ID_CTRL);
  if (!reply) throw new CodecError(`nlctrl sent no reply for "${name}"`);
  return parseFamilyReply(parseGenlPayload(reply.payload).attributes, name);
}

interface SentRequest {
  setName: string;
  /** The request's attributes, to name the one an extack offset points at. */
  attributes: Buffer;
}

export class MutexClient {
  private readonly codec: AttrCodec;
  private readonly timeoutMs: number;

  private constructor(
    private readonly transport: NetlinkTransport,
    readonly family: FamilyInfo,
    private readonly spec: FamilySpec,
    options: ClientOptions,
  ) {
    this.codec = spec.codec;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Opens a socket and resolves the family; FamilyNotFoundError when the module is not loaded. */
  static async open(options: ClientOptions = {}): Promise<MutexClient> {
    const connection = await NetlinkConnection.open(options.receiveBufferBytes);
    try {
      return await MutexClient.attach(connection, options);
    } catch (error) {
      connection.close();
      throw error;
    }
  }

  /** A client on an already open transport (the family is looked up through it). */
  static async attach(transport: NetlinkTransport, options: ClientOptions = {}): Promise<MutexClient> {
    const spec = options.spec ?? mutexFamilySpec;
    const family = await lookupFamily(transport, spec.name, options.timeoutMs);
    return new MutexClient(transport, family, spec, options);
  }

  /** Whether kernel error texts are available (NETLINK_EXT_ACK could be turned on). */
  get extendedAck(): boolean {
    return this.transport.extendedAck;
  }

  /**
   * A `do` request. The reply's attribute set is the operation's; name it as the
   * type argument to get a typed result: `doRequest<'stats'>('stats-get')`.
   * Resolves with `{}` when the kernel answers with an ACK only.
   */
  async doRequest<S extends AttrSetName = AttrSetName>(
    operation: string,
    attributes: Partial<AttrSetTypes[S]> = {},
  ): Promise<AttrSetTypes[S]> {
    const op = this.operation(operation, 'do');
    const sent = this.encodeRequest(op, op.doRequest, attributes);
    const messages = await this.send(op, sent, NLM_F_REQUEST | NLM_F_ACK, false);
    this.throwIfFailed(messages, sent);
    const reply = messages.find((m) => m.header.type === this.family.id);
    if (!reply) return {} as AttrSetTypes[S];
    return this.codec.decode(op.attributeSet, parseGenlPayload(reply.payload).attributes) as AttrSetTypes[S];
  }

  /** A dump request: every item, and whether the kernel marked the dump inconsistent. */
  async dumpRequest<S extends AttrSetName = AttrSetName>(
    operation: string,
    attributes: Partial<AttrSetTypes[S]> = {},
  ): Promise<DumpResult<AttrSetTypes[S]>> {
    const op = this.operation(operation, 'dump');
    const sent = this.encodeRequest(op, op.dumpRequest, attributes);
    const messages = await this.send(op, sent, NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ACK, true);
    this.throwIfFailed(messages, sent);
    const items: AttrSetTypes[S][] = [];
    let interrupted = false;
    for (const message of messages) {
      if (message.header.flags & NLM_F_DUMP_INTR) interrupted = true;
      if (message.header.type !== this.family.id) continue;
      items.push(this.codec.decode(op.attributeSet, parseGenlPayload(message.payload).attributes) as AttrSetTypes[S]);
    }
    return { items, interrupted };
  }

  /**
   * A dump whose items are handed to `onItems` datagram by datagram, as the
   * kernel sends them, and not kept: a listing of any length in the memory of
   * one datagram. `interrupted` says whether the kernel has marked the dump
   * inconsistent (NLM_F_DUMP_INTR) by then; once set, it stays set. With
   * `safeNumbers`, 64-bit integers up to 2^53 - 1 come as numbers (see
   * DecodeOptions). Resolves with whether the dump was interrupted.
   */
  async dumpEach<S extends AttrSetName = AttrSetName>(
    operation: string,
    attributes: Partial<AttrSetTypes[S]>,
    onItems: (items: SafeNumbers<AttrSetTypes[S]>[], interrupted: boolean) => void,
    options: { safeNumbers?: boolean } = {},
  ): Promise<{ interrupted: boolean }> {
    const op = this.operation(operation, 'dump');
    const sent = this.encodeRequest(op, op.dumpRequest, attributes);
    const decode: DecodeOptions = { start: GENL_HDRLEN, safeNumbers: options.safeNumbers };
    let interrupted = false;
    const onMessages = (messages: NetlinkMessage[]): void => {
      const items: SafeNumbers<AttrSetTypes[S]>[] = [];
      for (const message of messages) {
        if (message.header.flags & NLM_F_DUMP_INTR) interrupted = true;
        if (message.header.type !== this.family.id) continue;
        if (message.payload.length < GENL_HDRLEN) throw new CodecError('truncated generic netlink header');
        items.push(this.codec.decode(op.attributeSet, message.payload, decode) as SafeNumbers<AttrSetTypes[S]>);
      }
      onItems(items, interrupted);
    };
    const messages = await this.send(op, sent, NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ACK, true, onMessages);
    this.throwIfFailed(messages, sent);
    if (messages.some((message) => message.header.flags & NLM_F_DUMP_INTR)) interrupted = true;
    return { interrupted };
  }

  /** A dump retried while the kernel marks it interrupted; DumpInconsistentError after `retries` retries. */
  async dumpConsistent<S extends AttrSetName = AttrSetName>(
    operation: string,
    attributes: Partial<AttrSetTypes[S]> = {},
    retries = 3,
  ): Promise<AttrSetTypes[S][]> {
    for (let attempt = 0; attempt <= retries; attempt++) {
      const result = await this.dumpRequest<S>(operation, attributes);
      if (!result.interrupted) return result.items;
    }
    throw new DumpInconsistentError(operation, retries + 1);
  }

  /**
   * Joins a multicast group of the family; `onMessage` gets each notification decoded
   * with its operation's attribute set, `onOverrun` is called when the socket's
   * receive buffer overflowed (ENOBUFS: notifications were lost; the subscription
   * goes on). Returns the function that leaves the group.
   */
  subscribe(group: string, onMessage: (notification: Notification) => void, onOverrun?: () => void): () => void {
    const groupId = this.family.mcastGroups.get(group);
    if (groupId === undefined) {
      throw new KernelError({}, `the kernel module has no multicast group "${group}" (is it older than mutexctl?)`);
    }
    const byCmd = new Map(Object.values(this.spec.operations).map((op) => [op.value, op]));
    this.transport.addMembership(groupId);
    const stopListening = this.transport.onUnsolicited((message) => {
      if (message.header.type !== this.family.id) return;
      let notification: Notification;
      try {
        const { cmd, attributes } = parseGenlPayload(message.payload);
        const op = byCmd.get(cmd);
        notification = { operation: op?.name, cmd, attributes: op ? this.codec.decode(op.attributeSet, attributes) : {} };
      } catch {
        return; // malformed: dropped like a lost one (sequence numbers show the gap)
      }
      onMessage(notification);
    });
    const stopOverrun = onOverrun ? this.transport.onOverrun?.(onOverrun) : undefined;
    return () => {
      stopOverrun?.();
      stopListening();
      this.transport.dropMembership(groupId);
    };
  }

  close(): void {
    this.transport.close();
  }

  private operation(name: string, kind: 'do' | 'dump'): OpSpec {
    const op = this.spec.operations[name];
    if (!op) throw new CodecError(`the ${this.spec.name} family has no operation "${name}"`);
    if (kind === 'do' ? !op.hasDo : !op.hasDump) throw new CodecError(`operation ${name} has no ${kind} request`);
    if (!this.codec.hasSet(op.attributeSet)) throw new CodecError(`operation ${name}: unknown attribute set`);
    return op;
  }

  private encodeRequest(op: OpSpec, allowed: readonly string[], attributes: object): SentRequest {
    const specs = this.codec.attributesOf(op.attributeSet);
    for (const [key, value] of Object.entries(attributes)) {
      if (value === undefined) continue;
      const spec = specs.find((s) => s.key === key);
      if (spec && !allowed.includes(spec.name)) {
        throw new CodecError(`operation ${op.name} does not take attribute ${spec.name}`);
      }
    }
    return { setName: op.attributeSet, attributes: this.codec.encode(op.attributeSet, attributes) };
  }

  private send(op: OpSpec, sent: SentRequest, flags: number, dump: boolean, onMessages?: (messages: NetlinkMessage[]) => void): Promise<NetlinkMessage[]> {
    const seq = this.transport.allocateSequence();
    const request = buildGenlMessage(
      { type: this.family.id, flags, seq, cmd: op.value, version: this.spec.version },
      sent.attributes,
    );
    // Dumps and the *-get requests change nothing in the kernel (see TransactOptions.readOnly).
    const readOnly = dump || op.name.endsWith('-get');
    return this.transport.transact(request, seq, { dump, what: op.name, timeoutMs: this.timeoutMs, readOnly, onMessages });
  }

  private throwIfFailed(messages: NetlinkMessage[], sent: SentRequest): void {
    const status = errorStatus(messages);
    if (!status || status.error >= 0) return;
    throw new KernelError({
      errno: -status.error,
      extack: status.extack,
      ...blamedAttributes(this.codec, status.extack, sent),
    });
  }
}

/** Names the attributes an extended ACK points at, by spec name. */
function blamedAttributes(codec: AttrCodec, extack: ExtendedAck, sent: SentRequest): { attribute?: string; missingAttribute?: string } {
  const attributesStart = NLMSG_HDRLEN + GENL_HDRLEN;
  const result: { attribute?: string; missingAttribute?: string } = {};
  if (extack.offset !== undefined && extack.offset >= attributesStart) {
    result.attribute = codec.attributeAt(sent.setName, sent.attributes, extack.offset - attributesStart);
  }
  if (extack.missingType !== undefined) {
    let setName = sent.setName;
    let prefix = '';
    if (extack.missingNest !== undefined && extack.missingNest >= attributesStart) {
      const nestName = codec.attributeAt(sent.setName, sent.attributes, extack.missingNest - attributesStart);
      const nest = codec.attributesOf(sent.setName).find((spec) => spec.name === nestName);
      if (nest?.nested) {
        setName = nest.nested;
        prefix = `${nest.name}.`;
      }
    }
    const name = codec.attributeName(setName, extack.missingType);
    result.missingAttribute = name ? `${prefix}${name}` : `type ${extack.missingType}`;
  }
  return result;
}

/** Runs `work` with a client and always closes its socket, so the process can exit. */
export async function withMutexClient<T>(
  work: (client: MutexClient) => Promise<T>,
  options: ClientOptions = {},
): Promise<T> {
  const client = await MutexClient.open(options);
  try {
    return await work(client);
  } finally {
    client.close();
  }
}
