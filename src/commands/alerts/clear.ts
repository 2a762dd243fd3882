import { clearAlerts } from '../../app/alerts.js';
import { BaseCommand } from '../../cli/base-command.js';

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
    await clearAlerts(flags);
  }
}
