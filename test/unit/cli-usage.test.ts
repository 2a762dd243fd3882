// Bad usage is caught before the kernel is asked: exit 2 and one line on stderr,
// whether or not the module is loaded. And --help works for every command.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runNode } from './helpers/run-node.js';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));

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
  [['thresholds', 'apply'], /^mutexctl: Missing required flag file/],
  [['thresholds', 'apply', '-f', 'no/such/file.yaml'], /^mutexctl: cannot read no\/such\/file\.yaml: no such file/],
  [['thresholds', 'apply', '-f', 'package.json'], /^mutexctl: package\.json: name: unknown section; expected "global" and\/or "fd"/],
];

describe('usage errors: exit 2, one line, nothing on stdout', { timeout: 120_000 }, () => {
  for (const [args, message] of USAGE_ERRORS) {
    it(args.join(' '), async () => {
      const result = await mutexctl(args);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.split('\n').length, 2, `one line: ${JSON.stringify(result.stderr)}`);
      assert.equal(result.stdout, '');
      assert.equal(result.code, 2);
    });
  }
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
  ]) {
    it(`${command.join(' ')} --help shows usage and examples`, async () => {
      const result = await mutexctl([...command, '--help']);
      assert.equal(result.code, 0);
      assert.match(result.stdout, new RegExp(`\\$ mutexctl ${command.join(' ')}`));
      assert.match(result.stdout, /EXAMPLES/);
      assert.equal(result.stderr, '');
    });
  }
});
