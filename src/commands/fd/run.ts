import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { CGROUP_ROOT, cgroupV2Writable, createCgroup, removeCgroup, tryRemoveCgroup } from '../../context/cgroup.js';
import { exitStatus, runChild, type ChildOutcome } from '../../context/child.js';
import { ContextDevice } from '../../kernel/device.js';
import {
  checkSelectorFlags,
  nameFromCommand,
  parseScope,
  selectorLine,
  type ScopeChoice,
  type SelectorParts,
} from '../../context/selector.js';
import { describeErrno, describeError, ExitCode, MutexctlError, UsageError } from '../../errors.js';
import { fdGet, withMutexClient } from '../../kernel/operations.js';
import { writeOutput } from '../../output/index.js';
import { fdRow, fdView } from '../../views/fd.js';

interface Placement {
  /** The cgroup made for the command, to start it in and remove afterwards. */
  cgroup?: string;
}

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

    const device = ContextDevice.open();
    const placement: Placement = {};
    try {
      let selector = this.applySelector(device, parts, scope, placement);
      let outcome = await runChild(command, { cgroup: placement.cgroup });
      if (placement.cgroup !== undefined && outcome.joinedCgroup === false && !outcome.spawnError) {
        // The wrapper could not join the cgroup, and the command never ran.
        if (scope.kind !== 'auto') throw new MutexctlError(`could not move the command into the cgroup ${placement.cgroup}`);
        await this.dropCgroup(placement);
        selector = this.applySelector(device, parts, { kind: 'own-pid' }, placement);
        outcome = await runChild(command);
      }
      if (outcome.spawnError) {
        const errno = outcome.spawnError.errno;
        const reason = errno === undefined ? outcome.spawnError.message : describeErrno(-errno);
        await writeOutput(`${this.config.bin}: cannot run "${command[0]}": ${reason}\n`, process.stderr);
        process.exitCode = exitStatus(outcome);
        return;
      }
      process.exitCode = await this.report(device, selector, command, outcome, flags);
    } finally {
      device.close();
      await this.dropCgroup(placement);
    }
  }

  /** Decides the scope (making the cgroup if it needs one), writes the selector, returns it. */
  private applySelector(device: ContextDevice, parts: Omit<SelectorParts, 'scope'>, scope: ScopeChoice, placement: Placement): string {
    const ownPid = `pid:${process.pid}`;
    switch (scope.kind) {
      case 'fixed':
      case 'own-pid': {
        const line = selectorLine({ ...parts, scope: scope.kind === 'fixed' ? scope.text : ownPid });
        device.setSelector(line);
        return line;
      }
      case 'new-cgroup':
      case 'auto': {
        if (!cgroupV2Writable()) {
          if (scope.kind === 'auto') return this.applySelector(device, parts, { kind: 'own-pid' }, placement);
          throw new MutexctlError(`--scope cgroup needs cgroup v2 mounted at ${CGROUP_ROOT} and writable (try --scope pid)`);
        }
        try {
          placement.cgroup = createCgroup();
        } catch (error) {
          if (scope.kind === 'auto') return this.applySelector(device, parts, { kind: 'own-pid' }, placement);
          throw new MutexctlError(`cannot create a cgroup for the command: ${(error as Error).message}`);
        }
        const line = selectorLine({ ...parts, scope: `cgroup:${placement.cgroup}` });
        try {
          device.setSelector(line);
          return line;
        } catch (error) {
          // A kernel that cannot resolve the new cgroup (another cgroup namespace): the process tree will do.
          if (scope.kind !== 'auto' || !(error instanceof UsageError)) throw error;
          rmdirQuietly(placement);
          return this.applySelector(device, parts, { kind: 'own-pid' }, placement);
        }
      }
    }
  }

  private async dropCgroup(placement: Placement): Promise<void> {
    const { cgroup } = placement;
    if (cgroup === undefined) return;
    placement.cgroup = undefined;
    if (!(await removeCgroup(cgroup))) {
      await writeOutput(`${this.config.bin}: warning: could not remove ${cgroup} (processes still in it?)\n`, process.stderr);
    }
  }

  /** Prints the context's statistics to stderr; returns the exit status to leave with. */
  private async report(
    device: ContextDevice,
    selector: string,
    command: readonly string[],
    outcome: ChildOutcome,
    flags: { json: boolean; csv: boolean; header: boolean },
  ): Promise<number> {
    const status = exitStatus(outcome);
    try {
      const fd = await withMutexClient((client) => fdGet(client, device.id));
      if (this.outputFormat(flags) === 'table') {
        const ended = outcome.signal ? `was killed by ${outcome.signal}` : `exited with status ${status}`;
        await writeOutput(`context ${device.id} (${selector}): ${command[0]} ${ended}\n`, process.stderr);
      }
      await this.printView(fdView(), [fdRow(fd)], 'record', flags, process.stderr);
      return status;
    } catch (error) {
      const { message } = describeError(error);
      await writeOutput(`${this.config.bin}: cannot read the statistics of context ${device.id}: ${message}\n`, process.stderr);
      return status === 0 ? ExitCode.failure : status;
    }
  }
}

function rmdirQuietly(placement: Placement): void {
  const { cgroup } = placement;
  placement.cgroup = undefined;
  if (cgroup !== undefined) tryRemoveCgroup(cgroup);
}
