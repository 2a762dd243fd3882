import { resetThresholds } from '../../app/thresholds.js';
import { BaseCommand } from '../../cli/base-command.js';
import { fdFlag } from '../../cli/flags.js';

export default class ThresholdsReset extends BaseCommand {
  static override summary = 'Restore the default thresholds, or drop a context\'s overrides (needs CAP_NET_ADMIN).';

  static override description = `Without --fd: the global thresholds go back to the module's defaults (latency 500 ms, error rate 10 %, bandwidth 1 Gbit/s, 10000 connections/s, drop rate 5 %, interval 1 s, every alert type enabled). With --fd: the context drops all its overrides and follows the global values again.

Prints what was done; with --json or --csv the resulting thresholds, as \`mutexctl thresholds\` prints them.`;

  static override examples = [
    { description: 'Back to the defaults.', command: 'sudo <%= config.bin %> <%= command.id %>' },
    { description: 'Context 3 follows the global thresholds again.', command: 'sudo <%= config.bin %> <%= command.id %> --fd 3' },
  ];

  static override flags = {
    fd: fdFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ThresholdsReset);
    await resetThresholds(flags.fd, flags);
  }
}
