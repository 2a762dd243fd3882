import { Args, Flags } from '@oclif/core';
import { connSource } from '../app/sources.js';
import { BaseCommand } from '../cli/base-command.js';
import { listFlags, liveFlags } from '../cli/flags.js';
import { parseCidr, parseConnId, parsePortRange, parseProcess } from '../cli/parse.js';
import { UsageError } from '../errors.js';
import type { ConnFilters } from '../kernel/operations.js';
import { enumNames, enumValue } from '../spec/enums.js';
import { describeFields, PROTOCOLS } from '../views/common.js';
import { connView } from '../views/conn.js';

type FlagChar = NonNullable<Parameters<typeof Flags.boolean>[0]>['char'];

/** oclif's parser takes any character as a short flag; its types only letters. */
const digitChar = (digit: '4' | '6'): FlagChar => digit as unknown as FlagChar;

export default class Conn extends BaseCommand {
  static override summary = 'List tracked connections (flows), or show one.';

  static override description = `Lists the flows the module tracks in this network namespace, each with its owning context (fd), 5-tuple, direction, state, the process that last sent on it (pid and comm, as ss -p shows) and counters. Every filter (--fd, --proto, --state, -4/-6, --local, --remote, --lport, --rport, --process) is applied in the kernel, and a flow is listed when it passes all of them. With an ID, shows that one flow.

The table is compact, in human units: boxed on a terminal, plain columns for awk and grep into a pipe. --json prints an array of objects (one object with an ID), --csv a header row and a row per flow; both carry every field as raw integers (the ids id and fd_id as strings in JSON), in this order: ${describeFields(connView())}.

Flows are listed in the kernel's order (its flow table's, like ss), not by id: --sort orders them (--sort id, --sort=-bytes_sent). In that order --json and --csv are written as the kernel hands the flows over, in memory that does not grow with their number; if contexts are created or closed while a long list is written, it is finished and mutexctl exits 1 (run it again).

Addresses are text (IPv6 in RFC 5952 form); times are ns since the Unix epoch; rtt_avg_us = rtt_sum_us / rtt_samples, floored, 0 without samples. new, established and closing are open states; closed flows and idle ones (UDP or ICMP without a packet for timeout_udp_idle seconds) stay listed until their timeout. midstream is 1 for a flow picked up after its connection had started (not counted in conns_total).`;

  static override examples = [
    { description: 'List every flow.', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'The ten TCP flows of context 3 that sent the most.',
      command: '<%= config.bin %> <%= command.id %> --fd 3 --proto tcp --sort=-bytes_sent --limit 10',
    },
    {
      description: 'Established flows as JSON, remote ends only.',
      command: "<%= config.bin %> <%= command.id %> --state established --json | jq -r '.[].remote_addr'",
    },
    { description: 'One flow by id.', command: '<%= config.bin %> <%= command.id %> 42' },
    {
      description: 'Flows to 10.0.0.0/8 on local ports 8000 to 8080, like ss dst 10.0.0.0/8 sport ge :8000.',
      command: '<%= config.bin %> <%= command.id %> --remote 10.0.0.0/8 --lport 8000-8080',
    },
    { description: 'IPv6 flows of nginx processes.', command: '<%= config.bin %> <%= command.id %> -6 --process nginx' },
    { description: 'Every flow as CSV, by id (the default order is the kernel\'s).', command: '<%= config.bin %> <%= command.id %> --csv --sort id' },
    { description: 'The ten busiest flows right now, live.', command: '<%= config.bin %> <%= command.id %> --watch --rate --sort=-bytes_sent_per_sec --limit 10' },
    { description: 'CSV without the header row, for appending.', command: '<%= config.bin %> <%= command.id %> --csv --no-header >> flows.csv' },
  ];

  static override args = {
    id: Args.string({ description: 'Show only the flow with this id.', required: false, ignoreStdin: true }),
  };

  static override flags = {
    fd: Flags.integer({ description: 'Only flows of this context (fd id).', helpValue: 'ID', min: 1, max: 0xffff_ffff }),
    proto: Flags.string({ description: 'Only flows of this protocol.', options: Object.keys(PROTOCOLS) }),
    state: Flags.string({ description: 'Only flows in this state.', options: enumNames('flow-state') }),
    ipv4: Flags.boolean({ char: digitChar('4'), description: 'Only IPv4 flows (like ss -4).', exclusive: ['ipv6'] }),
    ipv6: Flags.boolean({ char: digitChar('6'), description: 'Only IPv6 flows (like ss -6).', exclusive: ['ipv4'] }),
    local: Flags.string({ description: 'Only flows whose local address is in this prefix (an address, or ADDRESS/PREFIX).', helpValue: 'CIDR' }),
    remote: Flags.string({ description: 'Only flows whose remote address is in this prefix.', helpValue: 'CIDR' }),
    lport: Flags.string({ description: 'Only flows with this local port, or a port in FIRST-LAST.', helpValue: 'PORT' }),
    rport: Flags.string({ description: 'Only flows with this remote port, or a port in FIRST-LAST.', helpValue: 'PORT' }),
    process: Flags.string({
      description: 'Only flows the process with this pid (in this pid namespace), or processes of this command name, last sent on.',
      helpValue: 'PID|NAME',
    }),
    ...listFlags,
    sort: {
      ...listFlags.sort,
      description:
        "Sort by these columns (JSON key names, comma-separated); ascending, a leading - for descending, e.g. --sort=-bytes_sent,id. Default: the kernel's order (its flow table's, like ss), in which --json and --csv are written as the flows are read.",
    },
    ...liveFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Conn);
    const id = args.id === undefined ? undefined : parseConnId(args.id);
    const filtering = ['fd', 'proto', 'state', 'ipv4', 'ipv6', 'local', 'remote', 'lport', 'rport', 'process'] as const;
    const given = filtering.filter((name) => flags[name] !== undefined && flags[name] !== false);
    if (id !== undefined && given.length > 0) {
      const names = given.map((name) => `--${name}`).join(', ');
      throw new UsageError(`${names} ${given.length === 1 ? 'filters' : 'filter'} the list: not with a connection id`);
    }
    const local = flags.local === undefined ? undefined : parseCidr('--local', flags.local);
    const remote = flags.remote === undefined ? undefined : parseCidr('--remote', flags.remote);
    const family = flags.ipv4 ? 2 : flags.ipv6 ? 10 : undefined;
    for (const [name, prefix] of [['--local', local], ['--remote', remote]] as const) {
      if (prefix && family !== undefined && (prefix.addr.length === 4) !== (family === 2)) {
        throw new UsageError(`${name} is an IPv${prefix.addr.length === 4 ? 4 : 6} address, but -${family === 2 ? 4 : 6} asks for IPv${family === 2 ? 4 : 6} flows`);
      }
    }
    const filters: ConnFilters = {
      fdId: flags.fd,
      protocol: flags.proto === undefined ? undefined : PROTOCOLS[flags.proto],
      state: flags.state === undefined ? undefined : enumValue('flow-state', flags.state),
      family,
      local,
      remote,
      localPorts: flags.lport === undefined ? undefined : parsePortRange('--lport', flags.lport),
      remotePorts: flags.rport === undefined ? undefined : parsePortRange('--rport', flags.rport),
      ...(flags.process === undefined ? {} : parseProcess(flags.process)),
    };
    await this.present(connSource(filters, id), flags);
  }
}
