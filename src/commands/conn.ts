import { Args, Flags } from '@oclif/core';
import { connSource } from '../app/sources.js';
import { BaseCommand } from '../cli/base-command.js';
import { listFlags, liveFlags } from '../cli/flags.js';
import { parseConnId } from '../cli/parse.js';
import { UsageError } from '../errors.js';
import type { ConnFilters } from '../kernel/operations.js';
import { enumNames, enumValue } from '../spec/enums.js';
import { describeFields, PROTOCOLS } from '../views/common.js';
import { connView } from '../views/conn.js';

export default class Conn extends BaseCommand {
  static override summary = 'List tracked connections (flows), or show one.';

  static override description = `Lists the flows the module tracks in this network namespace, each with its owning context (fd), 5-tuple, direction, state and counters; --fd, --proto and --state filter in the kernel. With an ID, shows that one flow.

The table is compact, in human units. --json prints an array of objects (one object with an ID), --csv a header row and a row per flow; both carry every field as raw integers, in this order: ${describeFields(connView())}.

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
    { description: 'Every flow as CSV, by id (the default order is the kernel\'s).', command: '<%= config.bin %> <%= command.id %> --csv --sort id' },
    { description: 'The ten busiest flows right now, live.', command: '<%= config.bin %> <%= command.id %> --watch --rate --sort=-bytes_sent_per_sec --limit 10' },
    { description: 'CSV without the header row, for appending.', command: '<%= config.bin %> <%= command.id %> --csv --no-header >> flows.csv' },
  ];

  static override args = {
    id: Args.string({ description: 'Show only the flow with this id.', required: false }),
  };

  static override flags = {
    fd: Flags.integer({ description: 'Only flows of this context (fd id).', helpValue: 'ID', min: 1, max: 0xffff_ffff }),
    proto: Flags.string({ description: 'Only flows of this protocol.', options: Object.keys(PROTOCOLS) }),
    state: Flags.string({ description: 'Only flows in this state.', options: enumNames('flow-state') }),
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
    if (id !== undefined && (flags.fd !== undefined || flags.proto !== undefined || flags.state !== undefined)) {
      throw new UsageError('--fd, --proto and --state filter the list; they do not go with a connection id');
    }
    const filters: ConnFilters = {
      fdId: flags.fd,
      protocol: flags.proto === undefined ? undefined : PROTOCOLS[flags.proto],
      state: flags.state === undefined ? undefined : enumValue('flow-state', flags.state),
    };
    await this.present(connSource(filters, id), flags);
  }
}
