// Bad usage is caught before the kernel is asked: exit 2 and one line on stderr,
// whether or not the module is loaded. And --help works for every command.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
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
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/run.js', ...args], {
      cwd: projectRoot,
      env: withoutColor(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const USAGE_ERRORS: [string[], RegExp][] = [
  [['conn', '--proto', 'sctp'], /^mutexctl: Expected --proto=sctp to be one of: tcp, udp, icmp, icmpv6/],
  [['conn', '--state', 'open'], /^mutexctl: Expected --state=open to be one of: new, established, closing, closed/],
  [['conn', '--limit', '-1'], /^mutexctl: --limit: Expected an integer greater than or equal to 0 but received: -1/],
  [['conn', '--limit', 'ten'], /^mutexctl: --limit: Expected an integer but received: ten/],
  [['conn', '--fd', '0'], /^mutexctl: --fd: Expected an integer greater than or equal to 1/],
  [['conn', '--sort', 'speed'], /^mutexctl: --sort: unknown column "speed"; one of: id, fd_id,/],
  [['conn', '0'], /^mutexctl: connection id must be between 1 and 18446744073709551615, got 0/],
  [['conn', '18446744073709551616'], /^mutexctl: connection id must be between 1 and 18446744073709551615/],
  [['conn', '5', '--state', 'new'], /^mutexctl: --fd, --proto and --state filter the list/],
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
  for (const command of [['stats'], ['conn'], ['fd'], ['fd', 'run']]) {
    it(`${command.join(' ')} --help shows usage and examples`, async () => {
      const result = await mutexctl([...command, '--help']);
      assert.equal(result.code, 0);
      assert.match(result.stdout, new RegExp(`\\$ mutexctl ${command.join(' ')}`));
      assert.match(result.stdout, /EXAMPLES/);
      assert.equal(result.stderr, '');
    });
  }
});
