import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AttrCodec } from '../../src/netlink/codec.js';
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_MULTI, NLM_F_REQUEST } from '../../src/netlink/constants.js';
import { DumpInconsistentError, FamilyNotFoundError, KernelError } from '../../src/netlink/errors.js';
import { lookupFamily, MutexClient, type FamilySpec } from '../../src/netlink/client.js';
import type { AttrSetName } from '../../src/netlink/codec.js';
import type { AttrSetTypes } from '../../src/spec/generated.js';
import { parseGenlPayload } from '../../src/netlink/message.js';
import { doneReply, errorReply, FakeKernel, familyReply, genlReply, type SentRequest } from './helpers/fake-kernel.js';

const FAMILY_ID = 0x1c;

const itemCodec = new AttrCodec({
  item: [
    { name: 'pad', key: 'pad', value: 1, type: 'pad' },
    { name: 'id', key: 'id', value: 2, type: 'u32' },
    { name: 'bytes', key: 'bytes', value: 3, type: 'u64' },
    { name: 'filter', key: 'filter', value: 4, type: 'nest', nested: 'filter' },
  ],
  filter: [
    { name: 'proto', key: 'proto', value: 1, type: 'u8' },
    { name: 'port', key: 'port', value: 2, type: 'u16' },
  ],
});

const spec: FamilySpec = {
  name: 'mutex',
  version: 1,
  codec: itemCodec,
  operations: {
    'item-get': {
      name: 'item-get',
      value: 2,
      attributeSet: 'item',
      hasDo: true,
      hasDump: true,
      adminOnly: false,
      doRequest: ['id'],
      dumpRequest: ['filter'],
    },
    'item-event': {
      name: 'item-event',
      value: 3,
      attributeSet: 'item',
      hasDo: false,
      hasDump: false,
      adminOnly: false,
      doRequest: [],
      dumpRequest: [],
    },
  },
};

/** The fixture family's attributes are not in the generated types. */
const untyped = (attributes: Record<string, unknown>) => attributes as Partial<AttrSetTypes[AttrSetName]>;
const item = (values: Record<string, unknown>) => itemCodec.encode('item', values);
const seqOf = (request: SentRequest) => request.message.header.seq;

/** A fake kernel that knows the family and hands every family request to `answer`. */
function kernel(answer: (request: SentRequest) => Buffer[]): FakeKernel {
  return new FakeKernel((request) =>
    request.message.header.type === 0x10
      ? [familyReply(seqOf(request), 'mutex', FAMILY_ID, { alerts: 5 })]
      : answer(request),
  );
}

describe('family lookup', () => {
  it('resolves id and multicast groups', async () => {
    const fake = kernel(() => []);
    const family = await lookupFamily(fake, 'mutex');
    assert.equal(family.id, FAMILY_ID);
    assert.equal(family.mcastGroups.get('alerts'), 5);
  });

  it('turns ENOENT into FamilyNotFoundError (exit 3)', async () => {
    const fake = new FakeKernel((request) => [errorReply(request.buffer, -2)]);
    await assert.rejects(MutexClient.attach(fake, { spec }), (error: unknown) => {
      assert.ok(error instanceof FamilyNotFoundError);
      assert.equal(error.exitCode, 3);
      return true;
    });
  });
});

describe('do requests', () => {
  it('sends REQUEST|ACK with the op cmd and returns the decoded reply', async () => {
    const fake = kernel((request) => [
      Buffer.concat([
        genlReply(FAMILY_ID, 2, seqOf(request), item({ id: 7, bytes: 2n ** 64n - 1n })),
        errorReply(request.buffer, 0),
      ]),
    ]);
    const client = await MutexClient.attach(fake, { spec });
    const reply = await client.doRequest('item-get', untyped({ id: 7 }));
    assert.deepEqual(reply, { id: 7, bytes: 18446744073709551615n });
    const sent = fake.sent[1]!;
    assert.equal(sent.message.header.flags, NLM_F_REQUEST | NLM_F_ACK);
    assert.equal(sent.message.header.type, FAMILY_ID);
    assert.equal(parseGenlPayload(sent.message.payload).cmd, 2);
    assert.equal(sent.options.dump, false);
  });

  it('refuses attributes the operation does not take', async () => {
    const client = await MutexClient.attach(kernel(() => []), { spec });
    await assert.rejects(client.doRequest('item-get', untyped({ bytes: 1n })), /does not take attribute bytes/);
  });

  it('reports the kernel message and names the attribute at the extack offset', async () => {
    const fake = kernel((request) => [
      errorReply(request.buffer, -22, { message: 'no such item', offset: 20 }),
    ]);
    const client = await MutexClient.attach(fake, { spec });
    await assert.rejects(client.doRequest('item-get', untyped({ id: 99 })), (error: unknown) => {
      assert.ok(error instanceof KernelError);
      assert.equal(error.errno, 22);
      assert.equal(error.message, 'kernel: no such item (attribute id)');
      return true;
    });
  });

  it('names a missing attribute from MISS_TYPE', async () => {
    const fake = kernel((request) => [errorReply(request.buffer, -22, { missingType: 2 })]);
    const client = await MutexClient.attach(fake, { spec });
    await assert.rejects(client.doRequest('item-get'), /kernel: missing attribute id/);
  });

  it('maps EPERM to the CAP_NET_ADMIN message', async () => {
    const fake = kernel((request) => [errorReply(request.buffer, -1)]);
    const client = await MutexClient.attach(fake, { spec });
    await assert.rejects(client.doRequest('item-get', untyped({ id: 1 })), /needs CAP_NET_ADMIN/);
  });
});

describe('dump requests', () => {
  const twoItems = (request: SentRequest, flags = 0) => [
    genlReply(FAMILY_ID, 2, seqOf(request), item({ id: 1 }), NLM_F_MULTI | flags),
    Buffer.concat([genlReply(FAMILY_ID, 2, seqOf(request), item({ id: 2 }), NLM_F_MULTI), doneReply(seqOf(request))]),
  ];

  it('collects every part until NLMSG_DONE, with the nested filter flagged', async () => {
    const fake = kernel((request) => twoItems(request));
    const client = await MutexClient.attach(fake, { spec });
    const result = await client.dumpRequest('item-get', untyped({ filter: { proto: 6 } }));
    assert.deepEqual(result, { items: [{ id: 1 }, { id: 2 }], interrupted: false });
    const sent = fake.sent[1]!;
    assert.equal(sent.message.header.flags, NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ACK);
    assert.equal(sent.options.dump, true);
    assert.equal(sent.buffer.readUInt16LE(20 + 2), 4 | 0x8000);
  });

  it('detects NLM_F_DUMP_INTR', async () => {
    const client = await MutexClient.attach(kernel((request) => twoItems(request, NLM_F_DUMP_INTR)), { spec });
    assert.equal((await client.dumpRequest('item-get')).interrupted, true);
  });

  it('raises the error carried inside NLMSG_DONE', async () => {
    const fake = kernel((request) => [
      genlReply(FAMILY_ID, 2, seqOf(request), item({ id: 1 }), NLM_F_MULTI),
      doneReply(seqOf(request), -90, { extack: { message: 'message too long for cursor' } }),
    ]);
    const client = await MutexClient.attach(fake, { spec });
    await assert.rejects(client.dumpRequest('item-get'), /kernel: message too long for cursor/);
  });

  it('dumpConsistent retries an interrupted dump', async () => {
    let calls = 0;
    const fake = kernel((request) => twoItems(request, ++calls < 3 ? NLM_F_DUMP_INTR : 0));
    const client = await MutexClient.attach(fake, { spec });
    assert.deepEqual(await client.dumpConsistent('item-get'), [{ id: 1 }, { id: 2 }]);
    assert.equal(calls, 3);
  });

  it('dumpConsistent gives up with DumpInconsistentError', async () => {
    let calls = 0;
    const fake = kernel((request) => (calls++, twoItems(request, NLM_F_DUMP_INTR)));
    const client = await MutexClient.attach(fake, { spec });
    await assert.rejects(client.dumpConsistent('item-get', {}, 2), DumpInconsistentError);
    assert.equal(calls, 3);
  });
});

describe('multicast', () => {
  it('joins the group by id and decodes notifications by their cmd', async () => {
    const fake = kernel(() => []);
    const client = await MutexClient.attach(fake, { spec });
    const seen: unknown[] = [];
    const leave = client.subscribe('alerts', (notification) => seen.push(notification));
    assert.ok(fake.memberships.has(5));
    fake.notify(genlReply(FAMILY_ID, 3, 0, item({ id: 4 })));
    assert.deepEqual(seen, [{ operation: 'item-event', cmd: 3, attributes: { id: 4 } }]);
    leave();
    assert.equal(fake.memberships.size, 0);
  });

  it('passes receive-buffer overruns on, and drops a malformed notification instead of throwing', async () => {
    const fake = kernel(() => []);
    const client = await MutexClient.attach(fake, { spec });
    const seen: unknown[] = [];
    let overruns = 0;
    const leave = client.subscribe('alerts', (notification) => seen.push(notification.attributes), () => overruns++);
    fake.overrun();
    assert.equal(overruns, 1);
    const truncated = genlReply(FAMILY_ID, 3, 0, Buffer.from([8, 0, 2, 0]));
    truncated.writeUInt32LE(truncated.length, 0);
    fake.notify(truncated);
    fake.notify(genlReply(FAMILY_ID, 3, 0, item({ id: 5 })));
    assert.deepEqual(seen, [{ id: 5 }]);
    leave();
    fake.overrun();
    assert.equal(overruns, 1);
  });

  it('refuses a group the module does not have', async () => {
    const client = await MutexClient.attach(kernel(() => []), { spec });
    assert.throws(() => client.subscribe('nope', () => undefined), KernelError);
  });
});
