// Issue 3: the CLI views over real traffic.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

import { CONNECT_REFUSED, Context, PYTHON, UDP_ROUND_TRIP, freshPort, mutexctl, projectRoot, python, withParam } from './lib.js';

describe('mutexctl fd run', () => {
  it("reports its command's own traffic even next to a broader context, and keeps its exit code", () => {
    const broad = Context.open('name=everything scope=all');
    try {
      const port = freshPort();
      const run = mutexctl(['fd', 'run', '--json', '--name', 'burst', '--', PYTHON, '-c', UDP_ROUND_TRIP, '4', String(port), '40', '300']);
      assert.equal(run.status, 0, run.stderr);
      const report = JSON.parse(run.stderr.slice(run.stderr.indexOf('{'))) as Record<string, unknown>;
      assert.equal(report['name'], 'burst');
      assert.equal(report['packets_sent'], 40);
      assert.equal(report['bytes_sent'], 40 * 328);
      assert.equal(report['bytes_received'], 40 * 328);
      assert.equal(report['conns_total'], 1);
      assert.match(String(report['selector']), /scope=cgroup:\/mutexctl-/);
    } finally {
      broad.close();
    }
    const failing = mutexctl(['fd', 'run', '--', 'sh', '-c', 'exit 7']);
    assert.equal(failing.status, 7);
  });
});

describe('conn without oclif (dist/fast.cjs)', () => {
  // The same argv through dist/mutexctl.cjs alone: oclif's parse and the command's run().
  // dist/fast.cjs alone, failing (exit 99) if it does not take the argv.
  const throughFast = `
    const { join } = require('node:path');
    const root = ${JSON.stringify(projectRoot)};
    const { loadBundle } = require(join(root, 'bin/load-bundle.js'));
    process.argv = [process.argv[0], join(root, 'bin/run.js'), ...process.argv.slice(1)];
    if (!loadBundle(join(root, 'dist/fast.cjs')).run(process.argv.slice(2))) process.exit(99);`;
  const throughOclif = `
    const { join } = require('node:path');
    const root = ${JSON.stringify(projectRoot)};
    const { loadBundle } = require(join(root, 'bin/load-bundle.js'));
    process.argv = [process.argv[0], join(root, 'bin/run.js'), ...process.argv.slice(1)];
    loadBundle(join(root, 'dist/mutexctl.cjs')).run(require('node:url').pathToFileURL(join(root, 'package.json')).href);`;

  // Flows that change state between the two runs (closed, idle) would differ.
  it('prints byte for byte what the oclif path prints, for real flows', () => withParam('timeout_tcp_closed', 600, () => withParam('timeout_udp_idle', 600, () => {
    const udpPort = freshPort();
    const tcpPort = freshPort();
    const decoyPort = freshPort();
    // A context with flows of its own: --fd must pick this one's.
    const decoy = Context.open(`name=decoy scope=all port=${decoyPort}`);
    const ctx = Context.open(`name=fast scope=all port=${udpPort},${tcpPort}`);
    try {
      python(UDP_ROUND_TRIP, ['4', String(decoyPort), '2', '60']);
      python(UDP_ROUND_TRIP, ['4', String(udpPort), '3', '100']);
      python(CONNECT_REFUSED, [String(tcpPort)]);
      const id = String(ctx.id);
      for (const argv of [['conn', '--csv', '--fd', id], ['conn', '--fd', id, '--json'], ['conn', '--no-header', '--fd', id, '--csv'], ['conn', '--fd', '4294967295', '--json']]) {
        // Without what would send the fast entry's argv to oclif (DEBUG, OCLIF_*, MUTEXCTL_*).
        const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'DEBUG' && !/^(OCLIF|MUTEXCTL)_/.test(name)));
        env['NO_COLOR'] = '1';
        const fast = spawnSync(process.execPath, ['-e', throughFast, ...argv], { encoding: 'utf8', env });
        const oclif = spawnSync(process.execPath, ['-e', throughOclif, ...argv], { encoding: 'utf8', env });
        if (argv.includes(id)) assert.equal(fast.status, 0, `${argv.join(' ')}: ${fast.stderr}`);
        assert.deepEqual([fast.stdout, fast.stderr, fast.status], [oclif.stdout, oclif.stderr, oclif.status], argv.join(' '));
      }
      const rows = JSON.parse(mutexctl(['conn', '--fd', id, '--json']).stdout) as Record<string, unknown>[];
      assert.deepEqual(rows.map((r) => r['protocol']).sort(), ['tcp', 'udp'], 'both flows listed');
    } finally {
      ctx.close();
      decoy.close();
    }
  })));
});

describe('mutexctl conn filters and fd views', () => {
  // Each CLI start costs seconds under emulation: keep closed flows meanwhile.
  it('filters by fd, protocol and state in the kernel', () => withParam('timeout_tcp_closed', 600, () => {
    const udpPort = freshPort();
    const tcpPort = freshPort();
    const ctx = Context.open(`name=mixed scope=all port=${udpPort},${tcpPort}`);
    try {
      python(UDP_ROUND_TRIP, ['4', String(udpPort), '3', '100']);
      python(CONNECT_REFUSED, [String(tcpPort)]);
      const udp = mutexctl(['conn', '--fd', String(ctx.id), '--proto', 'udp', '--json']);
      assert.equal(udp.status, 0, udp.stderr);
      const udpRows = JSON.parse(udp.stdout) as Record<string, unknown>[];
      assert.equal(udpRows.length, 1);
      assert.equal(udpRows[0]!['protocol'], 'udp');
      assert.equal(udpRows[0]!['remote_port'], udpPort);
      assert.equal(udpRows[0]!['local_addr'], '127.0.0.1');
      assert.equal(udpRows[0]!['bytes_sent'], 3 * 128);

      const closed = mutexctl(['conn', '--fd', String(ctx.id), '--state', 'closed', '--csv']);
      assert.equal(closed.status, 0, closed.stderr);
      const lines = closed.stdout.trimEnd().split('\r\n');
      assert.equal(lines.length, 2, 'header and the reset TCP flow');
      const header = lines[0]!.split(',');
      const row = lines[1]!.split(',');
      assert.equal(row[header.indexOf('protocol')], 'tcp');
      assert.equal(row[header.indexOf('errors')], '1');

      const fds = mutexctl(['fd', '--json']);
      assert.equal(fds.status, 0, fds.stderr);
      const mine = (JSON.parse(fds.stdout) as Record<string, unknown>[]).find((f) => f['id'] === String(ctx.id));
      assert.ok(mine, 'the context is listed');
      assert.equal(mine['conns_total'], 2);
      assert.equal(mine['name'], 'mixed');
    } finally {
      ctx.close();
    }
  }));
});
