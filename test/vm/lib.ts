// Helpers for tests that run inside the QEMU guest with mutex.ko loaded
// (scripts/vm). They talk to the real module through the same client the CLI
// uses, and to independent oracles: /sys/class/net counters, ss, /proc/net.
import { execFileSync, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { MutexClient } from '../../src/netlink/index.js';
import { runNode, type NodeRun } from '../unit/helpers/run-node.js';
import type { ConnAttrs, FdAttrs, StatsAttrs } from '../../src/spec/generated.js';

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const cliPath = join(projectRoot, 'bin', 'run.js');
/** Debian's python, not a version-manager shim: its start-up costs seconds under TCG. */
export const PYTHON = '/usr/bin/python3';

/** A context opened on /dev/mutex; closing it destroys the context. */
export class Context {
  readonly id: number;
  private constructor(readonly fd: number) {
    this.id = Number(/^id (\d+)$/m.exec(this.read())?.[1]);
  }

  static open(selector?: string): Context {
    const ctx = new Context(openSync('/dev/mutex', 'r+'));
    if (selector !== undefined) ctx.write(selector);
    return ctx;
  }

  write(selector: string): void {
    writeSync(this.fd, selector);
  }

  read(): string {
    const buf = Buffer.alloc(8192);
    const n = readSync(this.fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString();
  }

  close(): void {
    closeSync(this.fd);
  }
}

export async function withClient<T>(work: (client: MutexClient) => Promise<T>): Promise<T> {
  const client = await MutexClient.open();
  try {
    return await work(client);
  } finally {
    client.close();
  }
}

export function globalStats(): Promise<StatsAttrs> {
  return withClient((c) => c.doRequest<'stats'>('stats-get'));
}

export function fdStats(id: number): Promise<FdAttrs> {
  return withClient((c) => c.doRequest<'fd'>('fd-get', { id }));
}

export function connsOf(fdId: number): Promise<ConnAttrs[]> {
  return withClient((c) => c.dumpConsistent<'conn'>('conn-get', { fd_id: fdId }));
}

/** Runs the real CLI. */
export function mutexctl(args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [cliPath, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
}

export type CliResult = NodeRun;

/** Runs the real CLI without blocking, so that several runs overlap (each start costs seconds under TCG). */
export function mutexctlAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runNode([cliPath, ...args], { env: { ...process.env, NO_COLOR: '1', ...env } });
}

export function sh(cmd: string): string {
  return execFileSync('sh', ['-c', cmd], { encoding: 'utf8' });
}

export function python(script: string, args: string[] = [], options: { cgroup?: string } = {}): string {
  const argv = ['-c', script, ...args];
  if (options.cgroup) {
    return execFileSync('sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec /usr/bin/python3 "$@"', options.cgroup, ...argv], {
      encoding: 'utf8',
    });
  }
  return execFileSync(PYTHON, argv, { encoding: 'utf8' });
}

export function pythonAsync(script: string, args: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-c', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`python exited ${code}`))));
  });
}

export function loCounters(): { bytes: bigint; packets: bigint } {
  const read = (name: string) => BigInt(sh(`cat /sys/class/net/lo/statistics/${name}`).trim());
  return { bytes: read('tx_bytes'), packets: read('tx_packets') };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let nextPort = 20000 + (process.pid % 1000) * 20;
/** A port no other test in this run uses. */
export function freshPort(): number {
  return nextPort++;
}

/** A TCP connect to a closed port: one SYN, one RST. */
export const CONNECT_REFUSED = `
import socket, sys
try:
    socket.create_connection(('127.0.0.1', int(sys.argv[1])))
except ConnectionRefusedError:
    pass
`;

/** Sends n UDP datagrams of size bytes to a bound receiver that reads them all. */
export const UDP_ROUND_TRIP = `
import socket, sys
fam = socket.AF_INET6 if sys.argv[1] == '6' else socket.AF_INET
host = '::1' if sys.argv[1] == '6' else '127.0.0.1'
port, n, size = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
r = socket.socket(fam, socket.SOCK_DGRAM); r.bind((host, port))
s = socket.socket(fam, socket.SOCK_DGRAM)
got = 0
for i in range(n):
    s.sendto(b'x' * size, (host, port))
    got += len(r.recv(65536)) > 0
print(got, s.getsockname()[1])
`;

// ss -i needs the sock_diag modules; without them it falls back to /proc/net/tcp.
execFileSync('sh', ['-c', 'modprobe -a inet_diag tcp_diag udp_diag 2>/dev/null || true']);

/** Sets a module parameter for the duration of work, then restores it. */
export async function withParam<T>(name: string, value: string | number, work: () => Promise<T> | T): Promise<T> {
  const path = `/sys/module/mutex/parameters/${name}`;
  const saved = readFileSync(path, 'utf8').trim();
  writeFileSync(path, String(value));
  try {
    return await work();
  } finally {
    writeFileSync(path, saved);
  }
}

/** A python program driven line by line: each command's reply is one line. */
export class Driven {
  private readonly child;
  private buffered = '';
  private readonly waiting: ((line: string) => void)[] = [];
  private readonly failing: ((error: Error) => void)[] = [];
  readonly exited: Promise<number | null>;

  private exitCode: number | null | undefined;

  constructor(argv: string[]) {
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
    this.exited = new Promise((r) => this.child.on('exit', r));
    this.child.on('exit', (code) => {
      this.exitCode = code;
      for (const reject of this.failing.splice(0)) reject(new Error(`${argv.slice(0, 3).join(' ')} exited ${code}`));
    });
    this.child.stdout.on('data', (d: Buffer) => {
      this.buffered += d.toString();
      let nl;
      while ((nl = this.buffered.indexOf('\n')) >= 0) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        this.failing.shift();
        this.waiting.shift()?.(line);
      }
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The next line, or a failure when the program exits first or stays silent for two minutes. */
  next(): Promise<string> {
    if (this.exitCode !== undefined) return Promise.reject(new Error(`the program exited ${this.exitCode}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer from the program in 120 s')), 120_000);
      this.waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
      this.failing.push((error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  async ask(command: string): Promise<string> {
    const reply = this.next();
    this.child.stdin.write(`${command}\n`);
    return reply;
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    await this.exited;
  }
}
