import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  GENL_ID_CTRL,
  NLM_F_ACK,
  NLM_F_ACK_TLVS,
  NLM_F_DUMP_INTR,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
} from '../../src/netlink/constants.js';
import { CodecError } from '../../src/netlink/errors.js';
import { encodeAttribute } from '../../src/netlink/codec.js';
import {
  buildGenlMessage,
  buildNetlinkMessage,
  parseDoneMessage,
  parseErrorMessage,
  parseGenlPayload,
  parseNetlinkMessages,
} from '../../src/netlink/message.js';
import { doneReply, errorReply, genlReply, u32 } from './helpers/fake-kernel.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

describe('message framing', () => {
  it('builds nlmsghdr + genlmsghdr + attributes (golden bytes)', () => {
    const message = buildGenlMessage(
      { type: GENL_ID_CTRL, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1, port: 0, cmd: 3, version: 2 },
      encodeAttribute(2, Buffer.from('nlctrl\0')),
    );
    assert.deepEqual(
      message,
      hex(
        '20000000 1000 0500 01000000 00000000' + // len 32, type 0x10, REQUEST|ACK, seq 1, port 0
          '03 02 0000' + // cmd 3, version 2, reserved
          '0b00 0200 6e6c6374726c00 00', // "nlctrl\0", padded
      ),
    );
  });

  it('parses several messages of one datagram, with their headers', () => {
    const first = genlReply(0x1a, 1, 7, encodeAttribute(4, u32(9)), NLM_F_MULTI);
    const datagram = Buffer.concat([first, doneReply(7)]);
    const messages = parseNetlinkMessages(datagram);
    assert.equal(messages.length, 2);
    assert.deepEqual(messages[0]?.header, { length: 28, type: 0x1a, flags: NLM_F_MULTI, seq: 7, port: 0 });
    assert.deepEqual(parseGenlPayload(messages[0]!.payload), { cmd: 1, version: 1, attributes: hex('0800 0400 09000000') });
    assert.equal(messages[1]?.header.type, NLMSG_DONE);
  });

  it('rejects a truncated message', () => {
    const message = buildNetlinkMessage({ type: 0x1a, flags: 0, seq: 1 }, Buffer.alloc(8));
    assert.throws(() => parseNetlinkMessages(message.subarray(0, 20)), CodecError);
    assert.throws(() => parseNetlinkMessages(message.subarray(0, 10)), /truncated/);
  });
});

describe('NLMSG_ERROR', () => {
  const request = buildGenlMessage({ type: 0x1a, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 42, cmd: 2, version: 1 }, encodeAttribute(1, u32(5)));

  it('parses errno and extended-ACK TLVs after a capped header', () => {
    const [message] = parseNetlinkMessages(
      errorReply(request, -22, { message: 'unknown fd id', offset: 20, missingType: 3, missingNest: 24 }),
    );
    assert.equal(message?.header.type, NLMSG_ERROR);
    const status = parseErrorMessage(message!);
    assert.equal(status.error, -22);
    assert.equal(status.request?.seq, 42);
    assert.deepEqual(status.extack, { message: 'unknown fd id', offset: 20, missingType: 3, missingNest: 24 });
  });

  it('skips the echoed request payload when the reply is not capped', () => {
    const code = Buffer.alloc(4);
    code.writeInt32LE(-1);
    const tlvs = encodeAttribute(1, Buffer.from('nope\0'));
    const reply = buildNetlinkMessage(
      { type: NLMSG_ERROR, flags: NLM_F_ACK_TLVS, seq: 42 },
      Buffer.concat([code, request, tlvs]),
    );
    const status = parseErrorMessage(parseNetlinkMessages(reply)[0]!);
    assert.equal(status.error, -1);
    assert.equal(status.extack.message, 'nope');
  });

  it('reads an ACK as error 0 with no extack', () => {
    const status = parseErrorMessage(parseNetlinkMessages(errorReply(request, 0))[0]!);
    assert.deepEqual(status.extack, {});
    assert.equal(status.error, 0);
  });
});

describe('NLMSG_DONE', () => {
  it('carries the error of a failed dump, with extack', () => {
    const [message] = parseNetlinkMessages(doneReply(9, -105, { extack: { message: 'dump cursor expired' } }));
    assert.deepEqual(parseDoneMessage(message!), { error: -105, extack: { message: 'dump cursor expired' } });
  });

  it('is 0 for a complete dump, and shows NLM_F_DUMP_INTR in its flags', () => {
    const [message] = parseNetlinkMessages(doneReply(9, 0, { flags: NLM_F_DUMP_INTR }));
    assert.equal(parseDoneMessage(message!).error, 0);
    assert.ok(message!.header.flags & NLM_F_DUMP_INTR);
  });
});
