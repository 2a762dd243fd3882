import { changeThresholds } from '../../app/thresholds.js';
import { BaseCommand } from '../../cli/base-command.js';
import { fdFlag } from '../../cli/flags.js';
import { UsageError } from '../../errors.js';
import { isEmpty, parseAssignments, parseSettings } from '../../thresholds/settings.js';

export default class ThresholdsSet extends BaseCommand {
  static override summary = 'Change alert thresholds: the global defaults, or a context\'s overrides (needs CAP_NET_ADMIN).';

  static override description = `Each KEY=VALUE sets one threshold; all of them go to the kernel in one request, which applies all or none. Keys, units and alert types are read in any case. Values need their unit:
- latency=200ms (also 750us, 1.5s; 1 µs to 1 h)
- error-rate=2.5% or error-rate=25000ppm (errors per packet; 1 ppm to 100 %)
- bandwidth=500mbit (as tc(8) reads rates: bit, kbit, mbit, gbit, tbit are bits per second; bps, kbps, mbps, gbps, tbps are BYTES per second, so 10mbps is 80 Mbit/s; kibit, mibit, kibps, ... powers of 1024; also 500Mbit/s and 100MByte/s; a lone b or B, as in 10Mb or 10MB/s, is refused as ambiguous; up to 10 Tbit/s)
- conn-rate=1000/s or conn-rate=1000 (new connections per second)
- drop-rate=5% or drop-rate=50000ppm (dropped per received-or-dropped packet)
- interval=500ms or interval=2s (the evaluation interval, 100 ms to 60 s; global only)
- disable=TYPE[,TYPE] / enable=TYPE[,TYPE]: switch alert types off / on, the others as they are; disabled=TYPE[,TYPE] (or none) sets the whole list. TYPE: high-latency, high-error-rate, bandwidth-spike, connection-flood, packet-drop, or by threshold: latency, error-rate, bandwidth, conn-rate, drop-rate; all.
Raw integers in base units also work: latency_us=200000, error_rate_ppm=25000, bandwidth_bps=500000000 (bits per second), drop_rate_ppm=50000, interval_ms=500.

Every value is checked before anything is sent: a bad one is a usage error (exit 2). On success the values are printed back normalised ("latency 200 ms (200000 us)"); with --json or --csv the resulting thresholds instead, as \`mutexctl thresholds\` prints them.`;

  static override examples = [
    { description: 'Global defaults.', command: 'sudo <%= config.bin %> <%= command.id %> latency=200ms error-rate=2.5% bandwidth=500mbit' },
    { description: 'Overrides for context 3, and no packet-drop alerts for it.', command: 'sudo <%= config.bin %> <%= command.id %> --fd 3 latency=50ms conn-rate=100/s disable=packet-drop' },
    { description: 'Evaluate every 2 seconds.', command: 'sudo <%= config.bin %> <%= command.id %> interval=2s' },
    { description: 'Re-enable every alert type.', command: 'sudo <%= config.bin %> <%= command.id %> disabled=none' },
    { description: 'The resulting thresholds as JSON.', command: 'sudo <%= config.bin %> <%= command.id %> --fd 3 latency=100ms --json' },
  ];

  static override usage = '<%= command.id %> [--fd ID] KEY=VALUE...';

  static override flags = {
    fd: fdFlag,
  };

  // KEY=VALUE pairs, any number of them.
  static override strict = false;

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(ThresholdsSet);
    const args = argv.map(String);
    const unknownFlag = args.find((arg) => arg.startsWith('-'));
    if (unknownFlag !== undefined) throw new UsageError(`Nonexistent flag: ${unknownFlag}`);
    if (args.length === 0) throw new UsageError('nothing to set: give KEY=VALUE pairs, e.g. `mutexctl thresholds set latency=200ms`');
    const settings = parseSettings(parseAssignments(args), { context: flags.fd !== undefined });
    if (isEmpty(settings)) throw new UsageError('nothing to set');
    await changeThresholds(flags.fd, settings, flags);
  }
}
