import { Args } from '@oclif/core';
import { fdSource } from '../../app/sources.js';
import { BaseCommand } from '../../cli/base-command.js';
import { listFlags, liveFlags } from '../../cli/flags.js';
import { parseFdId } from '../../cli/parse.js';
import { describeFields } from '../../views/common.js';
import { fdView } from '../../views/fd.js';

export default class Fd extends BaseCommand {
  static override summary = 'List proxy contexts ("fds") with their aggregate statistics, or show one.';

  static override description = `Each open() of /dev/mutex creates a context, which lives until its last close; its selector says which traffic it accounts (see \`mutexctl fd run\`). Lists every context of this network namespace, or with an ID shows that one.

The table is compact, in human units: boxed on a terminal, plain columns for awk and grep into a pipe. --json prints an array of objects (one object with an ID), --csv a header row and a row per context; both carry every field as raw integers (the id as a string in JSON), in this order: ${describeFields(fdView())}.

rtt_hist is the log2 latency histogram (bucket 0: 0 µs; bucket i: at least 2^(i-1) and less than 2^i µs): a JSON array, one CSV field with ';' between the buckets. rtt_avg_us = rtt_sum_us / rtt_samples, floored, 0 without samples. The rates are bytes (or new flows) in the last completed one-second window. conns_open counts the connections open now (state new, established or closing), conns_total those started since the context was created (not flows picked up mid-stream); flows_tracked counts the context's flows in the flow table, including recently closed and idle ones.`;

  static override examples = [
    { description: 'List every context.', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'The busiest contexts first.', command: '<%= config.bin %> <%= command.id %> --sort=-bytes_sent --limit 5' },
    { description: 'One context as JSON.', command: "<%= config.bin %> <%= command.id %> 3 --json | jq '.rtt_p99_us'" },
    { description: 'Bytes per second of each context, refreshed every 2 s.', command: '<%= config.bin %> <%= command.id %> --watch --interval 2s --rate --columns id,name,bytes_sent_per_sec,bytes_received_per_sec' },
    { description: 'Run a command in a fresh context and report its traffic.', command: '<%= config.bin %> fd run -- curl -s https://example.com' },
  ];

  static override args = {
    id: Args.string({ description: 'Show only the context with this id.', required: false, ignoreStdin: true }),
  };

  static override flags = {
    ...listFlags,
    ...liveFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Fd);
    const id = args.id === undefined ? undefined : parseFdId(args.id);
    await this.present(fdSource(id), flags);
  }
}
