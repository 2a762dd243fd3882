import { showThresholds } from '../../app/thresholds.js';
import { BaseCommand } from '../../cli/base-command.js';
import { fdFlag } from '../../cli/flags.js';

export default class Thresholds extends BaseCommand {
  static override summary = 'Show the alert thresholds: the global defaults, or one context\'s effective values.';

  static override description = `Every evaluation interval the module compares each context against its thresholds and raises an alert when a value goes above one (cleared when it falls back below): average latency (RTT), error rate (errors per packet), bandwidth (either direction), new connections per second, and drop rate. The global values are the defaults; a context can override any of them (\`mutexctl thresholds set --fd ID\`), and each alert type can be disabled.

The table shows one row per threshold in human units, the alert type it raises and whether that type is enabled; with --fd also what the context overrides and whether the alert is raised now.

--json prints one object, --csv a header row and one row, with raw integers and the unit in the key, in this order:
- global: latency_us, error_rate_ppm (10 % = 100000), bandwidth_bps (bits/s), conn_rate (new connections/s), drop_rate_ppm, disabled, interval_ms;
- --fd: fd_id (a string, like every identifier in JSON), latency_us, error_rate_ppm, bandwidth_bps, conn_rate, drop_rate_ppm, disabled, overridden, alerts_active.
disabled and alerts_active are lists of alert types (high_latency, high_error_rate, bandwidth_spike, connection_flood, packet_drop); overridden lists the keys the context overrides (latency_us, error_rate_ppm, bandwidth_bps, conn_rate, drop_rate_ppm, disabled). In CSV a list is one field with ';' between the items.`;

  static override examples = [
    { description: 'The global thresholds.', command: '<%= config.bin %> <%= command.id %>' },
    { description: "Context 3's effective thresholds, and which it overrides.", command: '<%= config.bin %> <%= command.id %> --fd 3' },
    { description: 'The latency threshold in microseconds, from a script.', command: "<%= config.bin %> <%= command.id %> --json | jq '.latency_us'" },
    { description: 'Change them.', command: 'sudo <%= config.bin %> thresholds set latency=200ms error-rate=2%' },
  ];

  static override flags = {
    fd: fdFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Thresholds);
    await showThresholds(flags.fd, flags);
  }
}
