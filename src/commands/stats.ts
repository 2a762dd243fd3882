import { BaseCommand } from '../cli/base-command.js';
import { liveFlags } from '../cli/flags.js';
import { statsSource } from '../app/sources.js';

export default class Stats extends BaseCommand {
  static override summary = 'Show the global statistics of the mutex module.';

  static override description = `Totals since the module was loaded (contexts, connections, bytes, packets,
retransmits, errors, drops, RTT samples), current and peak rates, flow-table
figures and alert counters, as seen from this network namespace.
conns_open counts the connections open now (state new, established or
closing), flows_tracked the flows in the flow table (open, recently closed
and idle), conns_total the connections started since load.

The table shows human units (KiB/MiB, ms, Mbit/s); --json and --csv carry the
raw integers under the spec's snake_case names (instance_id, a random u64, as
a string in JSON, so it survives jq and JavaScript), plus the derived rtt_avg_us
(rtt_sum_us / rtt_samples, floored; 0 without samples).`;

  static override examples = [
    {
      description: 'Show the statistics as a table.',
      command: '<%= config.bin %> <%= command.id %>',
    },
    {
      description: 'Read one counter from a script.',
      command: "<%= config.bin %> <%= command.id %> --json | jq -r '.bytes_sent'",
    },
    {
      description: 'Append one CSV row per run, e.g. from cron.',
      command: '<%= config.bin %> <%= command.id %> --csv --no-header >> stats.csv',
    },
    { description: 'Watch the traffic rates live.', command: '<%= config.bin %> <%= command.id %> --watch --rate --columns bytes_sent_per_sec,bytes_received_per_sec,conns_open' },
    { description: 'Packets per second since the previous run, like nstat.', command: "<%= config.bin %> <%= command.id %> --rate --json | jq '.packets_received_per_sec'" },
  ];

  static override flags = { ...liveFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(Stats);
    await this.present(statsSource(), flags);
  }
}
