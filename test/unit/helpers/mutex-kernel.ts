// A fake kernel speaking the real `mutex` family of kernel/mutex.yaml: it
// answers do/dump requests of an operation with the items a test gives it.
import { GENL_ID_CTRL, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_MULTI } from '../../../src/netlink/constants.js';
import { mutexCodec } from '../../../src/netlink/codec.js';
import { MutexClient } from '../../../src/netlink/client.js';
import { operations } from '../../../src/spec/generated.js';
import { parseGenlPayload } from '../../../src/netlink/message.js';
import type { ExtendedAck } from '../../../src/netlink/errors.js';
import { doneReply, errorReply, FakeKernel, familyReply, genlReply, type SentRequest } from './fake-kernel.js';

export const MUTEX_FAMILY_ID = 0x21;

export interface Request {
  operation: string;
  dump: boolean;
  /** The request's attributes, decoded with the operation's set. */
  attributes: Record<string, unknown>;
}

export type Answer =
  | {
      items: Record<string, unknown>[];
      dumpFlags?: number;
      /** Dump items per datagram (default 1). */
      perDatagram?: number;
      /** NLM_F_DUMP_INTR on every message from this item on, the final one included. */
      interruptedFrom?: number;
    }
  | { errno: number; extack?: ExtendedAck };

export interface MutexKernel {
  fake: FakeKernel;
  client: MutexClient;
  /** Family requests in the order they came (the nlctrl lookup left out). */
  requests: Request[];
}

/** A client attached to a fake kernel that lets `answer` reply to each family request. */
export async function mutexKernel(answer: (request: Request) => Answer): Promise<MutexKernel> {
  const requests: Request[] = [];
  const byCmd = new Map(Object.values(operations).map((op) => [op.value, op]));
  const fake = new FakeKernel((sent: SentRequest) => {
    const seq = sent.message.header.seq;
    if (sent.message.header.type === GENL_ID_CTRL) return [familyReply(seq, 'mutex', MUTEX_FAMILY_ID, { alerts: 7 })];
    const { cmd, attributes } = parseGenlPayload(sent.message.payload);
    const op = byCmd.get(cmd);
    if (!op) return [errorReply(sent.buffer, -95)];
    const dump = (sent.message.header.flags & NLM_F_DUMP) !== 0;
    const request = { operation: op.name, dump, attributes: mutexCodec.decode(op.attributeSet, attributes) };
    requests.push(request);
    const reply = answer(request);
    if ('errno' in reply) return [errorReply(sent.buffer, -reply.errno, reply.extack)];
    const intr = (i: number): number => (reply.interruptedFrom !== undefined && i >= reply.interruptedFrom ? NLM_F_DUMP_INTR : 0);
    const messages = reply.items.map((item, i) =>
      genlReply(MUTEX_FAMILY_ID, cmd, seq, mutexCodec.encode(op.attributeSet, item), dump ? NLM_F_MULTI | (i === 0 ? (reply.dumpFlags ?? 0) : 0) | intr(i) : 0),
    );
    if (dump) {
      const per = reply.perDatagram ?? 1;
      const datagrams = Array.from({ length: Math.ceil(messages.length / per) }, (_, i) => Buffer.concat(messages.slice(i * per, (i + 1) * per)));
      return [...datagrams, doneReply(seq, 0, { flags: (reply.dumpFlags ?? 0) | intr(reply.items.length) })];
    }
    return [Buffer.concat([...messages, errorReply(sent.buffer, 0)])];
  });
  const client = await MutexClient.attach(fake);
  return { fake, client, requests };
}
