// alerts --follow --alertmanager without a kernel or an Alertmanager: the
// payload (labels, annotations, times), posting only once the ring is read
// and only the last state of each alert, retries that merge what changed,
// resends, the kernel's state resolving what it no longer has, and the HTTP
// POST itself against a local server. The real thing is test/vm/alertmanager.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { followAlerts } from '../../src/app/alert-follow.js';
import { alertLabels, alertName, AlertmanagerForwarder, type PostableAlert } from '../../src/app/alertmanager.js';
import { HttpError, parseHttpUrl, postJson } from '../../src/http/client.js';
import { mutexCodec } from '../../src/netlink/codec.js';
import { operations, type AlertAttrs, type FdAttrs } from '../../src/spec/generated.js';
import { genlReply } from './helpers/fake-kernel.js';
import { MUTEX_FAMILY_ID, mutexKernel } from './helpers/mutex-kernel.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;
const RAISED = 0;
const CLEARED = 1;
const BANDWIDTH = 2;
const LATENCY = 0;

function event(seq: number, fd: number, type: number, state: number, atMs: number, extra: Partial<AlertAttrs> = {}): AlertAttrs {
  return {
    seq: BigInt(seq),
    time_ns: ns(atMs),
    type,
    severity: state === RAISED ? 7 : 0,
    state,
    fd_id: fd,
    value: 15_000_000n,
    threshold: 10_000_000n,
    message: `raised on fd ${fd}`,
    ...extra,
  };
}

/** A stand-in for Alertmanager's POST: records each batch; fails while `down`. */
class FakeAlertmanager {
  readonly batches: PostableAlert[][] = [];
  down = false;
  failures = 0;
  post = async (url: URL, alerts: PostableAlert[]): Promise<void> => {
    assert.equal(url.href, 'http://am.example:9093/api/v2/alerts');
    if (this.down) {
      this.failures++;
      throw new HttpError('connect ECONNREFUSED');
    }
    this.batches.push(alerts);
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

function forwarder(am: FakeAlertmanager, options: { resendMs?: number; contexts?: () => Promise<FdAttrs[]>; log?: (line: string) => void } = {}) {
  return new AlertmanagerForwarder({
    urls: [new URL('http://am.example:9093')],
    instance: 'host-1',
    resendMs: options.resendMs ?? 60_000,
    retryMs: 5,
    post: am.post,
    contexts: options.contexts,
    log: options.log,
  });
}

describe('the Alertmanager payload', () => {
  it('alertname from the type, the labels of the issue, the kernel message and values as annotations', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((type) => alertName(type)),
      ['MutexHighLatency', 'MutexHighErrorRate', 'MutexBandwidthSpike', 'MutexConnectionFlood', 'MutexPacketDrop'],
    );
    const raised = event(12, 3, BANDWIDTH, RAISED, T0);
    assert.deepEqual(alertLabels(raised, { name: 'web', instance: 'host-1' }), {
      labels: { alertname: 'MutexBandwidthSpike', type: 'bandwidth_spike', fd: '3', name: 'web', severity: '7', instance: 'host-1' },
      annotations: {
        summary: 'raised on fd 3',
        description: '15 Mbit/s (threshold 10 Mbit/s)',
        value: '15000000',
        threshold: '10000000',
        unit: 'bps',
        seq: '12',
      },
    });
    // A context without a name has no name label (an empty label is none to Alertmanager).
    assert.equal('name' in alertLabels(raised, { instance: 'h' }).labels, false);
  });
});

describe('AlertmanagerForwarder', () => {
  it('posts nothing until the ring is read, then the last state of each alert in one POST', async () => {
    const am = new FakeAlertmanager();
    const sink = forwarder(am, { contexts: async () => [{ id: 3, name: 'web', alerts_active: 0 }, { id: 4, name: 'db', alerts_active: 1 << LATENCY }] });
    await sink.alert(event(1, 3, BANDWIDTH, RAISED, T0));
    await sink.alert(event(2, 3, BANDWIDTH, CLEARED, T0 + 5000));
    await sink.alert(event(3, 4, LATENCY, RAISED, T0 + 6000));
    await sleep(20);
    assert.equal(am.batches.length, 0, 'nothing before the ring was read');
    const before = Date.now();
    await sink.synced();
    await until('one POST', () => am.batches.length === 1);
    const [batch] = am.batches;
    assert.deepEqual(
      batch!.map((a) => [a.labels.fd, a.labels.name, a.labels.alertname, a.startsAt]),
      [
        ['3', 'web', 'MutexBandwidthSpike', new Date(T0).toISOString()],
        ['4', 'db', 'MutexHighLatency', new Date(T0 + 6000).toISOString()],
      ],
    );
    assert.equal(batch![0]!.endsAt, new Date(T0 + 5000).toISOString(), 'resolved at the clear');
    const endsAt = Date.parse(batch![1]!.endsAt!);
    assert.ok(endsAt >= before + 4 * 60_000 && endsAt <= Date.now() + 4 * 60_000, 'firing: four resend intervals ahead');
    assert.deepEqual(sink.activeKeys, ['4/0']);
    await sink.stop();
    assert.equal(am.batches.length, 1, 'nothing left to post at the stop');
  });

  it('retries with backoff while Alertmanager is down; what changed meanwhile goes out in its latest state', async () => {
    const am = new FakeAlertmanager();
    const logged: string[] = [];
    const sink = forwarder(am, { log: (line) => logged.push(line) });
    await sink.synced();
    am.down = true;
    await sink.alert(event(1, 3, BANDWIDTH, RAISED, T0));
    await sink.alert(event(2, 4, BANDWIDTH, RAISED, T0 + 1));
    await until('a few failed attempts', () => am.failures >= 3);
    await sink.alert(event(3, 3, BANDWIDTH, CLEARED, T0 + 2));
    assert.deepEqual(sink.pending, [2]);
    am.down = false;
    await until('the POST after the outage', () => am.batches.length === 1);
    const [batch] = am.batches;
    assert.deepEqual(batch!.map((a) => [a.labels.fd, a.endsAt === new Date(T0 + 2).toISOString()]), [['3', true], ['4', false]]);
    assert.deepEqual(sink.pending, [0]);
    assert.equal(logged.length, 2, logged.join('\n'));
    assert.match(logged[0]!, /^alertmanager http:\/\/am\.example:9093\/: posting 1 alert\(s\) failed: connect ECONNREFUSED; retrying with backoff$/);
    assert.match(logged[1]!, /^alertmanager http:\/\/am\.example:9093\/: delivered again after \d+ failed attempt\(s\)$/);
    await sink.stop();
  });

  it('resends the active alerts every interval, unchanged but for endsAt; resolves those the kernel no longer has', async () => {
    const am = new FakeAlertmanager();
    const contexts: FdAttrs[] = [{ id: 3, name: 'web', alerts_active: 1 << BANDWIDTH }];
    const sink = forwarder(am, { resendMs: 40, contexts: async () => contexts });
    await sink.synced();
    const raisedAt = Date.now() - 1000;
    await sink.alert(event(1, 3, BANDWIDTH, RAISED, raisedAt));
    await until('three POSTs', () => am.batches.length >= 3);
    const firing = am.batches.slice(0, 3).map((batch) => batch[0]!);
    for (const alert of firing) {
      assert.deepEqual(alert.labels, firing[0]!.labels);
      assert.equal(alert.startsAt, new Date(raisedAt).toISOString());
      assert.ok(Date.parse(alert.endsAt!) > Date.now(), 'still firing');
    }
    // The context was closed: no clear comes, the kernel's state says it is over.
    contexts.length = 0;
    await until('the resolution', () => am.batches.some((batch) => Date.parse(batch[0]!.endsAt!) <= Date.now()));
    assert.deepEqual(sink.activeKeys, []);
    const count = am.batches.length;
    await sleep(150);
    assert.equal(am.batches.length, count, 'nothing active: nothing resent');
    await sink.stop();
  });

  it('a raise newer than the contexts read is left alone', async () => {
    const am = new FakeAlertmanager();
    let duringRead: (() => Promise<void>) | undefined;
    const sink = forwarder(am, {
      contexts: async () => {
        const hook = duringRead;
        duringRead = undefined;
        await hook?.();
        return [{ id: 2, alerts_active: 0 }, { id: 3, alerts_active: 0 }];
      },
    });
    await sink.synced();
    await sink.alert(event(1, 2, LATENCY, RAISED, Date.now() - 10));
    // While the check reads the contexts, fd 3 raises: the read cannot show it yet.
    duringRead = async () => {
      await sleep(5);
      await sink.alert(event(2, 3, BANDWIDTH, RAISED, Date.now()));
    };
    await sink.synced();
    assert.equal(duringRead, undefined, 'the check read the contexts');
    assert.deepEqual(sink.activeKeys, ['3/2'], 'fd 2 is no longer active in the kernel; fd 3 was raised after the read');
    await sink.stop();
  });

  it('a restarted follower posts the same firing alert again (same labels and startsAt: Alertmanager de-duplicates), not the history', async () => {
    const ring = [event(1, 3, BANDWIDTH, RAISED, T0), event(2, 3, BANDWIDTH, CLEARED, T0 + 1000), event(3, 5, BANDWIDTH, RAISED, T0 + 2000)];
    const kernel = await mutexKernel((request) => {
      if (request.operation === 'alert-get') return { items: ring as Record<string, unknown>[] };
      if (request.operation === 'fd-get') return { items: [{ id: 5, name: 'api', alerts_active: 1 << BANDWIDTH }] };
      return { errno: 95 };
    });
    const runs: PostableAlert[][][] = [];
    for (let run = 0; run < 2; run++) {
      const am = new FakeAlertmanager();
      const sink = new AlertmanagerForwarder({
        urls: [new URL('http://am.example:9093')],
        instance: 'host-1',
        resendMs: 60_000,
        post: am.post,
        contexts: () => kernel.client.dumpConsistent<'fd'>('fd-get'),
      });
      const controller = new AbortController();
      const done = followAlerts(kernel.client, sink, { signal: controller.signal });
      await until('the POST after the ring', () => am.batches.length === 1);
      if (run === 1) {
        // A notification after the replay goes out on its own.
        const ntf = operations['alert-ntf']!.value;
        kernel.fake.notify(genlReply(MUTEX_FAMILY_ID, ntf, 0, mutexCodec.encode('alert', event(4, 5, BANDWIDTH, CLEARED, T0 + 3000))));
        await until('the clear', () => am.batches.length === 2);
      }
      controller.abort();
      await done;
      await sink.stop();
      runs.push(am.batches);
    }
    const withoutEnds = (batch: PostableAlert[]) => batch.map(({ endsAt: _ends, ...rest }) => rest);
    assert.deepEqual(withoutEnds(runs[1]![0]!), withoutEnds(runs[0]![0]!));
    assert.deepEqual(runs[0]![0]!.map((a) => [a.labels.fd, a.labels.name ?? '']), [['3', ''], ['5', 'api']]);
    assert.equal(runs[0]![0]![0]!.endsAt, new Date(T0 + 1000).toISOString());
    assert.deepEqual(runs[1]![1]!.map((a) => [a.labels.fd, a.endsAt]), [['5', new Date(T0 + 3000).toISOString()]]);
  });
});

describe('postJson', () => {
  it('POSTs JSON; a non-2xx status and a refused connection are errors in words', async () => {
    const bodies: unknown[] = [];
    const server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        bodies.push({ method: request.method, url: request.url, type: request.headers['content-type'], body: JSON.parse(text) as unknown });
        if (request.url === '/bad') response.writeHead(400).end('maxFailure (quorum) on alerts\n  invalid label');
        else response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      await postJson(new URL(`http://127.0.0.1:${port}/api/v2/alerts`), [{ labels: { a: 'b' } }], { timeoutMs: 2000 });
      assert.deepEqual(bodies, [{ method: 'POST', url: '/api/v2/alerts', type: 'application/json', body: [{ labels: { a: 'b' } }] }]);
      await assert.rejects(postJson(new URL(`http://127.0.0.1:${port}/bad`), [], { timeoutMs: 2000 }), (error: unknown) => {
        assert.ok(error instanceof HttpError);
        assert.equal(error.status, 400);
        assert.equal(error.message, 'HTTP 400: maxFailure (quorum) on alerts invalid label');
        return true;
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    await assert.rejects(postJson(new URL(`http://127.0.0.1:${port}/`), [], { timeoutMs: 2000 }), /ECONNREFUSED/);
  });

  it('--alertmanager takes an http(s) base URL only', () => {
    assert.equal(parseHttpUrl('http://am:9093', 'x').href, 'http://am:9093/');
    assert.equal(parseHttpUrl('https://am.example/prefix/', 'x').pathname, '/prefix/');
    assert.throws(() => parseHttpUrl('ftp://am', 'x'), /not an http:\/\/ or https:\/\/ URL/);
    assert.throws(() => parseHttpUrl('http://am:9093/?x=1', 'x'), /has a query or fragment/);
  });
});
