// Issue 16: kernel alerts into Debian's Alertmanager (started here, with a
// webhook receiver of the test's own counting its notifications). A
// bandwidth alert raised by real traffic is notified, and so is its
// resolution; one raised while Alertmanager is down arrives once it is back;
// a follower restarted while an alert is active does not make Alertmanager
// notify anything again. The follower runs as an unprivileged user.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';

import { cliPath, Context, freshPort, PYTHON, withClient } from './lib.js';
import { Alertmanager, Child, until, Webhook } from './servers.js';
import type { AlertAttrs } from '../../src/spec/generated.js';

const BANDWIDTH = 2;
const RAISED = 0;
/** Every alert type but bandwidth_spike disabled: UDP to our own receiver makes no other. */
const ONLY_BANDWIDTH = 0b11011;
const INSTANCE = 'vm-test';
const RESEND = '10s';

/** About 4 Mbit/s of UDP over lo (1000-byte datagrams read back by a receiver) until killed. */
const UDP_LOAD = `
import socket, sys, time
port = int(sys.argv[1])
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(('127.0.0.1', port))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
start = time.time(); n = 0
while True:
    delay = start + n / 500 - time.time()
    if delay > 0: time.sleep(delay)
    s.sendto(b'b' * 1000, ('127.0.0.1', port)); r.recv(2000); n += 1
`;

let webhook: Webhook;
let alertmanager: Alertmanager;

before(async () => {
  webhook = await Webhook.start();
  alertmanager = new Alertmanager(webhook.url);
  await alertmanager.start();
  await withClient((c) => c.doRequest('thresholds-set', { interval_ms: 500 }));
});

after(async () => {
  await alertmanager?.stop();
  await webhook?.stop();
  await withClient((c) => c.doRequest('thresholds-set', { reset: true }));
});

/** `mutexctl alerts --follow --json --alertmanager URL` as user nobody. */
function startFollower(): Child {
  return new Child(
    spawn(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--no-new-privs', process.execPath, cliPath, 'alerts', '--follow', '--json',
        '--alertmanager', alertmanager.url, '--resend-interval', RESEND, '--instance', INSTANCE],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    ),
  );
}

/** A context whose only threshold is 1 Mbit/s of bandwidth, and a way to run traffic through it. */
async function bandwidthContext(name: string) {
  const port = freshPort();
  const ctx = Context.open(`name=${name} scope=all proto=udp port=${port}`);
  await withClient((c) => c.doRequest('thresholds-set', { fd_id: ctx.id, bandwidth_bps: 1_000_000n, disabled: ONLY_BANDWIDTH }));
  let load: Child | undefined;
  return {
    ctx,
    labels: { alertname: 'MutexBandwidthSpike', fd: String(ctx.id) },
    start: () => (load = new Child(spawn(PYTHON, ['-c', UDP_LOAD, String(port)], { stdio: 'ignore' }))),
    stop: async () => void (await load?.stop()),
  };
}

function ringRaised(fd: number): Promise<AlertAttrs | undefined> {
  return withClient(async (c) => (await c.dumpConsistent<'alert'>('alert-get', { fd_id: fd })).find((a) => a.type === BANDWIDTH && a.state === RAISED));
}

describe('alerts --follow --alertmanager, with a real Alertmanager', () => {
  it('a raise and its clear are notified; raised while Alertmanager is down, it arrives once it is back; a follower restart notifies nothing again', async () => {
    const a = await bandwidthContext('am-a');
    const b = await bandwidthContext('am-b');
    const c = await bandwidthContext('am-c');
    let follower = startFollower();
    try {
      // 1. Raised by real traffic, notified; cleared when it stops, notified resolved.
      a.start();
      const [firing] = await until('the firing notification of fd a', () => webhook.of(a.labels, 'firing').length > 0 && webhook.of(a.labels, 'firing'), 120_000);
      await a.stop();
      assert.deepEqual(
        { ...firing!.labels, severity: undefined },
        { alertname: 'MutexBandwidthSpike', type: 'bandwidth_spike', fd: String(a.ctx.id), name: 'am-a', severity: undefined, instance: INSTANCE },
      );
      assert.match(firing!.labels.severity!, /^([5-9]|10)$/);
      assert.match(firing!.annotations.summary!, new RegExp(`^bandwidth spike raised on fd ${a.ctx.id} \\(am-a\\): `));
      assert.equal(firing!.annotations.unit, 'bps');
      const raised = await ringRaised(a.ctx.id);
      assert.equal(Date.parse(firing!.startsAt), Number(raised!.time_ns! / 1_000_000n), 'startsAt is the kernel\'s raise');
      await until('the resolved notification of fd a', () => webhook.of(a.labels, 'resolved').length > 0, 60_000);

      // 2. Alertmanager down while the alert is raised: retried until it is back.
      await alertmanager.stop();
      b.start();
      await until('the raise of fd b in the ring', () => ringRaised(b.ctx.id), 60_000);
      await until('the follower to fail to post it', () => /alertmanager .*: posting \d+ alert\(s\) failed: /.test(follower.stderr), 60_000);
      await alertmanager.start();
      await until('the firing notification of fd b', () => webhook.of(b.labels, 'firing').length > 0, 120_000);
      await until('the follower to say so', () => /delivered again after \d+ failed attempt\(s\)/.test(follower.stderr), 30_000);
      await b.stop();
      await until('the resolved notification of fd b', () => webhook.of(b.labels, 'resolved').length > 0, 60_000);

      // 3. The follower restarts while fd c's alert is active.
      c.start();
      await until('the firing notification of fd c', () => webhook.of(c.labels, 'firing').length > 0, 120_000);
      assert.equal(await follower.stop(), 0, follower.stderr);
      const notifiedBefore = webhook.notified.length;
      const restartedAt = Date.now();
      follower = startFollower();
      await until(
        'the new follower to post the active alert',
        async () => (await alertmanager.alerts()).some((x) => x.labels.fd === String(c.ctx.id) && Date.parse(x.updatedAt) > restartedAt),
        120_000,
      );
      // Group interval 1 s: five of them for Alertmanager to notify anything it would.
      await new Promise((resolve) => setTimeout(resolve, 5000));
      assert.deepEqual(webhook.notified.slice(notifiedBefore), [], 'nothing notified again after the restart');
      const inAm = (await alertmanager.alerts()).filter((x) => x.labels.fd === String(c.ctx.id));
      assert.equal(inAm.length, 1);
      assert.equal(inAm[0]!.status.state, 'active');
      await c.stop();
      await until('the resolved notification of fd c', () => webhook.of(c.labels, 'resolved').length > 0, 60_000);

      // Each alert once firing, once resolved.
      for (const context of [a, b, c]) {
        assert.deepEqual(
          webhook.of(context.labels).map((n) => n.status),
          ['firing', 'resolved'],
          `notifications of fd ${context.ctx.id}`,
        );
      }
      assert.doesNotMatch(follower.stderr, /lost/, follower.stderr);
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()]);
      await follower.stop();
      for (const context of [a, b, c]) context.ctx.close();
    }
  });
});
