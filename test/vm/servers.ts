// The real servers of the fleet path, started by the tests themselves in the
// guest: `mutexctl serve` (unprivileged), Debian's Prometheus and
// Alertmanager (their config written here, data in a temporary directory,
// loopback ports), and a webhook receiver that records what Alertmanager
// notifies.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { cliPath, freshPort, sleep } from './lib.js';

/** Waits for `check` to hold (polling), failing with `what` after `ms`. */
export async function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, ms = 60_000, everyMs = 250): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface HttpReply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** One HTTP request on a connection of its own. */
export function httpRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer within 30 s`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A long-running child whose stderr is kept; stop() ends it and waits. */
export class Child {
  stderr = '';
  stdout = '';
  readonly exited: Promise<number | null>;

  constructor(readonly process: ChildProcess) {
    process.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    process.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.exited = new Promise((resolve) => process.on('exit', (code) => resolve(code)));
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill(signal);
    return this.exited;
  }
}

/** `mutexctl serve` as user nobody, on a free loopback port. */
export async function startServe(args: string[] = []): Promise<Child & { url: string; port: number }> {
  const child = new Child(
    spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--no-new-privs', process.execPath, cliPath, 'serve', '--listen', '127.0.0.1:0', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    }),
  );
  const port = await until(
    'mutexctl serve to listen',
    () => {
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(child.stderr);
      if (child.process.exitCode !== null) assert.fail(`mutexctl serve exited ${child.process.exitCode}: ${child.stderr}`);
      return match ? Number(match[1]) : undefined;
    },
    120_000,
    100,
  );
  return Object.assign(child, { url: `http://127.0.0.1:${port}`, port });
}

/** GET /metrics as text (gunzipped when asked for gzip); status and encoding checked. */
export async function scrape(url: string, gzip = false): Promise<string> {
  const reply = await httpRequest(`${url}/metrics`, { headers: gzip ? { 'Accept-Encoding': 'gzip' } : {} });
  assert.equal(reply.status, 200, reply.body.toString());
  assert.equal(reply.headers['content-encoding'], gzip ? 'gzip' : undefined);
  return (gzip ? gunzipSync(reply.body) : reply.body).toString();
}

/** The families of an exposition (its # TYPE lines). */
export function familiesOf(text: string): string[] {
  return [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!).sort();
}

/** The value of the one sample `name{labels}` (labels as written, in order), or undefined. */
export function sampleOf(text: string, series: string): string | undefined {
  const escaped = series.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text)?.[1];
}

function ready(url: string, what: string, child: Child): Promise<true> {
  return until(
    `${what} to be ready`,
    async () => {
      if (child.process.exitCode !== null) assert.fail(`${what} exited ${child.process.exitCode}: ${child.stderr.slice(-2000)}`);
      try {
        return (await httpRequest(`${url}/-/ready`)).status === 200 || undefined;
      } catch {
        return undefined;
      }
    },
    180_000,
    500,
  );
}

export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/** Debian's Prometheus, scraping `targets` every second. */
export class Prometheus {
  private constructor(
    readonly url: string,
    private readonly child: Child,
  ) {}

  static async start(targets: readonly string[], job = 'mutex'): Promise<Prometheus> {
    const dir = mkdtempSync('/tmp/prometheus-');
    const port = freshPort();
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: ${job}
    static_configs:
      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]
`,
    );
    const child = new Child(
      spawn(
        'prometheus',
        [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      ),
    );
    const url = `http://127.0.0.1:${port}`;
    await ready(url, 'prometheus', child);
    return new Prometheus(url, child);
  }

  /** An instant query (at `time`, unix seconds, or now): the result vector. */
  async query(expr: string, time?: number): Promise<PromSample[]> {
    const params = new URLSearchParams({ query: expr });
    if (time !== undefined) params.set('time', time.toFixed(3));
    const reply = await httpRequest(`${this.url}/api/v1/query?${params}`);
    const body = JSON.parse(reply.body.toString()) as { status: string; error?: string; data?: { resultType: string; result: PromSample[] } };
    assert.equal(body.status, 'success', `${expr}: ${body.error}`);
    assert.equal(body.data?.resultType, 'vector', expr);
    return body.data!.result;
  }

  /** The one value of a query that selects one series, as a number; undefined while it has none. */
  async value(expr: string, time?: number): Promise<number | undefined> {
    const result = await this.query(expr, time);
    assert.ok(result.length <= 1, `${expr}: ${result.length} series`);
    return result.length === 1 ? Number(result[0]!.value[1]) : undefined;
  }

  stop(): Promise<number | null> {
    return this.child.stop();
  }
}

/** What a webhook receiver got from Alertmanager: one entry per alert per notification. */
export interface Notified {
  readonly at: number;
  readonly status: 'firing' | 'resolved';
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
}

/** A webhook receiver on loopback, recording every alert of every notification. */
export class Webhook {
  readonly notified: Notified[] = [];
  private readonly server: Server;
  url = '';

  private constructor() {
    this.server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        const body = JSON.parse(text) as { alerts: Omit<Notified, 'at'>[] };
        for (const alert of body.alerts) this.notified.push({ at: Date.now(), ...alert });
        res.writeHead(200).end();
      });
    });
  }

  static async start(): Promise<Webhook> {
    const hook = new Webhook();
    await new Promise<void>((resolve) => hook.server.listen(0, '127.0.0.1', resolve));
    hook.url = `http://127.0.0.1:${(hook.server.address() as { port: number }).port}/`;
    return hook;
  }

  /** Notifications of alerts whose labels include `labels`. */
  of(labels: Record<string, string>, status?: 'firing' | 'resolved'): Notified[] {
    return this.notified.filter((n) => (status === undefined || n.status === status) && Object.entries(labels).every(([k, v]) => n.labels[k] === v));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Debian's Alertmanager (no cluster), routing every alert to `webhook` on its own, fast. */
export class Alertmanager {
  private child: Child | undefined;
  readonly url: string;
  private readonly dir = mkdtempSync('/tmp/alertmanager-');
  private readonly port = freshPort();

  constructor(webhook: string) {
    this.url = `http://127.0.0.1:${this.port}`;
    writeFileSync(
      join(this.dir, 'alertmanager.yml'),
      `route:
  receiver: hook
  group_by: ['...']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 24h
receivers:
  - name: hook
    webhook_configs:
      - url: '${webhook}'
        send_resolved: true
`,
    );
  }

  /** Starts it (again: the same storage, so its notification log survives a restart). */
  async start(): Promise<void> {
    this.child = new Child(
      spawn(
        'prometheus-alertmanager',
        [
          `--config.file=${join(this.dir, 'alertmanager.yml')}`,
          `--storage.path=${join(this.dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${this.port}`,
          '--cluster.listen-address=',
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      ),
    );
    await ready(this.url, 'alertmanager', this.child);
  }

  /** The alerts it holds now (GET /api/v2/alerts). */
  async alerts(): Promise<{ labels: Record<string, string>; startsAt: string; endsAt: string; updatedAt: string; status: { state: string } }[]> {
    const reply = await httpRequest(`${this.url}/api/v2/alerts`);
    assert.equal(reply.status, 200);
    return JSON.parse(reply.body.toString()) as never;
  }

  async stop(): Promise<void> {
    await this.child?.stop();
    this.child = undefined;
  }
}
