import { Flags } from '@oclif/core';
import { runInContext } from '../../app/fd-run.js';
import { BaseCommand } from '../../cli/base-command.js';
import { checkSelectorFlags, nameFromCommand, parseScope, type SelectorParts } from '../../context/selector.js';
import { UsageError } from '../../errors.js';

export default class FdRun extends BaseCommand {
  static override summary = 'Run a command in a fresh context and report its traffic.';

  static override description = `Opens /dev/mutex (a new context; needs CAP_NET_ADMIN), gives it a selector built from the flags, runs CMD with the terminal's stdin/stdout/stderr, passes SIGINT, SIGTERM and SIGHUP on to it, and when it ends prints the context's statistics (as \`mutexctl fd ID\` shows them) to STDERR, so CMD's own output on stdout stays clean. mutexctl exits with CMD's exit status (128+N when signal N ended it, 127 when it was not found). The context ends when mutexctl does.

Scopes (--scope):
- auto (default): cgroup when cgroup v2 is mounted at /sys/fs/cgroup and writable, otherwise pid.
- cgroup: a fresh cgroup /sys/fs/cgroup/mutexctl-<pid>-<random>, which CMD joins before it runs, so exactly CMD and its descendants are accounted; removed afterwards.
- pid: pid:<mutexctl's own pid>. CMD's pid is not known before it starts, so the scope is mutexctl's process tree, which CMD is part of. Flows are attributed at their first packet sent from a task (best effort for inbound flows).
- all, pid:N, uid:N, cgroup:PATH: written as given; CMD is not moved.

Counters are final when CMD ends; the bandwidth rates are those of the last completed one-second window.`;

  static override examples = [
    {
      description: 'Count what curl sends and receives.',
      command: '<%= config.bin %> <%= command.id %> -- curl -s -o /dev/null https://example.com',
    },
    {
      description: 'Only TCP to ports 443 and 8000-8080 of 10/8, with a name.',
      command:
        '<%= config.bin %> <%= command.id %> --name web --proto tcp --port 443,8000-8080 --peer 10.0.0.0/8 -- ./client',
    },
    {
      description: 'The report as JSON (on stderr), the command output discarded.',
      command: "<%= config.bin %> <%= command.id %> --json -- ./bench 2>&1 >/dev/null | jq '.bytes_sent'",
    },
    {
      description: 'Account all traffic of this network namespace while a command runs.',
      command: '<%= config.bin %> <%= command.id %> --scope all -- sleep 10',
    },
  ];

  static override flags = {
    name: Flags.string({ description: "The context's name (default: CMD's basename).", helpValue: 'NAME' }),
    scope: Flags.string({
      description: 'Which sockets count: auto, cgroup, pid, all, pid:N, uid:N, cgroup:PATH (see below).',
      helpValue: 'SCOPE',
    }),
    proto: Flags.string({ description: 'Only these protocols: tcp, udp, icmp (comma-separated).', helpValue: 'LIST' }),
    port: Flags.string({ description: 'Only flows with one of these ports on either side: 443,8000-8080.', helpValue: 'LIST' }),
    peer: Flags.string({ description: 'Only flows with a peer in these CIDRs: 10.0.0.0/8,2001:db8::/32.', helpValue: 'LIST' }),
  };

  static override usage = '<%= command.id %> [FLAGS] -- CMD [ARGS...]';

  // CMD and its arguments are not ours to parse: run() splits them off at --.
  static override strict = false;

  async run(): Promise<void> {
    const dash = this.argv.indexOf('--');
    const command = dash === -1 ? [] : this.argv.slice(dash + 1);
    const { flags, argv } = await this.parse(FdRun, dash === -1 ? this.argv : this.argv.slice(0, dash));
    const unknownFlag = argv.find((arg) => String(arg).startsWith('-'));
    if (unknownFlag !== undefined) throw new UsageError(`Nonexistent flag: ${unknownFlag}`);
    if (dash === -1 && argv.length > 0) throw new UsageError('put the command after --, e.g. `mutexctl fd run -- curl example.com`');
    if (command.length === 0) throw new UsageError('no command to run: `mutexctl fd run [FLAGS] -- CMD [ARGS...]`');
    const checked = checkSelectorFlags(flags);
    const parts: Omit<SelectorParts, 'scope'> = { ...checked, name: checked.name ?? nameFromCommand(command[0]!) };
    const scope = parseScope(flags.scope);
    process.exitCode = await runInContext({ command, parts, scope, flags, bin: this.config.bin });
  }
}
