import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../src/errors.js';
import {
  checkName,
  checkPeers,
  checkPorts,
  checkProtocols,
  checkSelectorFlags,
  nameFromCommand,
  parseScope,
  selectorLine,
} from '../../src/context/selector.js';
import { ContextDevice, parseContextId } from '../../src/kernel/device.js';
import { exitStatus, runChild } from '../../src/context/child.js';

function usageError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof UsageError, `a UsageError, got ${String(error)}`);
    assert.equal(error.exitCode, 2);
    assert.match(error.message, message);
    return true;
  });
}

describe('selector from flags', () => {
  it('builds the line in the kernel\'s key order', () => {
    const parts = checkSelectorFlags({ name: 'web', proto: 'tcp', port: '443,8000-8080', peer: '10.0.0.0/8' });
    assert.equal(
      selectorLine({ ...parts, scope: 'cgroup:/sys/fs/cgroup/web' }),
      'name=web scope=cgroup:/sys/fs/cgroup/web proto=tcp port=443,8000-8080 peer=10.0.0.0/8',
    );
    assert.equal(selectorLine({ scope: 'all' }), 'scope=all');
  });

  it('protocols: tcp, udp, icmp; icmpv6 is icmp; duplicates dropped', () => {
    assert.equal(checkProtocols('TCP,udp'), 'tcp,udp');
    assert.equal(checkProtocols('icmp,icmpv6'), 'icmp');
    usageError(() => checkProtocols('sctp'), /--proto: unknown protocol "sctp"/);
    usageError(() => checkProtocols('tcp,'), /--proto: empty item/);
  });

  it('ports: single ports and ranges within 0-65535', () => {
    assert.equal(checkPorts('443, 8000-8080,0,65535'), '443,8000-8080,0,65535');
    assert.equal(checkPorts('0080'), '80');
    assert.equal(checkPorts('22-22'), '22');
    usageError(() => checkPorts('65536'), /--port: 65536 is out of range \(0-65535\)/);
    usageError(() => checkPorts('100-99'), /--port: range "100-99" ends before it starts/);
    usageError(() => checkPorts('http'), /--port: "http" is not a port or a LOW-HIGH range/);
    usageError(() => checkPorts('-5'), /not a port/);
    usageError(() => checkPorts('1-2-3'), /not a port/);
    usageError(() => checkPorts(Array.from({ length: 17 }, (_, i) => String(i)).join(',')), /at most 16 items, got 17/);
  });

  it('peers: IPv4/IPv6 addresses with optional prefixes', () => {
    assert.equal(checkPeers('10.0.0.0/8,2001:db8::/32,::1,192.168.1.1/032'), '10.0.0.0/8,2001:db8::/32,::1,192.168.1.1/32');
    usageError(() => checkPeers('10.0.0.0/33'), /--peer: "10.0.0.0\/33" has a bad prefix length \(0-32\)/);
    usageError(() => checkPeers('2001:db8::/129'), /bad prefix length \(0-128\)/);
    usageError(() => checkPeers('10.0.0/8'), /--peer: "10.0.0" is not an IPv4 or IPv6 address/);
    usageError(() => checkPeers('fe80::1%eth0'), /not an IPv4 or IPv6 address/);
    usageError(() => checkPeers('10.0.0.0/'), /bad prefix length/);
    usageError(() => checkPeers('example.com'), /not an IPv4 or IPv6 address/);
  });

  it('names: printable ASCII, no spaces, at most 31 characters', () => {
    assert.equal(checkName('web-1'), 'web-1');
    assert.equal(checkName('x'.repeat(31)), 'x'.repeat(31));
    usageError(() => checkName('x'.repeat(32)), /longer than 31/);
    usageError(() => checkName('a b'), /printable ASCII without spaces/);
    usageError(() => checkName('café'), /printable ASCII/);
    usageError(() => checkName(''), /printable ASCII/);
    assert.equal(nameFromCommand('/usr/bin/curl'), 'curl');
    assert.equal(nameFromCommand('my prog'), 'my_prog');
    assert.equal(nameFromCommand('x'.repeat(40)), 'x'.repeat(31));
  });

  it('scopes', () => {
    assert.deepEqual(parseScope(undefined), { kind: 'auto' });
    assert.deepEqual(parseScope('auto'), { kind: 'auto' });
    assert.deepEqual(parseScope('cgroup'), { kind: 'new-cgroup' });
    assert.deepEqual(parseScope('pid'), { kind: 'own-pid' });
    assert.deepEqual(parseScope('all'), { kind: 'fixed', text: 'all' });
    assert.deepEqual(parseScope('pid:42'), { kind: 'fixed', text: 'pid:42' });
    assert.deepEqual(parseScope('uid:0'), { kind: 'fixed', text: 'uid:0' });
    assert.deepEqual(parseScope('cgroup:/sys/fs/cgroup/web'), { kind: 'fixed', text: 'cgroup:/sys/fs/cgroup/web' });
    usageError(() => parseScope('pid:0'), /--scope pid: 0 is out of range/);
    usageError(() => parseScope('pid:'), /--scope pid: "" is not a number/);
    usageError(() => parseScope('uid:-1'), /is not a number/);
    usageError(() => parseScope('cgroup:web'), /must be an absolute cgroup v2 path/);
    usageError(() => parseScope('cgroup:/a b'), /without spaces/);
    usageError(() => parseScope('netns:1'), /unknown scope "netns:1"/);
  });
});

describe('the /dev/mutex context file', () => {
  it('reads the id from the first line', () => {
    assert.equal(parseContextId('id 7\nselector scope=pid:1\n'), 7);
    assert.throws(() => parseContextId('selector x\nid 7\n'), /unexpected answer from \/dev\/mutex/);
    assert.throws(() => parseContextId('id 0\n'), /unexpected answer/);
  });

  it('opens, reads the id, writes the selector, closes once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mutexctl-'));
    try {
      const path = join(dir, 'mutex');
      writeFileSync(path, 'id 12\nselector scope=pid:1\nconns_open 0\nflows_tracked 0\n');
      const device = ContextDevice.open(path);
      assert.equal(device.id, 12);
      assert.match(device.read(), /^id 12\n/);
      device.setSelector('name=x scope=all');
      device.close();
      device.close();
      assert.match(readFileSync(path, 'utf8'), /^name=x scope=all/);
      assert.throws(() => device.read(), /already closed/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('explains a missing device (exit 3)', () => {
    assert.throws(() => ContextDevice.open('/nonexistent/mutex'), (error: unknown) => {
      assert.equal((error as { exitCode?: number }).exitCode, 3);
      assert.match((error as Error).message, /^\/nonexistent\/mutex does not exist: the mutex kernel module is not loaded/);
      return true;
    });
  });
});

describe('running the command', () => {
  it('reports the exit status a shell would', async () => {
    assert.equal(exitStatus(await runChild(['sh', '-c', 'exit 3'])), 3);
    assert.equal(exitStatus(await runChild(['true'])), 0);
    const killed = await runChild(['sh', '-c', 'kill -TERM $$']);
    assert.equal(killed.signal, 'SIGTERM');
    assert.equal(exitStatus(killed), 143);
    const missing = await runChild(['mutexctl-no-such-command']);
    assert.equal(missing.spawnError?.code, 'ENOENT');
    assert.equal(exitStatus(missing), 127);
  });

  it('moves the command into the cgroup before it runs, and says when it could not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mutexctl-cg-'));
    try {
      // A stand-in cgroup: the wrapper writes its pid to cgroup.procs, then execs.
      writeFileSync(join(dir, 'cgroup.procs'), '');
      const out = join(dir, 'out');
      const joined = await runChild(['sh', '-c', `echo $$ > ${out}; if [ -e /proc/$$/fd/3 ]; then echo open; else echo closed; fi > ${out}.fd3; exit 4`], { cgroup: dir });
      assert.deepEqual(joined, { code: 4, signal: null, joinedCgroup: true });
      assert.equal(readFileSync(join(dir, 'cgroup.procs'), 'utf8'), readFileSync(out, 'utf8'), 'same pid: the wrapper exec()ed the command');
      assert.equal(readFileSync(`${out}.fd3`, 'utf8'), 'closed\n', 'fd 3 (the join report) is not inherited');
      chmodSync(join(dir, 'cgroup.procs'), 0o444);
      const refused = await runChild(['sh', '-c', `echo ran > ${out}`], { cgroup: join(dir, 'missing') });
      assert.equal(refused.joinedCgroup, false);
      assert.notEqual(readFileSync(out, 'utf8'), 'ran\n', 'the command did not run');
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('passes SIGTERM on to the command and exits 128+15', async () => {
    const childModule = new URL('../../src/context/child.js', import.meta.url).href;
    const script = `
      const { runChild, exitStatus } = await import(${JSON.stringify(childModule)});
      const running = runChild(['sh', '-c', 'echo ready; exec sleep 30']);
      process.exitCode = exitStatus(await running);
    `;
    const code = await new Promise<number | null>((resolve, reject) => {
      const node = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      node.stdout.once('data', () => node.kill('SIGTERM'));
      node.on('error', reject);
      node.on('close', (exit) => resolve(exit));
    });
    assert.equal(code, 143);
  });
});
