import { Flags } from '@oclif/core';
import { applyThresholdsFile } from '../../app/thresholds.js';
import { BaseCommand } from '../../cli/base-command.js';

export default class ThresholdsApply extends BaseCommand {
  static override summary = 'Apply thresholds from a JSON or YAML file, all or nothing (needs CAP_NET_ADMIN).';

  static override description = `FILE (JSON or YAML, by its extension or else its content; - reads stdin) has a "global" section (the defaults) and/or an "fd" section of contexts by id, each with the keys of \`mutexctl thresholds set\`: values with units as strings ("200ms", "2.5%", "500Mbit/s", "1000/s"), or raw integers under the keys with the unit in the name (latency_us: 200000, error_rate_ppm, bandwidth_bps, conn_rate, drop_rate_ppm, interval_ms); disabled: a list of alert types (the whole list), or disable/enable: types to switch off/on.

For example (YAML, or the same as JSON):
{"global": {"latency": "200ms", "error-rate": "2%", "disabled": ["packet-drop"]}, "fd": {"3": {"latency": "100ms", "bandwidth": "50Mbit/s"}}}

The whole file is checked first: any problem is a usage error (exit 2) naming where it is (e.g. fd.3.latency), and nothing is sent. Then the current values are read and the changes printed, one line per field ("global latency: 500 ms -> 200 ms"; "(global)" marks a context's value that came from the global defaults). With --dry-run that is all. Otherwise one request per changed section, global first, then the contexts by id; if one fails, the ones already applied are rolled back and mutexctl exits 1 with the kernel's message. Fields the file does not name are left as they are.

--json prints the changes as an array, --csv as rows, with the fields scope (global|fd), fd_id, field (latency_us, error_rate_ppm, bandwidth_bps, conn_rate, drop_rate_ppm, interval_ms, disabled), from, to: raw integers, disabled as alert type names.`;

  static override examples = [
    { description: 'See what a file would change.', command: '<%= config.bin %> <%= command.id %> -f thresholds.yaml --dry-run' },
    { description: 'Apply it.', command: 'sudo <%= config.bin %> <%= command.id %> -f thresholds.yaml' },
    { description: 'From stdin, as JSON.', command: `echo '{"global":{"latency_us":200000}}' | sudo <%= config.bin %> <%= command.id %> -f -` },
  ];

  static override flags = {
    file: Flags.string({ char: 'f', description: 'The thresholds file (JSON or YAML; - for stdin).', helpValue: 'FILE', required: true }),
    'dry-run': Flags.boolean({ description: 'Print the changes, apply nothing.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ThresholdsApply);
    await applyThresholdsFile(flags.file, flags['dry-run'], flags);
  }
}
