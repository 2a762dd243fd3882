// A generic netlink socket on the `netlink` package's RawNetlinkSocket:
// raw datagrams in and out, our own framing, request/reply matched by sequence.
// The raw socket alone: the package index also loads its rtnetlink, nl80211 and
// WireGuard tables, which costs more start-up time than the whole request.
import { constants } from 'node:os';
import { RawNetlinkSocket, type ErrnoException, type MessageInfo } from 'netlink/dist/raw.js';
import { NETLINK_GENERIC, NLMSG_DONE, NLMSG_ERROR } from './constants.js';
import { describeErrno, MutexctlError } from '../errors.js';
import { KernelError, TimeoutError } from './errors.js';
import { parseNetlinkMessages, type NetlinkMessage } from './message.js';
import { enableExtendedAck } from './sockopt.js';

export const DEFAULT_TIMEOUT_MS = 5000;

const { ENOBUFS } = constants.errno;

/** The largest datagram the kernel sends a netlink reader (SKB_WITH_OVERHEAD(32768) in netlink_recvmsg caps its dumps' size). */
const RECEIVE_DATAGRAM_BYTES = 32768;

/** Large enough for bursts of multicast alerts; dumps are paced by our reads anyway. */
const RECEIVE_BUFFER_BYTES = 1 << 20;

export interface TransactOptions {
  /** A dump ends with NLMSG_DONE, a do request with its ACK (NLMSG_ERROR). */
  dump: boolean;
  /** Named in the timeout message, e.g. `stats-get`. */
  what: string;
  timeoutMs?: number;
  /**
   * The request changes nothing, so it may be sent twice: a connection whose
   * socket options are not on yet sends it without them and, only when the
   * kernel answers with an error, turns them on and asks again (for the
   * kernel's error text). Other requests turn them on first.
   */
  readOnly?: boolean;
  /**
   * Errors the caller explains itself, without the kernel's text (positive
   * errno values): a read-only request answered with one is not sent again.
   * The family lookup's ENOENT ("module not loaded") is one: asking again
   * would load koffi, which costs more than the whole command.
   */
  selfExplained?: readonly number[];
  /**
   * For a dump: its items (every message but the final NLMSG_DONE or
   * NLMSG_ERROR) are handed over datagram by datagram, as they arrive, and not
   * kept; the promise resolves with the final message only. A listing then
   * needs memory for one datagram, not for the whole dump.
   */
  onMessages?: (messages: NetlinkMessage[]) => void;
}

interface PendingRequest {
  dump: boolean;
  seq: number;
  onMessages?: (messages: NetlinkMessage[]) => void;
  messages: NetlinkMessage[];
  /** Datagrams that carried part of a dump so far (each refreshes the timer). */
  answers: number;
  timer: NodeJS.Timeout;
  resolve(messages: NetlinkMessage[]): void;
  reject(error: Error): void;
}

export type UnsolicitedListener = (message: NetlinkMessage) => void;

/** The receive buffer overflowed (ENOBUFS): the kernel dropped messages for this socket. */
export type OverrunListener = () => void;

/** What the client needs from a socket; tests stand in for the kernel through it. */
export interface NetlinkTransport {
  readonly extendedAck: boolean;
  allocateSequence(): number;
  transact(request: Buffer, seq: number, options: TransactOptions): Promise<NetlinkMessage[]>;
  onUnsolicited(listener: UnsolicitedListener): () => void;
  /** Overruns of the receive buffer: multicast notifications were lost (optional for test doubles). */
  onOverrun?(listener: OverrunListener): () => void;
  addMembership(group: number): void;
  dropMembership(group: number): void;
  close(): void;
}

/** The part of the `netlink` package's RawNetlinkSocket this module uses. */
export interface RawSocket {
  on(event: 'message', listener: (data: Buffer, info: MessageInfo) => void): unknown;
  on(event: 'truncatedMessage', listener: (data: Buffer, info: MessageInfo) => void): unknown;
  on(event: 'error', listener: (error: ErrnoException) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  send(data: Uint8Array, options: { port: number }, callback: (error?: ErrnoException) => void): void;
  address(): { port: number };
  ref(): void;
  unref(): void;
  close(): void;
  addMembership(group: number): void;
  dropMembership(group: number): void;
}

export class NetlinkConnection implements NetlinkTransport {
  private readonly pending = new Map<number, PendingRequest>();
  private readonly unsolicitedListeners = new Set<UnsolicitedListener>();
  private readonly overrunListeners = new Set<OverrunListener>();
  private nextSequence = (Math.random() * 0x7fffffff) >>> 0 || 1;
  private closed = false;
  /** Datagrams received so far, of any kind: an expired request waits while they keep coming (expire()). */
  private datagrams = 0;
  private optionsOn: boolean | undefined;

  /**
   * Wraps an open socket; `open()` is the usual way in. `extendedAck`: whether
   * the kernel will send its error texts (NETLINK_EXT_ACK is on), or the
   * function that turns the socket options on, called once, when first needed.
   */
  constructor(
    private readonly socket: RawSocket,
    private readonly enableOptions: boolean | (() => boolean),
  ) {
    if (typeof enableOptions === 'boolean') this.optionsOn = enableOptions;
    socket.on('message', (data, info) => this.receive(data, info));
    socket.on('truncatedMessage', () =>
      this.failAll(new KernelError({}, 'a netlink reply was larger than the receive buffer')),
    );
    socket.on('error', (error) => {
      if (Math.abs(error.errno) === ENOBUFS) this.overrun(error);
      else this.failAll(socketError(error));
    });
    socket.on('close', () => {
      this.closed = true;
      this.failAll(new KernelError({}, 'the netlink socket closed while waiting for the kernel'));
    });
    this.updateRef();
  }

  /** receiveBufferBytes: the socket's SO_RCVBUF (the kernel caps it at net.core.rmem_max). */
  static async open(receiveBufferBytes = RECEIVE_BUFFER_BYTES): Promise<NetlinkConnection> {
    let socket: RawNetlinkSocket;
    try {
      socket = new RawNetlinkSocket(NETLINK_GENERIC, {
        recvBufferSize: receiveBufferBytes,
        sendBufferSize: 0,
        // One recvmsg() per datagram into a 32 KiB buffer, as iproute2 does,
        // instead of a peek for its size and then a read: the kernel sizes
        // each dump datagram by the reader's buffer (up to 32 KiB), so a dump
        // comes in ~100 flows a round trip rather than ~12.
        messagePeeking: false,
        msgBufferSize: RECEIVE_DATAGRAM_BYTES,
      });
    } catch (error) {
      throw socketError(error);
    }
    // Setting the options means loading koffi, which costs more than a whole
    // read-only command does; so it waits until a request needs them.
    return new NetlinkConnection(socket, () => {
      try {
        return enableExtendedAck(socket.address().port);
      } catch {
        return false; // errors will be reported by errno name only
      }
    });
  }

  /** Whether the kernel will send its error texts; turns the socket options on if they are not yet. */
  get extendedAck(): boolean {
    return this.ensureOptions();
  }

  private ensureOptions(): boolean {
    if (this.optionsOn === undefined && typeof this.enableOptions === 'function' && !this.closed) {
      this.optionsOn = this.enableOptions();
    }
    return this.optionsOn ?? false;
  }

  get port(): number {
    return this.socket.address().port;
  }

  allocateSequence(): number {
    const seq = this.nextSequence;
    this.nextSequence = (this.nextSequence + 1) >>> 0 || 1;
    return seq;
  }

  /**
   * Sends one request (already framed with `seq`) and resolves with every message
   * the kernel answered with, the final NLMSG_ERROR or NLMSG_DONE included.
   */
  transact(request: Buffer, seq: number, options: TransactOptions): Promise<NetlinkMessage[]> {
    if (this.optionsOn !== undefined || !options.readOnly) {
      this.ensureOptions();
      return this.exchange(request, seq, options);
    }
    let delivered = false;
    const onMessages = options.onMessages;
    const tracked = onMessages && {
      ...options,
      onMessages: (messages: NetlinkMessage[]) => {
        delivered = true;
        onMessages(messages);
      },
    };
    return this.exchange(request, seq, tracked ?? options).then((messages) => {
      // Sent without the options: ask again with them, for the kernel's error
      // text (not when items were handed over already: they would come twice).
      const errno = answeredErrno(messages);
      if (errno === undefined || delivered || options.selfExplained?.includes(errno) || !this.ensureOptions()) return messages;
      return this.exchange(request, seq, options);
    });
  }

  private exchange(request: Buffer, seq: number, options: TransactOptions): Promise<NetlinkMessage[]> {
    if (this.closed) return Promise.reject(new KernelError({}, 'the netlink socket is closed'));
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<NetlinkMessage[]>((resolve, reject) => {
      const timer = setTimeout(() => this.expire(seq, new TimeoutError(options.what, timeoutMs)), timeoutMs);
      this.pending.set(seq, { dump: options.dump, seq, onMessages: options.dump ? options.onMessages : undefined, messages: [], answers: 0, timer, resolve, reject });
      this.updateRef();
      this.socket.send(request, { port: 0 }, (error) => {
        if (error) this.settle(seq, socketError(error, 'sending to the kernel failed'));
      });
    });
  }

  /** Messages that answer no pending request: multicast notifications. */
  onUnsolicited(listener: UnsolicitedListener): () => void {
    this.unsolicitedListeners.add(listener);
    this.updateRef();
    return () => {
      this.unsolicitedListeners.delete(listener);
      this.updateRef();
    };
  }

  onOverrun(listener: OverrunListener): () => void {
    this.overrunListeners.add(listener);
    return () => {
      this.overrunListeners.delete(listener);
    };
  }

  addMembership(group: number): void {
    this.ensureOptions(); // NETLINK_NO_ENOBUFS and NETLINK_BROADCAST_ERROR before the first notification
    this.socket.addMembership(group);
  }

  dropMembership(group: number): void {
    this.socket.dropMembership(group);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new KernelError({}, 'the netlink socket was closed before the kernel answered'));
    this.unsolicitedListeners.clear();
    this.overrunListeners.clear();
    this.socket.close();
  }

  private receive(data: Buffer, info: MessageInfo): void {
    this.datagrams++;
    if (info.port !== 0) return; // only the kernel talks to us
    let messages: NetlinkMessage[];
    try {
      messages = parseNetlinkMessages(data);
    } catch (error) {
      this.failAll(error instanceof Error ? error : new KernelError({}, String(error)));
      return;
    }
    let progressed: PendingRequest | undefined;
    let batch: NetlinkMessage[] = [];
    for (const message of messages) {
      const request = this.pending.get(message.header.seq);
      if (!request) {
        if (message.header.seq === 0) for (const listener of this.unsolicitedListeners) listener(message);
        continue;
      }
      const { type } = message.header;
      const final = type === NLMSG_ERROR || (request.dump && type === NLMSG_DONE);
      if (request.onMessages && !final) {
        batch.push(message);
      } else {
        request.messages.push(message);
      }
      if (final) {
        batch = this.handOver(request, batch);
        this.settle(message.header.seq);
      } else if (request.dump) progressed = request;
    }
    if (progressed) this.handOver(progressed, batch);
    // A dump times out when the kernel stops sending, not when it is long: a
    // 100 000-flow listing under emulation takes longer than the timeout.
    if (progressed && this.pending.get(progressed.seq) === progressed) {
      progressed.answers++;
      progressed.timer.refresh();
    }
  }

  /** Hands a dump's items of one datagram to its consumer; a consumer that throws fails the request. */
  private handOver(request: PendingRequest, batch: NetlinkMessage[]): NetlinkMessage[] {
    if (batch.length === 0 || !request.onMessages) return batch;
    try {
      request.onMessages(batch);
    } catch (error) {
      this.settle(request.seq, error instanceof Error ? error : new KernelError({}, String(error)));
    }
    return [];
  }

  /**
   * recvmsg() said ENOBUFS: the kernel dropped messages it could not queue for
   * us. The socket stays usable. A dump loses nothing (the kernel fills it only
   * as we read), so pending dumps go on; the answer to a do request may be the
   * message that was dropped, so those fail; listeners learn that multicast
   * notifications were lost.
   */
  private overrun(error: ErrnoException): void {
    for (const [seq, request] of [...this.pending]) {
      if (!request.dump) this.settle(seq, socketError(error, 'the netlink receive buffer overflowed, the answer may be lost'));
    }
    for (const listener of [...this.overrunListeners]) listener();
  }

  /**
   * The timer ran out. When this process was busy past the deadline (a write
   * blocked on a slow pipe, a starved vCPU), the event loop reaches its timers
   * before it polls the socket, where the answer may be waiting: it fails the
   * request only after that poll (setImmediate runs after it) found nothing.
   * An answer that arrives refreshes the timer, or settles the request.
   */
  private expire(seq: number, error: TimeoutError): void {
    const request = this.pending.get(seq);
    if (!request) return;
    const answersSoFar = request.answers;
    let datagramsSoFar = this.datagrams;
    const check = (): void => {
      if (this.pending.get(seq) !== request || request.answers !== answersSoFar) return; // settled, or the timer runs again
      // A poll reads at most 32 datagrams: while they come (notifications,
      // another request's answers), the answer may be behind them.
      if (this.datagrams !== datagramsSoFar) {
        datagramsSoFar = this.datagrams;
        setImmediate(check);
        return;
      }
      this.settle(seq, error);
    };
    setImmediate(check);
  }

  private settle(seq: number, error?: Error): void {
    const request = this.pending.get(seq);
    if (!request) return;
    this.pending.delete(seq);
    clearTimeout(request.timer);
    this.updateRef();
    if (error) request.reject(error);
    else request.resolve(request.messages);
  }

  private failAll(error: Error): void {
    for (const seq of [...this.pending.keys()]) this.settle(seq, error);
  }

  /** Keeps the process alive only while something waits on the socket. */
  private updateRef(): void {
    if (this.closed) return;
    if (this.pending.size > 0 || this.unsolicitedListeners.size > 0) this.socket.ref();
    else this.socket.unref();
  }
}

/** The errno (positive) of a refused request: its NLMSG_ERROR, or a dump's NLMSG_DONE, carries a negative errno; undefined otherwise. */
function answeredErrno(messages: readonly NetlinkMessage[]): number | undefined {
  const last = messages.at(-1);
  if (!last || (last.header.type !== NLMSG_ERROR && last.header.type !== NLMSG_DONE) || last.payload.length < 4) return undefined;
  const error = last.payload.readInt32LE(0);
  return error < 0 ? -error : undefined;
}

function socketError(error: unknown, context = 'netlink socket error'): MutexctlError {
  const errno = (error as Partial<ErrnoException> | undefined)?.errno;
  if (typeof errno === 'number') {
    const positive = Math.abs(errno);
    return new KernelError({ errno: positive }, `${context}: ${describeErrno(positive)}`);
  }
  return new KernelError({}, `${context}: ${error instanceof Error ? error.message : String(error)}`);
}
