// Bad usage is caught before the kernel is asked: exit 2 and one line on stderr,
// in mutexctl's one form (never oclif's ` ›   Error:`), whether or not the
// module is loaded. Values are accepted in any case. Short flags have one
// meaning each. And --help works for every command. (The module is not loaded
// on this machine: what passes every check ends at "not loaded", exit 3.)
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSnapshot } from '../../src/export/binary.js';
import { runNode } from './helpers/run-node.js';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));

const scratch = mkdtempSync(join(tmpdir(), 'mutexctl-usage-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const file = (name: string, data: string | Buffer): string => {
  const path = join(scratch, name);
  writeFileSync(path, data);
  return path;
};
const SHORT_SNAPSHOT = file('short.bin', 'MUTEXSNP');
const EMPTY = file('empty.bin', '');
const VALID_THRESHOLDS = file('ok.yaml', 'global:\n  LATENCY: 200MS\n  Bandwidth: 10MBPS\n  disable: [PACKET_DROP]\nfd:\n  "3":\n    error-rate: 2%\n');
const BAD_THRESHOLDS = file('bad.yaml', 'global:\n  latency: 200\n');
const SNAPSHOT = file('snap.bin', encodeSnapshot({ takenNs: 1_764_460_800_000_000_000n, scopes: ['global'], stats: { instance_id: 7n, bytes_sent: 5n } }));
const AMBIGUOUS_THRESHOLDS = file('ambiguous.json', '{"fd": {"7": {"bandwidth": "10MB/s"}}}');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function withoutColor(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  return env;
}

function mutexctl(args: string[]): Promise<Run> {
  return runNode(['bin/run.js', ...args], { cwd: projectRoot, env: withoutColor() });
}

const USAGE_ERRORS: [string[], RegExp][] = [
  [['conn', '--proto', 'sctp'], /^mutexctl: Expected --proto=sctp to be one of: tcp, udp, icmp, icmpv6/],
  [['conn', '--state', 'open'], /^mutexctl: Expected --state=open to be one of: new, established, closing, closed, idle/],
  [['conn', '--limit', '-1'], /^mutexctl: --limit: Expected an integer greater than or equal to 0 but received: -1/],
  [['conn', '--limit', 'ten'], /^mutexctl: --limit: Expected an integer but received: ten/],
  [['conn', '--fd', '0'], /^mutexctl: --fd: Expected an integer greater than or equal to 1/],
  [['conn', '--sort', 'speed'], /^mutexctl: --sort: unknown column "speed"; one of: id, fd_id,/],
  [['conn', '0'], /^mutexctl: connection id must be between 1 and 18446744073709551615, got 0/],
  [['conn', '18446744073709551616'], /^mutexctl: connection id must be between 1 and 18446744073709551615/],
  [['conn', '5', '--state', 'new'], /^mutexctl: --state filters the list: not with a connection id/],
  [['conn', '5', '-4', '--lport', '80'], /^mutexctl: --ipv4, --lport filter the list: not with a connection id/],
  [['conn', '--local', '10.0.0.0/33'], /^mutexctl: --local: the prefix length of an IPv4 address is 0 to 32/],
  [['conn', '--rport', '90-80'], /^mutexctl: --rport: the range 90-80 ends before it starts/],
  [['conn', '-6', '--remote', '10.1.2.3'], /^mutexctl: --remote is an IPv4 address, but -6 asks for IPv6 flows/],
  [['conn', '--process', 'a-very-long-command-name'], /^mutexctl: --process must be a pid or a command name/],
  // The filters from main under this branch's rules: one form, what was typed escaped.
  [['conn', '-4', '-6'], /^mutexctl: --ipv(4|6)=true cannot also be provided when using --ipv(4|6)/],
  [['conn', '--lport', '\u001b[31m'], /^mutexctl: --lport must be a port \(0-65535\) or a range FIRST-LAST, got "\\x1b\[31m"/],
  [['conn', '--local', '10.0.0.1\n/8'], /^mutexctl: --local must be an address or ADDRESS\/PREFIX, got "10\.0\.0\.1\\n\/8"/],
  [['conn', '--process', '\u001b]0;x\u0007-much-too-long'], /^mutexctl: --process must be a pid or a command name of 1 to 15 characters, got "\\x1b\]0;x\\x07-much-too-long"/],
  [['serve', '--listen', '\u001b[2J:80'], /^mutexctl: --listen: "\\x1b\[2J:80" is not ADDRESS:PORT/],
  [['fd', 'x'], /^mutexctl: context id must be a positive integer, got "x"/],
  [['fd', '--sort=-rtt_hist'], /^mutexctl: --sort: unknown column "rtt_hist"/],
  [['fd', '--json', '--csv'], /^mutexctl: .*cannot also be provided/],
  [['fd', 'run'], /^mutexctl: no command to run/],
  [['fd', 'run', 'curl', 'x'], /^mutexctl: put the command after --/],
  [['fd', 'run', '--port', '1-70000', '--', 'true'], /^mutexctl: --port: 70000 is out of range \(0-65535\)/],
  [['fd', 'run', '--peer', '300.0.0.1', '--', 'true'], /^mutexctl: --peer: "300.0.0.1" is not an IPv4 or IPv6 address/],
  [['fd', 'run', '--proto', 'gre', '--', 'true'], /^mutexctl: --proto: unknown protocol "gre"/],
  [['fd', 'run', '--scope', 'cgroup:relative', '--', 'true'], /^mutexctl: --scope cgroup: "relative" must be an absolute/],
  [['fd', 'run', '--bogus', '--', 'true'], /^mutexctl: Nonexistent flag: --bogus/],
  [['alerts', '--type', 'slow'], /^mutexctl: --type: unknown alert type "slow"; one of: high_latency, high_error_rate/],
  [['alerts', '--since', '5 fortnights'], /^mutexctl: --since: unknown unit "fortnights"/],
  [['alerts', '--follow', '--limit', '1'], /^mutexctl: --sort and --limit do not go with --follow/],
  [['alerts', '--sort', 'speed'], /^mutexctl: --sort: unknown column "speed"; one of: seq, time_ns,/],
  [['alerts', '--alertmanager', 'http://127.0.0.1:9093'], /^mutexctl: --alertmanager posts the alerts as they come: add --follow/],
  [['alerts', '--follow', '--alertmanager', 'alertmanager:9093'], /^mutexctl: --alertmanager: "alertmanager:9093" is not an http:\/\/ or https:\/\/ URL/],
  [['alerts', '--follow', '--alertmanager', 'not a url'], /^mutexctl: --alertmanager: "not a url" is not a URL/],
  [['alerts', '--follow', '--resend-interval', '10s'], /^mutexctl: --resend-interval goes with --alertmanager/],
  [['alerts', '--follow', '--alertmanager', 'http://a:9093', '--resend-interval', '10'], /^mutexctl: --resend-interval: "10" needs a unit/],
  [['serve', '--listen', 'nonsense'], /^mutexctl: --listen: "nonsense" is not ADDRESS:PORT/],
  [['serve', '--listen', '127.0.0.1:70000'], /^mutexctl: --listen: port "70000" is not a number from 0 to 65535/],
  [['serve', '--listen', '[127.0.0.1]:9477'], /^mutexctl: --listen: "127\.0\.0\.1" in brackets is not an IPv6 address/],
  [['serve', '--listen', '192.0.2.1:9477'], /^mutexctl: --listen 192\.0\.2\.1:9477: no interface of this host has that address/],
  [['serve', '--max-conn-series', '10'], /^mutexctl: --max-conn-series caps the per-flow series of --conn-series: add --conn-series/],
  [['serve', '--json'], /^mutexctl: serve prints no table or record: --json does not apply/],
  [['thresholds', '--fd', 'x'], /^mutexctl: --fd: Expected an integer but received: x/],
  [['thresholds', 'set'], /^mutexctl: nothing to set: give KEY=VALUE pairs/],
  [['thresholds', 'set', 'latency=200'], /^mutexctl: latency: "200" needs a unit; write e\.g\. 200ms, 1\.5s or 750us/],
  [['thresholds', 'set', 'latency=-5ms'], /^mutexctl: latency: "-5ms" is negative/],
  [['thresholds', 'set', 'error-rate=0%'], /^mutexctl: error-rate: "0%" is zero/],
  [['thresholds', 'set', 'bandwidth=20Tbit/s'], /^mutexctl: bandwidth: "20Tbit\/s" is above the maximum of 10 Tbit\/s/],
  [['thresholds', 'set', 'latency=5parsecs'], /^mutexctl: latency: unknown unit "parsecs"/],
  [['thresholds', 'set', 'speed=5'], /^mutexctl: speed: unknown threshold "speed"/],
  [['thresholds', 'set', '--fd', '3', 'interval=2s'], /^mutexctl: interval: the interval is global only/],
  [['thresholds', 'set', '--bogus', 'latency=1ms'], /^mutexctl: Nonexistent flag: --bogus/],
  [['thresholds', 'apply'], /^mutexctl: no file: thresholds apply FILE/],
  [['thresholds', 'apply', 'package.json'], /^mutexctl: package\.json: name: unknown section; expected "global" and\/or "fd"/],
  [['thresholds', 'apply', 'a.yaml', '--file', 'b.yaml'], /^mutexctl: give the file once/],
  [['thresholds', 'apply', '--check', VALID_THRESHOLDS, '--dry-run'], /^mutexctl: --(check|dry-run)=true cannot also be provided when using --(check|dry-run)/],
  // Errors in one form: what oclif would report as ` ›   Error: ...`.
  [['-v'], /^mutexctl: unknown flag "-v"; did you mean "-V"\? \(see `mutexctl --help`\)$/],
  [['--bogus', 'stats'], /^mutexctl: unknown flag "--bogus": a command comes first, its flags after it/],
  [['help', 'bogus'], /^mutexctl: unknown command "bogus" \(see `mutexctl --help`\)$/],
  [['help', 'stast'], /^mutexctl: unknown command "stast"; did you mean "stats"\?/],
  [['help', 'fd', 'runn'], /^mutexctl: unknown command "fd runn"; did you mean "fd run"\?/],
  [['fd', 'runn'], /^mutexctl: unknown command "fd runn"; did you mean "fd run"\? \(see `mutexctl fd --help`\)$/],
  [['stats', 'foo'], /^mutexctl: unexpected argument "foo": stats takes none \(see `mutexctl stats --help`\)$/],
  [['alerts', 'clear', 'now'], /^mutexctl: unexpected argument "now": alerts clear takes none/],
  [['conn', '--sort=--id'], /^mutexctl: --sort: "--id" is no column; write KEY, or -KEY to sort descending; one of: id, /],
  [['conn', '--sort=-speed'], /^mutexctl: --sort: unknown column "speed"/],
  [['conn', '--columns=-id'], /^mutexctl: --columns: unknown column "-id"; one of: id, /],
  [['stats', '--json=false'], /^mutexctl: --json takes no value, got "--json=false": give --json, or leave it out/],
  [['stats', '--csv=true'], /^mutexctl: --csv takes no value/],
  [['conn', '--header=false'], /^mutexctl: --header takes no value, got "--header=false": give --header \(--no-header turns it off\)/],
  [['fd', 'run', '--columns', 'bogus', '--', 'true'], /^mutexctl: --columns: unknown column "bogus"; one of: id, name,/],
  // Files named on the command line: exit 2 (the convention of src/errors.ts), naming the file as typed.
  [['export', '--from', '/nonexistent'], /^mutexctl: cannot read \/nonexistent: ENOENT \(no such file or directory\)$/],
  [['thresholds', 'apply', '/nonexistent'], /^mutexctl: cannot read \/nonexistent: ENOENT \(no such file or directory\)$/],
  [['thresholds', 'apply', '--check', '/nonexistent'], /^mutexctl: cannot read \/nonexistent: ENOENT/],
  [['export', '--from', ''], /^mutexctl: --from "": empty file name \(- reads stdin\)$/],
  [['export', '--from', '/'], /^mutexctl: cannot read \/: it is a directory$/],
  [['thresholds', 'apply', ''], /^mutexctl: cannot read "": the file name is empty \(- reads stdin\)$/],
  [['export', '--from', SHORT_SNAPSHOT], /^mutexctl: \S+short\.bin is a truncated mutexctl binary snapshot: 8 bytes, less than its 32-byte header$/],
  [['export', '--from', EMPTY], /^mutexctl: \S+empty\.bin is not a mutexctl binary snapshot: the file is empty$/],
  [['export', '--from', join(projectRoot, 'package.json')], /^mutexctl: \S+package\.json is not a mutexctl binary snapshot: bad magic/],
  [['thresholds', 'apply', '--check', BAD_THRESHOLDS], /^mutexctl: \S+bad\.yaml: global\.latency: 200 needs a unit/],
  [['thresholds', 'apply', '--check', AMBIGUOUS_THRESHOLDS], /^mutexctl: \S+ambiguous\.json: fd\.7\.bandwidth: "10MB\/s" is ambiguous, bits or bytes\?/],
  // -o: a bad path is a usage error before the kernel is asked (test/host/export-output.test.ts writes).
  [['export', '-o', ''], /^mutexctl: --output "": empty file name \(- writes to stdout\)$/],
  [['export', '-o', '/nonexistent/dir/x'], /^mutexctl: --output \/nonexistent\/dir\/x: no such directory: \/nonexistent\/dir$/],
  [['export', '-o', scratch], /^mutexctl: --output \S+: is a directory; give a file name$/],
  [['export', '-o', `${scratch}/`], /^mutexctl: --output \S+: is a directory/],
  [['export', '-o', `${SHORT_SNAPSHOT}/x`], /^mutexctl: --output \S+short\.bin\/x: ENOTDIR \(not a directory\)$/],
  // Short flags: one meaning each (-f is --follow).
  [['export', '-f', 'json'], /^mutexctl: -f: use -F \(or --format\) for the format; -f is --follow \(alerts\)/],
  [['thresholds', 'apply', '-f', 'x.yaml'], /^mutexctl: -f: give the file as an argument: thresholds apply FILE/],
  [['stats', '-j', '--csv'], /^mutexctl: --(csv|json)=true cannot also be provided when using --(csv|json)/],
  [['export', '--scope', 'fd', '--sections', 'global'], /^mutexctl: --scope is the old name of --sections: give one of them/],
  [['export', '--sections', 'flows'], /^mutexctl: --sections: unknown section "flows"/],
  // Bandwidths as tc(8) reads them; a lone b or B is ambiguous.
  [['thresholds', 'set', 'bandwidth=10MB/s'], /^mutexctl: bandwidth: "10MB\/s" is ambiguous, bits or bytes\? write 10mbit for megabits per second, or 10mbps for megabytes per second/],
  [['thresholds', 'set', 'bandwidth=1Gb'], /^mutexctl: bandwidth: "1Gb" is ambiguous/],
  [['thresholds', 'set', 'bandwidth=2Tbps'], /^mutexctl: bandwidth: "2Tbps" is above the maximum of 10 Tbit\/s/],
  // Enumerated values in any case, but still only those values.
  [['conn', '--proto', 'SCTP'], /^mutexctl: Expected --proto=sctp to be one of: tcp, udp, icmp, icmpv6/],
];

/**
 * What passes every check: enumerated values, keys, units and alert types in
 * any case, and the short flags. Here, without the module, each ends at exit 3
 * ("not loaded"): the kernel was about to be asked.
 */
const ACCEPTED: string[][] = [
  ['conn', '--proto', 'TCP', '--state', 'ESTABLISHED'],
  ['conn', '--proto=Udp', '--sort=-BYTES_SENT', '--columns', 'ID,Bytes-Sent'],
  ['export', '--format', 'JSON'],
  ['export', '-F', 'Prometheus', '--sections', 'GLOBAL,FD'],
  ['export', '-F=csv', '--sections=Conn'],
  ['export', '--scope', 'global'],
  ['alerts', '--type', 'HIGH_LATENCY', '--since', '5M'],
  ['alerts', '-f', '-j'],
  ['thresholds', 'set', 'LATENCY=200MS', 'Bandwidth=10MBPS', 'Error-Rate=2.5%', 'DISABLE=Packet-Drop'],
  ['thresholds', 'set', 'bandwidth=800kbit', 'conn-rate=10K/S'],
  ['stats', '-j'],
  ['stats', '-w', '--interval', '2S', '--count', '1'],
  ['conn', '-6', '--remote', 'FE80::1/64', '--proto', 'ICMPV6', '--state', 'Closed'],
  ['conn', '-4', '--local', '10.0.0.0/8', '--lport', '80-90', '--rport', '443', '--process', 'Nginx'],
];


describe('usage errors: exit 2, one line, nothing on stdout', { timeout: 300_000 }, () => {
  for (const [args, message] of USAGE_ERRORS) {
    it(args.join(' '), async () => {
      const result = await mutexctl(args);
      assert.match(result.stderr.replace(/\n$/, ''), message);
      assert.equal(result.stderr.split('\n').length, 2, `one line: ${JSON.stringify(result.stderr)}`);
      assert.doesNotMatch(result.stderr, /›|Error:/, "never oclif's form");
      assert.equal(result.stdout, '');
      assert.equal(result.code, 2);
      // Files the user named: the message is about the file, with no "(see --help)" after it.
      const aboutAFile = /^mutexctl: (cannot read|--output|--from|\S+ is (a truncated|not a mutexctl)|\S+\.(yaml|json): )/.test(result.stderr);
      if (aboutAFile) assert.doesNotMatch(result.stderr, /\(see `/, 'a file problem needs no --help');
      else assert.match(result.stderr, /\(see `mutexctl[a-z ]* --help`\)\n$/, 'a usage problem points at the help');
    });
  }
});

describe('accepted in any case, with the short flags: the checks pass and the kernel is asked (exit 3 here)', { timeout: 300_000 }, () => {
  for (const args of ACCEPTED) {
    it(args.join(' '), async () => {
      const result = await mutexctl(args);
      assert.equal(result.code, 3, result.stderr);
      assert.match(result.stderr, /^mutexctl: the mutex kernel module is not loaded/);
    });
  }

  it('fd run --scope ALL -- true: the scope in any case (exit 3: no /dev/mutex)', async () => {
    const result = await mutexctl(['fd', 'run', '--scope', 'ALL', '--proto', 'TCP', '--', 'true']);
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /^mutexctl: \/dev\/mutex does not exist/);
  });

  it('export --scope (the old name) still works, with a note on stderr', async () => {
    const [old, current] = await Promise.all([
      mutexctl(['export', '--from', SNAPSHOT, '--scope', 'GLOBAL', '--columns', 'instance_id,bytes_sent']),
      mutexctl(['export', '--from', SNAPSHOT, '--sections', 'global', '--columns', 'instance_id,bytes_sent']),
    ]);
    assert.equal(old.code, 0, old.stderr);
    assert.equal(old.stdout, current.stdout);
    assert.match(current.stdout, /"stats": \{\n {4}"instance_id": "7",\n {4}"bytes_sent": 5\n {2}\}/);
    assert.equal(old.stderr, 'mutexctl: warning: --scope is now --sections; the old name will go away\n');
    assert.equal(current.stderr, '');
  });
});

describe('thresholds apply --check FILE: offline, no module, no privileges', { timeout: 120_000 }, () => {
  it('a valid file: exit 0 and what it sets, with keys, units and types in any case', async () => {
    const result = await mutexctl(['thresholds', 'apply', '--check', VALID_THRESHOLDS]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.equal(
      result.stdout,
      `${VALID_THRESHOLDS}: valid\n  global: latency 200 ms (200000 us), bandwidth 80 Mbit/s (80000000 bit/s), disable packet_drop\n  fd 3: error-rate 2 % (20000 ppm)\n`,
    );
  });

  it('as nobody, from stdin', async () => {
    const run = await runNode(['-e', `
      const { spawnSync } = require('node:child_process');
      const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, 'bin/run.js', 'thresholds', 'apply', '--check', '-'],
        { input: '{"global": {"latency_us": 200000}}', encoding: 'utf8', env: { ...process.env, HOME: '/nonexistent' } });
      process.stdout.write(JSON.stringify({ status: r.status, stdout: r.stdout, stderr: r.stderr }));
    `], { cwd: projectRoot });
    const result = JSON.parse(run.stdout) as { status: number; stdout: string; stderr: string };
    assert.deepEqual(result, { status: 0, stdout: 'stdin: valid\n  global: latency 200 ms (200000 us)\n', stderr: '' });
  });
});

describe('--help', { timeout: 60_000 }, () => {
  for (const command of [
    ['stats'],
    ['conn'],
    ['fd'],
    ['fd', 'run'],
    ['alerts'],
    ['alerts', 'clear'],
    ['serve'],
    ['thresholds'],
    ['thresholds', 'set'],
    ['thresholds', 'apply'],
    ['thresholds', 'reset'],
    ['export'],
  ]) {
    it(`${command.join(' ')} --help shows usage and examples`, async () => {
      const result = await mutexctl([...command, '--help']);
      assert.equal(result.code, 0);
      assert.match(result.stdout, new RegExp(`\\$ mutexctl ${command.join(' ')}`));
      assert.match(result.stdout, /EXAMPLES/);
      assert.equal(result.stderr, '');
      const short = await mutexctl([...command, '-h']);
      assert.equal(short.code, 0, '-h is --help everywhere');
      assert.equal(short.stdout, result.stdout);
    });
  }

  it('-h and -V: help and version at the top, as --help and --version', async () => {
    const [h, help, v, version] = await Promise.all([mutexctl(['-h']), mutexctl(['--help']), mutexctl(['-V']), mutexctl(['--version'])]);
    assert.equal(h.code, 0);
    assert.equal(h.stdout, help.stdout);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^mutexctl\/\d+\.\d+\.\d+ /);
    assert.equal(v.stdout, version.stdout);
  });

  it('every short flag has one meaning across the commands', async () => {
    const { loadCli } = await import('./helpers/cli-fuzz.js');
    const config = await loadCli();
    const meanings = new Map<string, Set<string>>();
    for (const command of config.commands) {
      for (const [name, flag] of Object.entries(command.flags)) {
        if (flag.char === undefined) continue;
        meanings.set(flag.char, (meanings.get(flag.char) ?? new Set()).add(name));
      }
    }
    const ambiguous = [...meanings].filter(([, names]) => names.size > 1).map(([char, names]) => `-${char}: ${[...names].join(', ')}`);
    assert.deepEqual(ambiguous, []);
    assert.deepEqual([...(meanings.get('f') ?? [])], ['follow']);
    assert.deepEqual([...(meanings.get('j') ?? [])], ['json']);
  });
});
