import { BaseCommand } from '../../cli/base-command.js';
import { alertClear, withMutexClient } from '../../kernel/operations.js';
import { writeOutput, type View } from '../../output/index.js';

const CLEARED: View = { columns: [{ key: 'cleared', header: 'cleared', kind: 'text' }] };

export default class AlertsClear extends BaseCommand {
  static override summary = 'Empty the kernel alert ring (needs CAP_NET_ADMIN).';

  static override description = `Drops every alert event kept in the ring of this network namespace. Sequence numbers go on from where they were, so followers (\`mutexctl alerts --follow\`) are not confused; alerts raised now stay raised (the ring holds events, not conditions).

Needs CAP_NET_ADMIN: without it the kernel refuses (EPERM) and mutexctl exits 1.`;

  static override examples = [
    { description: 'Empty the ring.', command: 'sudo <%= config.bin %> <%= command.id %>' },
    { description: 'Keep a copy first.', command: '<%= config.bin %> alerts --json > alerts.json && sudo <%= config.bin %> <%= command.id %>' },
  ];

  async run(): Promise<void> {
    const { flags } = await this.parse(AlertsClear);
    this.shownView(CLEARED, flags);
    await withMutexClient((client) => alertClear(client));
    if (flags.json || flags.csv) await this.printView(CLEARED, [{ cleared: true }], 'record', flags);
    else await writeOutput('alert ring cleared\n');
  }
}
