// A reply that waits in the socket while this process is busy (a blocked
// write to a slow pipe, a starved vCPU) is an answer, not a timeout. Runs
// against this machine's real generic netlink controller.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GENL_ID_CTRL, NLM_F_REQUEST, NLMSG_NOOP } from '../../src/netlink/constants.js';
import { buildGenlMessage } from '../../src/netlink/message.js';
import { lookupFamily, type FamilyInfo } from '../../src/netlink/client.js';
import { TimeoutError } from '../../src/netlink/errors.js';
import { NetlinkConnection } from '../../src/netlink/socket.js';

function busyFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

/**
 * Sends the lookup from a setImmediate callback and keeps the thread busy past
 * the timeout: the loop then reaches its timers before it polls the socket.
 */
function lookUpWhileBusy(connection: NetlinkConnection, timeoutMs: number, busyMs: number): Promise<FamilyInfo> {
  return new Promise((resolve, reject) => {
    setImmediate(() => {
      lookupFamily(connection, 'nlctrl', timeoutMs).then(resolve, reject);
      busyFor(busyMs);
    });
  });
}

describe('a netlink answer that came while the process was busy', () => {
  it('is taken, though the timer expired before the loop read the socket', async () => {
    const connection = await NetlinkConnection.open();
    try {
      for (let round = 0; round < 5; round++) {
        const family = await lookUpWhileBusy(connection, 50, 300);
        assert.equal(family.id, GENL_ID_CTRL);
      }
    } finally {
      connection.close();
    }
  });

  it('while one nobody answers still times out', async () => {
    const connection = await NetlinkConnection.open();
    try {
      const seq = connection.allocateSequence();
      // NLMSG_NOOP without NLM_F_ACK: netlink_rcv_skb() skips it and answers nothing.
      const noop = buildGenlMessage({ type: NLMSG_NOOP, flags: NLM_F_REQUEST, seq, cmd: 0, version: 1 }, Buffer.alloc(0));
      const never = connection.transact(noop, seq, { dump: false, what: 'nothing', timeoutMs: 50 });
      await assert.rejects(never, (error: unknown) => error instanceof TimeoutError && /nothing within/.test(error.message));
    } finally {
      connection.close();
    }
  });
});
