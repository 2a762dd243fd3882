import { Args, Flags } from '@oclif/core';
import { applyThresholdsFile, checkThresholdsFile } from '../../app/thresholds.js';
import type { RetiredFlags } from '../../cli/argv.js';
import { BaseCommand } from '../../cli/base-command.js';
import { UsageError } from '../../errors.js';

export default class ThresholdsApply extends BaseCommand {
  static override summary = 'Apply thresholds from a JSON or YAML file, all or nothing (needs CAP_NET_ADMIN); --check validates it offline.';

  static override description = `FILE (JSON or YAML, by its extension or else its content; - reads stdin) has a "global" section (the defaults) and/or an "fd" section of contexts by id, each with the keys of \`mutexctl thresholds set\`: values with units as strings ("200ms", "2.5%", "500mbit", "1000/s"), or raw integers under the keys with the unit in the name (latency_us: 200000, error_rate_ppm, bandwidth_bps (bits/s), conn_rate, drop_rate_ppm, interval_ms); disabled: a list of alert types (the whole list), or disable/enable: types to switch off/on. Keys, units and alert types are case-insensitive.

For example (YAML, or the same as JSON):
{"global": {"latency": "200ms", "error-rate": "2%", "disabled": ["packet-drop"]}, "fd": {"3": {"latency": "100ms", "bandwidth": "50mbit"}}}

The whole file is checked first: any problem is a usage error (exit 2) naming where it is (e.g. fd.3.latency), and nothing is sent; a file that cannot be read is one too. --check stops there: it needs no module and no privileges, prints what the file sets and exits 0 when it is valid (for CI, or before copying the file to a host).

Then the current values are read and the changes printed, one line per field ("global latency: 500 ms -> 200 ms"; "(global)" marks a context's value that came from the global defaults). With --dry-run that is all. Otherwise one request per changed section, global first, then the contexts by id; if one fails, the ones already applied are rolled back and mutexctl exits 1 with the kernel's message. Fields the file does not name are left as they are.

--json prints the changes as an array, --csv as rows, with the fields scope (global|fd), fd_id (a string), field (latency_us, error_rate_ppm, bandwidth_bps, conn_rate, drop_rate_ppm, interval_ms, disabled), from, to: raw integers, disabled as alert type names.`;

  static override examples = [
    { description: 'Check a file, offline.', command: '<%= config.bin %> <%= command.id %> --check thresholds.yaml' },
    { description: 'See what it would change.', command: '<%= config.bin %> <%= command.id %> thresholds.yaml --dry-run' },
    { description: 'Apply it.', command: 'sudo <%= config.bin %> <%= command.id %> thresholds.yaml' },
    { description: 'From stdin, as JSON.', command: `echo '{"global":{"latency_us":200000}}' | sudo <%= config.bin %> <%= command.id %> -` },
  ];

  static override usage = '<%= command.id %> FILE [--check | --dry-run]';

  static override retiredFlags: RetiredFlags = { '-f': 'give the file as an argument: thresholds apply FILE (or --file FILE); -f is --follow (alerts)' };

  static override args = {
    file: Args.string({ description: 'The thresholds file (JSON or YAML; - for stdin).', required: false }),
  };

  static override flags = {
    file: Flags.string({ description: 'The thresholds file, when not given as the argument.', helpValue: 'FILE' }),
    check: Flags.boolean({ description: 'Only check the file (offline: no module needed) and print what it sets.', exclusive: ['dry-run'] }),
    'dry-run': Flags.boolean({ description: 'Print the changes, apply nothing.', exclusive: ['check'] }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ThresholdsApply);
    if (args.file !== undefined && flags.file !== undefined) throw new UsageError('give the file once: as the argument or with --file');
    const file = args.file ?? flags.file;
    if (file === undefined) throw new UsageError('no file: thresholds apply FILE (- reads stdin)');
    if (flags.check) {
      if (flags.json || flags.csv || flags.columns !== undefined) throw new UsageError('--check prints a summary; its exit status is the verdict');
      await checkThresholdsFile(file);
      return;
    }
    await applyThresholdsFile(file, flags['dry-run'], flags);
  }
}
