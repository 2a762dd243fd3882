// What one namespace may cost the others (issue 11): a user namespace's share
// of the flow table and its memory cgroup, and what thousands of namespaces
// without contexts cost at all.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import type { StatsAttrs } from '../../src/spec/generated.js';
import { Context, PYTHON, cliPath, eventually, fdStats, globalStats, python, sh, sleep, withParam } from './lib.js';
import { AllocTrace, WorkTrace, kernelMemory } from './oracles.js';

/** `mutexctl stats --json` in the network namespace of process pid. */
function statsOfNetnsOf(pid: number): StatsAttrs {
  const out = execFileSync('nsenter', [`--net=/proc/${pid}/ns/net`, process.execPath, cliPath, 'stats', '--json'], { encoding: 'utf8' });
  const parsed = JSON.parse(out) as Record<string, number | string>;
  const stats: Record<string, bigint> = {};
  for (const [k, v] of Object.entries(parsed)) if (typeof v === 'number' || /^\d+$/.test(String(v))) stats[k] = BigInt(v);
  return stats as unknown as StatsAttrs;
}

function memoryStat(cg: string): Map<string, number> {
  return new Map(
    readFileSync(`${cg}/memory.stat`, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' ') as [string, string])
      .map(([key, value]) => [key, Number(value)]),
  );
}

/** What moved between two readings of memory.stat, for a failure's message. */
function statChanges(before: Map<string, number>, after: Map<string, number>): string {
  const moved = [...after].filter(([key, value]) => value !== before.get(key)).map(([key, value]) => `${key} ${value - (before.get(key) ?? 0)}`);
  return moved.join(', ') || 'nothing';
}

/**
 * As nobody, in a user namespace with its own netns: open a context, send one
 * datagram to each of n ports (one new flow each), answer "sent", then wait.
 */
const USERNS_FLOOD = `
import os, socket, subprocess, sys
n = int(sys.argv[1])
subprocess.run(['ip', 'link', 'set', 'lo', 'up'], check=True)
fd = os.open('/dev/mutex', os.O_RDWR)
os.write(fd, b'name=userns scope=all proto=udp')
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b'u', ('127.0.0.1', 29999))
print('ready', flush=True)
sys.stdin.readline()
for p in range(n):
    s.sendto(b'u', ('127.0.0.1', 30000 + p))
print('sent', flush=True)
sys.stdin.readline()
`;

describe('a user namespace with its own netns', () => {
  it('cannot keep more than its fair share of the table, and its flows are charged to its memory cgroup', async () => {
    const cg = '/sys/fs/cgroup/mutex-userns';
    writeFileSync('/sys/fs/cgroup/cgroup.subtree_control', '+memory');
    mkdirSync(cg, { recursive: true });
    await withParam('max_flows', 4000, async () => {
      // The cgroup's slab: the flows are slab objects; memory.current also
      // moves with the flood process's own pages (+725 KB of anon on 5.10).
      const memory = () => memoryStat(cg).get('slab')!;
      const child = spawn(
        'sh',
        ['-c', `echo $$ > ${cg}/cgroup.procs && exec setpriv --reuid=65534 --regid=65534 --clear-groups unshare -Urn "$0" -c "$1" "$2"`, PYTHON, USERNS_FLOOD, '6000'],
        { stdio: ['pipe', 'pipe', 'inherit'] },
      );
      const exited = new Promise((r) => child.on('exit', r));
      let ours: Context | undefined;
      try {
        const said = (word: string) =>
          new Promise<void>((resolve, reject) => {
            const listen = (d: Buffer) => {
              if (!d.toString().includes(word)) return;
              child.stdout.off('data', listen);
              resolve();
            };
            child.stdout.on('data', listen);
            child.on('exit', (code) => reject(new Error(`the user namespace's flood exited ${code}`)));
          });
        await said('ready');
        // sh exec'd setpriv, which exec'd unshare, which exec'd python: one pid.
        const pid = child.pid!;
        await sleep(300);
        const memoryBefore = memory();
        const statBefore = memoryStat(cg);
        child.stdin.write('\n');
        await said('sent');
        let alone = statsOfNetnsOf(pid);
        assert.equal(alone.fds_active, 1n);
        assert.equal(alone.flows_tracked, 4000n, 'alone, it may use the whole table');
        assert.ok(alone.flows_untracked! > 0n, 'the rest was refused');
        const memoryWith = memory();
        const statWith = memoryStat(cg);
        const objectSize = Number(alone.memory_bytes!) / Number(alone.flows_tracked!);
        const grown = memoryWith - memoryBefore;
        console.log(`# userns: slab +${grown} B for 3999 more flows of ${objectSize} B (memory.stat: ${statChanges(statBefore, memoryStat(cg))})`);
        assert.ok(grown >= 0.9 * 3999 * objectSize && grown <= 4 * 3999 * objectSize, `its slab grew by ${grown} B; memory.stat: ${statChanges(statBefore, memoryStat(cg))}`);

        // The host opens a context: its share is now half the table, taken from the namespace above its share.
        ours = Context.open('name=host scope=all proto=udp port=50000-51999');
        python(`import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for p in range(50000, 52000): s.sendto(b'h', ('127.0.0.1', p))`);
        const host = await fdStats(ours.id);
        assert.equal(host.flows_tracked, 2000n, 'the host got its whole share');
        alone = statsOfNetnsOf(pid);
        assert.equal(alone.flows_tracked, 2000n, 'the user namespace was cut back to its share');
        assert.equal(alone.flows_evicted, 2000n);
        assert.equal((await globalStats()).flow_limit, 2000, 'the host sees its share as its limit');
        // Evicted flows are freed in a batch after an RCU grace period: soon, later on a loaded guest.
        const uncharged = await eventually(() => memoryWith - memory() >= 0.9 * 2000 * objectSize, 30_000);
        const shrunk = memoryWith - memory();
        console.log(`# userns: slab -${shrunk} B after 2000 of its flows were evicted (memory.stat: ${statChanges(statWith, memoryStat(cg))})`);
        assert.ok(uncharged, `the evicted flows were uncharged from its cgroup (-${shrunk} B); memory.stat since: ${statChanges(statWith, memoryStat(cg))}`);
      } finally {
        child.stdin.end('\n');
        await exited;
        ours?.close();
      }
    });
    rmdirSync(cg);
  });
});

/** Creates n network namespaces, holds them until a line on stdin, then lets them go. */
const NAMESPACES = `
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
n = int(sys.argv[1])
home = os.open('/proc/self/ns/net', os.O_RDONLY)
held = []
print('start', flush=True)
sys.stdin.readline()
for i in range(n):
    if libc.unshare(0x40000000) != 0:
        raise OSError(ctypes.get_errno(), 'unshare')
    held.append(os.open('/proc/self/ns/net', os.O_RDONLY))
libc.setns(home, 0x40000000)
print('made', flush=True)
sys.stdin.readline()
for fd in held: os.close(fd)
`;

interface Cost {
  /** Bytes the slab allocators handed out while the namespaces were made. */
  readonly allocated: number;
  /** Growth of slab + per-CPU + vmalloc memory while they are held (noisier). */
  readonly held: number;
}

/** The lines a stream writes, one per call. */
function readLines(stream: NodeJS.ReadableStream): () => Promise<string> {
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let buffered = '';
  stream.on('data', (d: Buffer) => {
    buffered += d.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const wake = waiting.shift();
      if (wake) wake(line);
      else lines.push(line);
    }
  });
  return () => (lines.length ? Promise.resolve(lines.shift()!) : new Promise((resolve) => waiting.push(resolve)));
}

/** What making n network namespaces costs, measured two ways. */
async function namespaceCost(n: number, whileHeld?: () => Promise<void>): Promise<Cost> {
  const settle = async () => {
    sh('sync; echo 3 > /proc/sys/vm/drop_caches');
    await sleep(1500);
  };
  await settle();
  const before = kernelMemory();
  const child = spawn(PYTHON, ['-c', NAMESPACES, String(n)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.on('exit', r));
  const lines = readLines(child.stdout);
  assert.equal(await lines(), 'start');
  // Namespaces are made in the task that unshares: count what it allocates, nothing else.
  const allocs = AllocTrace.start('mutex-ns-alloc', child.pid);
  child.stdin.write('\n');
  assert.equal(await lines(), 'made');
  const allocated = allocs.bytes();
  allocs.stop();
  await settle();
  const held = kernelMemory() - before;
  await whileHeld?.();
  child.stdin.end('\n');
  await exited;
  // Namespaces are dismantled by a workqueue, in batches: wait for the memory to come back.
  for (let i = 0; i < 60 && kernelMemory() - before > held / 10; i++) await sleep(1000);
  return { allocated, held };
}

describe('namespaces without contexts', () => {
  it('1000 of them cost under 1 KiB each with the module loaded, and run none of its timers', async () => {
    const n = 1000;
    const ko = process.env['MUTEX_KO'] ?? '/run/mutex-vm/mutex.ko';
    let work = new Map<string, number>();
    const withModule = await namespaceCost(n, async () => {
      const trace = WorkTrace.start('mutex-idle-ns');
      await sleep(5000);
      work = trace.byFunction();
      trace.stop();
    });
    sh('rmmod mutex');
    let without: Cost;
    try {
      without = await namespaceCost(n);
    } finally {
      sh(`insmod ${ko}`);
    }
    const perNamespace = (withModule.allocated - without.allocated) / n;
    console.log(
      `# ${n} namespaces: allocated ${withModule.allocated} B with the module, ${without.allocated} B without: ` +
        `${perNamespace.toFixed(0)} B each; slab+percpu+vmalloc held ${withModule.held} B vs ${without.held} B ` +
        `(${((withModule.held - without.held) / n).toFixed(0)} B each, noisier)`,
    );
    const ours = [...work].filter(([fn]) => fn.includes('[mutex]'));
    console.log(`# work items in 5 s with ${n} idle namespaces: ${[...work].map(([f, c]) => `${f} ${c}`).join(', ')}`);
    assert.deepEqual(ours, [], 'no work item of the module ran');
    assert.ok(perNamespace < 1024, `${perNamespace} B per namespace`);
  });
});
