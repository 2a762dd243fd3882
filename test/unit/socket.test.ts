import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ErrnoException } from 'netlink';
import { NLMSG_DONE, NLMSG_ERROR, NLM_F_MULTI } from '../../src/netlink/constants.js';
import { KernelError, TimeoutError } from '../../src/netlink/errors.js';
import { buildGenlMessage } from '../../src/netlink/message.js';
import { NetlinkConnection, type RawSocket } from '../../src/netlink/socket.js';
import { doneReply, errorReply, genlReply } from './helpers/fake-kernel.js';

/** A RawNetlinkSocket double: records what is sent, lets the test deliver datagrams. */
class FakeRawSocket extends EventEmitter implements RawSocket {
  readonly sent: Buffer[] = [];
  referenced = true;
  closed = false;
  sendError?: ErrnoException;

  send(data: Uint8Array, _options: { port: number }, callback: (error?: ErrnoException) => void): void {
    this.sent.push(Buffer.from(data));
    queueMicrotask(() => callback(this.sendError));
  }
  address(): { port: number } {
    return { port: 1234 };
  }
  ref(): void {
    this.referenced = true;
  }
  unref(): void {
    this.referenced = false;
  }
  close(): void {
    this.closed = true;
    this.emit('close');
  }
  addMembership(): void {}
  dropMembership(): void {}
  deliver(datagram: Buffer, port = 0): void {
    this.emit('message', datagram, { port, groups: 0 });
  }
}

function errnoException(errno: number, code: string): ErrnoException {
  return Object.assign(new Error(code), { name: 'ErrnoException' as const, errno, code, syscall: 'test' });
}

function setup() {
  const raw = new FakeRawSocket();
  const connection = new NetlinkConnection(raw, true);
  const seq = connection.allocateSequence();
  const request = buildGenlMessage({ type: 0x1c, flags: 5, seq, cmd: 1, version: 1 }, Buffer.alloc(0));
  return { raw, connection, seq, request };
}

describe('NetlinkConnection', () => {
  it('resolves a do request with its reply and ACK, ignoring other sequence numbers and senders', async () => {
    const { raw, connection, seq, request } = setup();
    const pending = connection.transact(request, seq, { dump: false, what: 'test' });
    assert.equal(raw.referenced, true);
    raw.deliver(genlReply(0x1c, 1, seq + 50, Buffer.alloc(0))); // stale reply to an older request
    raw.deliver(genlReply(0x1c, 1, seq, Buffer.alloc(0)), 4321); // not from the kernel
    raw.deliver(genlReply(0x1c, 1, seq, Buffer.alloc(0)));
    raw.deliver(errorReply(request, 0));
    const messages = await pending;
    assert.deepEqual(
      messages.map((m) => m.header.type),
      [0x1c, NLMSG_ERROR],
    );
    assert.equal(raw.referenced, false, 'an idle socket must not keep the process alive');
    connection.close();
  });

  it('waits for NLMSG_DONE on a dump', async () => {
    const { raw, connection, seq, request } = setup();
    const pending = connection.transact(request, seq, { dump: true, what: 'test' });
    raw.deliver(genlReply(0x1c, 1, seq, Buffer.alloc(0), NLM_F_MULTI));
    raw.deliver(Buffer.concat([genlReply(0x1c, 1, seq, Buffer.alloc(0), NLM_F_MULTI), doneReply(seq)]));
    const messages = await pending;
    assert.equal(messages.length, 3);
    assert.equal(messages[2]?.header.type, NLMSG_DONE);
    connection.close();
  });

  it('rejects cleanly when the socket errors while a request waits', async () => {
    const { raw, connection, seq, request } = setup();
    const pending = connection.transact(request, seq, { dump: false, what: 'test' });
    raw.emit('error', errnoException(105, 'ENOBUFS'));
    await assert.rejects(pending, (error: unknown) => error instanceof KernelError && /ENOBUFS/.test(error.message));
    connection.close();
  });

  it('ENOBUFS is an overrun: dumps go on, do requests fail (their answer may be lost), listeners are told', async () => {
    const { raw, connection, seq, request } = setup();
    const doSeq = connection.allocateSequence();
    const doRequest = buildGenlMessage({ type: 0x1c, flags: 5, seq: doSeq, cmd: 1, version: 1 }, Buffer.alloc(0));
    const dump = connection.transact(request, seq, { dump: true, what: 'dump' });
    const pendingDo = connection.transact(doRequest, doSeq, { dump: false, what: 'do' });
    let overruns = 0;
    const stop = connection.onOverrun(() => overruns++);
    const notifications: number[] = [];
    connection.onUnsolicited((message) => notifications.push(message.header.type));
    raw.emit('error', errnoException(105, 'ENOBUFS'));
    await assert.rejects(pendingDo, (error: unknown) => error instanceof KernelError && /receive buffer overflowed.*ENOBUFS/.test(error.message));
    assert.equal(overruns, 1);
    raw.deliver(Buffer.concat([genlReply(0x1c, 1, seq, Buffer.alloc(0), NLM_F_MULTI), doneReply(seq)]));
    assert.equal((await dump).length, 2, 'the dump completed after the overrun');
    raw.deliver(genlReply(0x1c, 3, 0, Buffer.alloc(0)));
    assert.deepEqual(notifications, [0x1c], 'notifications still arrive');
    stop();
    raw.emit('error', errnoException(105, 'ENOBUFS'));
    assert.equal(overruns, 1);
    assert.equal(raw.closed, false);
    connection.close();
  });

  it('rejects cleanly when the socket closes while a request waits', async () => {
    const { connection, seq, request } = setup();
    const pending = connection.transact(request, seq, { dump: false, what: 'test' });
    connection.close();
    await assert.rejects(pending, KernelError);
    await assert.rejects(connection.transact(request, seq, { dump: false, what: 'test' }), /closed/);
  });

  it('rejects when sending fails', async () => {
    const { raw, connection, seq, request } = setup();
    raw.sendError = errnoException(111, 'ECONNREFUSED');
    await assert.rejects(connection.transact(request, seq, { dump: false, what: 'test' }), /sending to the kernel failed/);
    connection.close();
  });

  it('times out with the operation named', async () => {
    const { connection, seq, request } = setup();
    await assert.rejects(
      connection.transact(request, seq, { dump: false, what: 'stats-get', timeoutMs: 20 }),
      (error: unknown) => error instanceof TimeoutError && error.message.includes('stats-get within 20 ms'),
    );
    connection.close();
  });

  it('times a dump out when the kernel stops sending, not when the dump is long', async () => {
    const { raw, connection, seq, request } = setup();
    // Margins wide enough for a loaded machine, where a 100 ms timer may fire late.
    const pending = connection.transact(request, seq, { dump: true, what: 'conn-get', timeoutMs: 500 });
    const outcome = pending.then((items) => items.length, (error: unknown) => error);
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 100));
      raw.deliver(genlReply(0x1c, 1, seq, Buffer.alloc(0), NLM_F_MULTI));
    }
    raw.deliver(doneReply(seq));
    assert.equal(await outcome, 7, '600 ms in all, never 500 ms without a message');
    const stalled = connection.transact(request, seq, { dump: true, what: 'conn-get', timeoutMs: 40 });
    raw.deliver(genlReply(0x1c, 1, seq, Buffer.alloc(0), NLM_F_MULTI));
    await assert.rejects(stalled, (error: unknown) => error instanceof TimeoutError);
    connection.close();
  });

  /** Busy for `ms` in a check-phase callback, then `next` from the following one: the loop meets the expired timer first. */
  function busyThen(ms: number, next: () => void): void {
    setImmediate(() => {
      const until = Date.now() + ms;
      while (Date.now() < until);
      setImmediate(next);
    });
  }

  it('goes on with a dump whose next datagram was waiting when its timer ran out', async () => {
    const { raw, connection, seq, request } = setup();
    const pending = connection.transact(request, seq, { dump: true, what: 'conn-get', timeoutMs: 30 });
    raw.deliver(genlReply(0x1c, 1, seq, Buffer.alloc(0), NLM_F_MULTI));
    busyThen(100, () => {
      raw.deliver(genlReply(0x1c, 1, seq, Buffer.alloc(0), NLM_F_MULTI));
      setTimeout(() => raw.deliver(doneReply(seq)), 5);
    });
    assert.equal((await pending).length, 3);
    connection.close();
  });

  it('waits out datagrams queued ahead of an answer (a poll reads 32) before timing out', async () => {
    const { raw, connection, seq, request } = setup();
    const pending = connection.transact(request, seq, { dump: false, what: 'test', timeoutMs: 30 });
    let polls = 0;
    const poll = (): void => {
      if (++polls <= 3) {
        for (let i = 0; i < 32; i++) raw.deliver(genlReply(0x1c, 1, 0, Buffer.alloc(0))); // notifications
        setImmediate(poll);
        return;
      }
      raw.deliver(genlReply(0x1c, 1, seq, Buffer.alloc(0)));
      setImmediate(() => raw.deliver(errorReply(request, 0)));
    };
    busyThen(100, poll);
    assert.deepEqual((await pending).map((m) => m.header.type), [0x1c, NLMSG_ERROR]);
    connection.close();
  });

  /** A connection whose socket options are turned on lazily, counting how often. */
  function lazyOptions(header: { type: number; cmd: number; version: number }) {
    const raw = new FakeRawSocket();
    const counter = { enabled: 0 };
    const connection = new NetlinkConnection(raw, () => {
      counter.enabled++;
      return true;
    });
    const seq = connection.allocateSequence();
    const request = buildGenlMessage({ ...header, flags: 5, seq }, Buffer.alloc(0));
    return { raw, counter, connection, seq, request };
  }

  it('sets socket options only when needed: before a change, or to resend a failed read-only request', async () => {
    const { raw, counter, connection, seq, request } = lazyOptions({ type: 0x1c, cmd: 1, version: 1 });
    const read = connection.transact(request, seq, { dump: false, what: 'stats-get', readOnly: true });
    raw.deliver(errorReply(request, 0));
    await read;
    assert.equal(counter.enabled, 0, 'a read-only request that succeeds needs no options');

    const failing = connection.transact(request, seq, { dump: false, what: 'fd-get', readOnly: true });
    raw.deliver(errorReply(request, -2));
    await new Promise((r) => setImmediate(r));
    assert.equal(counter.enabled, 1, 'turned on after the error');
    assert.equal(raw.sent.length, 3, 'and the request sent again');
    raw.deliver(errorReply(request, -2));
    const messages = await failing;
    assert.equal(messages.at(-1)?.payload.readInt32LE(0), -2);
    assert.equal(connection.extendedAck, true);

    const other = new NetlinkConnection(new FakeRawSocket(), () => {
      counter.enabled++;
      return true;
    });
    other.addMembership(1);
    assert.equal(counter.enabled, 2, 'joining a multicast group turns them on first');
    other.close();
    connection.close();
  });

  it('does not resend a read-only request for an error its caller explains itself', async () => {
    const { raw, counter, connection, seq, request } = lazyOptions({ type: 0x10, cmd: 3, version: 2 });
    const lookup = connection.transact(request, seq, { dump: false, what: 'lookup', readOnly: true, selfExplained: [2] });
    raw.deliver(errorReply(request, -2));
    const messages = await lookup;
    assert.equal(messages.at(-1)?.payload.readInt32LE(0), -2);
    assert.equal(raw.sent.length, 1, 'sent once');
    assert.equal(counter.enabled, 0, 'no socket options (no koffi) for ENOENT');

    const other = connection.transact(request, seq, { dump: false, what: 'lookup', readOnly: true, selfExplained: [2] });
    raw.deliver(errorReply(request, -1));
    await new Promise((r) => setImmediate(r));
    assert.equal(counter.enabled, 1, 'another errno still asks again for the text');
    raw.deliver(errorReply(request, -1));
    await other;
    connection.close();
  });

  it('rejects on a malformed datagram instead of throwing from the event', async () => {
    const { raw, connection, seq, request } = setup();
    const pending = connection.transact(request, seq, { dump: false, what: 'test' });
    raw.deliver(Buffer.from([1, 2, 3]));
    await assert.rejects(pending, /truncated/);
    connection.close();
  });

  it('hands seq-0 messages to multicast listeners', () => {
    const { raw, connection } = setup();
    const types: number[] = [];
    const stop = connection.onUnsolicited((message) => types.push(message.header.type));
    assert.equal(raw.referenced, true, 'a listener keeps the process alive');
    raw.deliver(genlReply(0x1c, 3, 0, Buffer.alloc(0)));
    stop();
    assert.deepEqual(types, [0x1c]);
    assert.equal(raw.referenced, false);
    connection.close();
  });
});
