// `mutexctl serve` without a kernel: the HTTP side (routes, gzip, HEAD, the
// listen address), one snapshot shared by concurrent scrapes, mutex_up while
// the module is absent, the per-flow series cap. The real thing, against the
// module and a real Prometheus, is test/vm/serve.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { MetricsExporter } from '../../src/app/serve.js';
import { SingleFlight } from '../../src/app/single-flight.js';
import type { Snapshot } from '../../src/export/snapshot.js';
import { acceptsGzip, formatListenAddress, parseListenAddress, serveHttp, type HttpServer } from '../../src/http/server.js';
import { FamilyNotFoundError, KernelError } from '../../src/netlink/errors.js';
import type { ConnAttrs } from '../../src/spec/generated.js';
import { runNode } from './helpers/run-node.js';
import { usageError } from './helpers/usage-error.js';

const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const conn = (id: number): ConnAttrs => ({
  id: BigInt(id),
  fd_id: 3,
  protocol: 17,
  family: 2,
  state: 1,
  local_addr: new Uint8Array([127, 0, 0, 1]),
  local_port: 40000 + id,
  remote_addr: new Uint8Array([127, 0, 0, 1]),
  remote_port: 53,
  bytes_sent: BigInt(100 * id),
});

function snapshot(instance: bigint, conns: ConnAttrs[] = [conn(1)]): Snapshot {
  return {
    takenNs: 1n,
    scopes: ['global', 'fd', 'conn', 'alerts'],
    stats: { instance_id: instance, bytes_sent: 1234n, rtt_samples: 0n },
    fds: [{ id: 3, name: 'web', bytes_sent: 1234n, rtt_hist: [0n, 1n], alerts_active: 0 }],
    conns,
    alerts: [],
  };
}

async function withExporter(exporter: MetricsExporter, work: (server: HttpServer) => Promise<void>): Promise<void> {
  const server = await serveHttp({ host: '127.0.0.1', port: 0 }, { '/metrics': () => exporter.metrics() });
  try {
    await work(server);
  } finally {
    await server.close();
  }
}

const sample = (text: string, name: string): string | undefined => new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
const families = (text: string): string[] => [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!);

describe('--listen', () => {
  it('takes ADDRESS:PORT in the usual forms', () => {
    assert.deepEqual(parseListenAddress('127.0.0.1:9477'), { host: '127.0.0.1', port: 9477 });
    assert.deepEqual(parseListenAddress('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseListenAddress(':9477'), { host: '', port: 9477 });
    assert.deepEqual(parseListenAddress('localhost:80'), { host: 'localhost', port: 80 });
    assert.equal(formatListenAddress({ host: '::1', port: 9 }), '[::1]:9');
    assert.equal(formatListenAddress({ host: '', port: 9 }), '*:9');
  });

  it('refuses anything else with a usage error', () => {
    for (const [text, pattern] of [
      ['9477', /is not ADDRESS:PORT/],
      ['::1:9477', /is not ADDRESS:PORT/],
      ['127.0.0.1:', /port "" is not a number/],
      ['127.0.0.1:http', /port "http" is not a number/],
      ['127.0.0.1:65536', /port "65536" is not a number from 0 to 65535/],
      ['[fe80::zz]:1', /in brackets is not an IPv6 address/],
      ['bad_host!:1', /neither an IP address nor a host name/],
    ] as const) {
      assert.throws(() => parseListenAddress(text), usageError(pattern), text);
    }
  });

  it('a taken address is a usage error naming it', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      await assert.rejects(serveHttp({ host: '127.0.0.1', port }, {}), usageError(new RegExp(`^--listen 127\\.0\\.0\\.1:${port}: the address is already in use`)));
      // And from the command line: exit 2, one line.
      const run = await runNode(['bin/run.js', 'serve', '--listen', `127.0.0.1:${port}`], { cwd: projectRoot });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, new RegExp(`^mutexctl: --listen 127\\.0\\.0\\.1:${port}: the address is already in use .*\\n$`));
    } finally {
      blocker.close();
    }
  });
});

describe('Accept-Encoding', () => {
  it('gzip when named or covered by *, unless its q is 0', () => {
    assert.equal(acceptsGzip(undefined), false);
    assert.equal(acceptsGzip(''), false);
    assert.equal(acceptsGzip('gzip'), true);
    assert.equal(acceptsGzip('deflate, gzip;q=0.5'), true);
    assert.equal(acceptsGzip('GZIP'), true);
    assert.equal(acceptsGzip('gzip;q=0'), false);
    assert.equal(acceptsGzip('identity'), false);
    assert.equal(acceptsGzip('*'), true);
    assert.equal(acceptsGzip('*;q=0.1, gzip;q=0'), false);
    assert.equal(acceptsGzip('br, *;q=0'), false);
  });
});

describe('single flight', () => {
  it('callers during a run share it; the next call runs again', async () => {
    let runs = 0;
    let release = (): void => undefined;
    const flight = new SingleFlight(async () => {
      runs++;
      await new Promise<void>((resolve) => (release = resolve));
      return runs;
    });
    const first = [flight.run(), flight.run(), flight.run()];
    release();
    assert.deepEqual(await Promise.all(first), [1, 1, 1]);
    const second = flight.run();
    release();
    assert.equal(await second, 2);
  });

  it('a failed run is not kept: the next caller tries again', async () => {
    let runs = 0;
    const flight = new SingleFlight(async () => {
      runs++;
      if (runs === 1) throw new Error('first fails');
      return runs;
    });
    await assert.rejects(flight.run(), /first fails/);
    assert.equal(await flight.run(), 2);
  });
});

describe('/metrics', () => {
  it('concurrent scrapes share one snapshot, one rendering and one gzip; plain and gzip carry the same text', async () => {
    let captures = 0;
    let release = (): void => undefined;
    const exporter = new MetricsExporter({
      connSeries: false,
      maxConnSeries: 10,
      capture: async () => {
        captures++;
        await new Promise<void>((resolve) => (release = resolve));
        return snapshot(7n);
      },
    });
    await withExporter(exporter, async (server) => {
      const scrapes = Array.from({ length: 12 }, (_, i) => get(server.address.port, '/metrics', i % 2 ? { 'Accept-Encoding': 'gzip' } : {}));
      // Every request is in (each waits on the one capture) before it is let go.
      while (captures === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setTimeout(resolve, 100));
      release();
      const replies = await Promise.all(scrapes);
      assert.equal(captures, 1);
      const texts = replies.map((reply, i) => {
        assert.equal(reply.status, 200);
        assert.equal(reply.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
        assert.equal(reply.headers.vary, 'Accept-Encoding');
        assert.equal(reply.headers['content-encoding'], i % 2 ? 'gzip' : undefined);
        assert.equal(Number(reply.headers['content-length']), reply.body.length);
        return (i % 2 ? gunzipSync(reply.body) : reply.body).toString();
      });
      for (const text of texts) assert.equal(text, texts[0]);
      assert.equal(sample(texts[0]!, 'mutex_exporter_snapshots_total'), '1');
      assert.equal(sample(texts[0]!, 'mutex_up'), '1');
      assert.match(texts[0]!, /^mutex_module_info\{instance_id="7"\} 1$/m);
      assert.match(texts[0]!, /^mutex_fd_sent_bytes_total\{fd="3",name="web"\} 1234$/m);
      assert.match(texts[0]!, /^mutex_fd_flows\{fd="3",name="web",protocol="udp",state="established"\} 1$/m);
      assert.doesNotMatch(texts[0]!, /mutex_conn_/, 'no per-flow series by default');
      // The next scrape takes a new snapshot.
      const next = get(server.address.port, '/metrics');
      while (captures === 1) await new Promise((resolve) => setTimeout(resolve, 5));
      release();
      assert.equal(sample((await next).body.toString(), 'mutex_exporter_snapshots_total'), '2');
    });
  });

  it('while the module is absent: 200 with mutex_up 0 and nothing else of the module; back with a new instance', async () => {
    const answers: (() => Snapshot)[] = [
      () => snapshot(5n),
      () => {
        throw new FamilyNotFoundError('mutex');
      },
      () => {
        throw new FamilyNotFoundError('mutex');
      },
      () => snapshot(6n),
      () => {
        throw new KernelError({ errno: 13 });
      },
      () => snapshot(6n),
    ];
    const logged: string[] = [];
    const exporter = new MetricsExporter({ connSeries: false, maxConnSeries: 10, capture: async () => answers.shift()!(), log: (line) => logged.push(line) });
    await withExporter(exporter, async (server) => {
      const texts: string[] = [];
      for (let i = 0; i < 6; i++) {
        const reply = await get(server.address.port, '/metrics');
        assert.equal(reply.status, 200);
        texts.push(reply.body.toString());
      }
      assert.deepEqual(texts.map((text) => sample(text, 'mutex_up')), ['1', '0', '0', '1', '0', '1']);
      assert.deepEqual(families(texts[1]!), ['mutex_up', 'mutex_exporter_snapshots_total', 'mutex_exporter_snapshot_duration_seconds']);
      assert.match(texts[3]!, /^mutex_module_info\{instance_id="6"\} 1$/m);
      assert.match(logged[3] ?? '', /^reading the mutex module failed: permission denied.*; mutex_up 0$/);
      assert.deepEqual(logged, [
        'the mutex module answers (instance 5): mutex_up 1',
        'the mutex module is not loaded: mutex_up 0 until it is',
        'the mutex module answers (instance 6): mutex_up 1',
        logged[3],
        'the mutex module answers (instance 6): mutex_up 1',
      ]);
    });
  });

  it('--conn-series: series for the oldest flows up to the cap, the rest counted', async () => {
    const conns = [conn(5), conn(2), conn(9), conn(1), conn(7)];
    const exporter = new MetricsExporter({ connSeries: true, maxConnSeries: 2, capture: async () => snapshot(1n, conns) });
    await withExporter(exporter, async (server) => {
      const text = (await get(server.address.port, '/metrics')).body.toString();
      const shown = [...text.matchAll(/^mutex_conn_sent_bytes_total\{conn="(\d+)"/gm)].map((m) => m[1]);
      assert.deepEqual(shown, ['1', '2']);
      assert.equal(sample(text, 'mutex_exporter_conn_series_omitted'), '3');
      // The per-context flow counts still count every flow.
      assert.match(text, /^mutex_fd_flows\{fd="3",name="web",protocol="udp",state="established"\} 5$/m);
    });
    const all = new MetricsExporter({ connSeries: true, maxConnSeries: 10, capture: async () => snapshot(1n, conns) });
    await withExporter(all, async (server) => {
      const text = (await get(server.address.port, '/metrics')).body.toString();
      assert.equal([...text.matchAll(/^mutex_conn_sent_bytes_total\{/gm)].length, 5);
      assert.equal(sample(text, 'mutex_exporter_conn_series_omitted'), '0');
    });
  });
});

describe('routes', () => {
  it('/healthz, 404 for other paths, 405 for other methods, HEAD without a body, a failing handler is a 500', async () => {
    const server = await serveHttp(
      { host: '127.0.0.1', port: 0 },
      {
        '/healthz': async () => ({ status: 200, contentType: 'text/plain', body: Buffer.from('ok\n') }),
        '/boom': async () => {
          throw new Error('kaput');
        },
      },
    );
    try {
      const { port } = server.address;
      const health = await get(port, '/healthz?verbose=1');
      assert.equal(health.status, 200);
      assert.equal(health.body.toString(), 'ok\n');
      assert.equal(health.headers['content-encoding'], undefined);
      const head = await get(port, '/healthz', {}, 'HEAD');
      assert.equal(head.status, 200);
      assert.equal(head.headers['content-length'], '3');
      assert.equal(head.body.length, 0);
      const missing = await get(port, '/nothing');
      assert.equal(missing.status, 404);
      assert.match(missing.body.toString(), /try \/healthz \/boom/);
      const post = await get(port, '/healthz', {}, 'POST');
      assert.equal(post.status, 405);
      assert.equal(post.headers.allow, 'GET, HEAD');
      const boom = await get(port, '/boom');
      assert.equal(boom.status, 500);
      assert.match(boom.body.toString(), /kaput/);
      assert.equal((await get(port, '/healthz')).status, 200, 'still serving');
    } finally {
      await server.close();
    }
  });
});

describe('mutexctl serve, the command', () => {
  it('serves on the port it says, mutex_up 0 without the module, and ends with exit 0 on SIGTERM', async () => {
    // This machine has no mutex module: the exporter runs all the same.
    const child = spawn(process.execPath, ['bin/run.js', 'serve', '--listen', '127.0.0.1:0'], { cwd: projectRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      let port: number | undefined;
      for (let i = 0; i < 600 && port === undefined; i++) {
        port = Number(/^mutexctl serve: listening on http:\/\/127\.0\.0\.1:(\d+)\/metrics$/m.exec(stderr)?.[1]) || undefined;
        if (port === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(port, stderr);
      const metrics = await get(port, '/metrics', { 'Accept-Encoding': 'gzip' });
      assert.equal(metrics.status, 200);
      assert.equal(sample(gunzipSync(metrics.body).toString(), 'mutex_up'), '0');
      assert.equal((await get(port, '/healthz')).body.toString(), 'ok\n');
      assert.match(stderr, /^mutexctl serve: the mutex module is not loaded: mutex_up 0 until it is$/m);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
  });
});

describe('packaging/systemd', () => {
  it('the units run mutexctl as a dynamic user without privileges, sandboxed, in the host network namespace', () => {
    for (const [unit, command] of [
      ['mutexctl-serve.service', 'serve --listen 127.0.0.1:9477'],
      ['mutexctl-alerts.service', 'alerts --follow --json --alertmanager http://127.0.0.1:9093'],
    ] as const) {
      const text = readFileSync(join(projectRoot, 'packaging/systemd', unit), 'utf8');
      const settings = new Map([...text.matchAll(/^(\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
      assert.equal(settings.get('ExecStart'), `/usr/local/bin/mutexctl ${command}`, unit);
      for (const [key, value] of Object.entries({
        DynamicUser: 'yes',
        NoNewPrivileges: 'yes',
        ProtectSystem: 'strict',
        ProtectHome: 'yes',
        PrivateTmp: 'yes',
        PrivateDevices: 'yes',
        CapabilityBoundingSet: '',
        AmbientCapabilities: '',
        RestrictAddressFamilies: 'AF_NETLINK AF_INET AF_INET6 AF_UNIX',
        RestrictNamespaces: 'yes',
        SystemCallFilter: '@system-service',
      })) {
        assert.equal(settings.get(key), value, `${unit}: ${key}`);
      }
      assert.equal(settings.has('PrivateNetwork'), false, `${unit}: the module reports the namespace it runs in`);
      assert.equal(settings.has('MemoryDenyWriteExecute'), false, `${unit}: node's JIT needs it off`);
    }
  });
});
