import { Flags } from '@oclif/core';
import { alertmanagerRequest, showAlerts, streamAlerts, type AlertQuery } from '../../app/alerts.js';
import { BaseCommand } from '../../cli/base-command.js';
import { listFlags } from '../../cli/flags.js';
import { parseSince } from '../../cli/parse.js';
import { alertTypeChoices, parseAlertType } from '../../thresholds/fields.js';

export default class Alerts extends BaseCommand {
  static override summary = 'List alerts from the kernel ring, or follow them as they are raised and cleared.';

  static override description = `The module evaluates every context against its thresholds (see \`mutexctl thresholds\`) and records an alert event when a value crosses a threshold (raised) and when it falls back below (cleared). The last events (1000 by default) are kept in a ring; every event is also multicast to listeners.

Without --follow: the events in the ring, oldest first, filtered by --type, --fd and --since. --json prints an array of objects, --csv a header row and a row per event, with these fields in this order: seq (a string in JSON, like every identifier), time_ns, type (high_latency|high_error_rate|bandwidth_spike|connection_flood|packet_drop), severity (0-10), state (raised|cleared), fd_id (a string in JSON), value, threshold, unit (us|ppm|bps|conn/s: the unit of value and threshold, by type; bps is bits per second), message.

--follow first joins the multicast group, then prints the ring's events, then each new one as it arrives: --json as NDJSON (one object per line, written at once), --csv as rows, otherwise one line per event. Each event is printed once. Sequence numbers are consecutive: when notifications were missed (a slow reader), the missing events are read back from the ring, and those already overwritten there are reported on stderr as "mutexctl: N alerts lost (seq A..B)". Ends with exit 0 on Ctrl-C (SIGINT), SIGTERM, or when the reader of a pipe has gone away: it notices that when it next writes, so after \`| head -1\` it ends with the next event it prints.

--since takes a sequence number (events after it) or a look-back such as 90s, 5m, 2h or 1d (events at most that old).

--follow --alertmanager URL also posts the alerts to Alertmanager's API v2 (URL/api/v2/alerts; repeat the flag for each Alertmanager of a cluster): a raised alert as firing, with the labels alertname (MutexHighLatency, MutexHighErrorRate, MutexBandwidthSpike, MutexConnectionFlood, MutexPacketDrop), type, fd, name (the context's, when it has one), severity (0-10) and instance (--instance, default the host name), and the kernel's message, value and threshold as annotations; its clear as the same alert resolved (endsAt). Active alerts are posted again every --resend-interval (default 1m) with an endsAt four intervals ahead, so an Alertmanager that restarted has them back and the alerts of a follower that stopped resolve by themselves. A failed POST is retried with backoff. When the follower starts it reads the ring and posts the alerts still active (with their first startsAt: Alertmanager does not notify them again) and the clears it missed. An alert whose context was closed, or whose clear was lost, is resolved when the kernel's state shows it.`;

  static override examples = [
    { description: 'The events in the ring.', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'High-latency events of context 3 in the last 10 minutes.', command: '<%= config.bin %> <%= command.id %> --type high_latency --fd 3 --since 10m' },
    { description: 'Events after sequence number 120, as CSV.', command: '<%= config.bin %> <%= command.id %> --since 120 --csv' },
    { description: 'Follow events as NDJSON.', command: "<%= config.bin %> <%= command.id %> --follow --json | jq -c 'select(.state == \"raised\")'" },
    { description: 'The first event (from the ring, or the next one raised); mutexctl itself ends when it prints the next one.', command: '<%= config.bin %> <%= command.id %> --follow --json | head -1' },
    { description: 'Post the alerts to Alertmanager (and print them).', command: '<%= config.bin %> <%= command.id %> --follow --alertmanager http://alertmanager:9093' },
    { description: 'Empty the ring (needs CAP_NET_ADMIN).', command: '<%= config.bin %> alerts clear' },
  ];

  static override flags = {
    type: Flags.string({ description: `Only events of this type: ${alertTypeChoices()} (or latency, error-rate, bandwidth, conn-rate, drop-rate).`, helpValue: 'TYPE' }),
    fd: Flags.integer({ description: 'Only events of this context (fd id).', helpValue: 'ID', min: 1, max: 0xffff_ffff }),
    since: Flags.string({ description: 'Only events after this sequence number, or at most this old (90s, 5m, 2h, 1d).', helpValue: 'SEQ|DURATION' }),
    follow: Flags.boolean({ char: 'f', description: 'Print the ring, then keep printing events as they happen, until interrupted.' }),
    alertmanager: Flags.string({ description: 'With --follow: also post the alerts to this Alertmanager (API v2); repeat for several.', helpValue: 'URL', multiple: true }),
    'resend-interval': Flags.string({ description: 'With --alertmanager: post the active alerts again this often (default 1m).', helpValue: 'DURATION' }),
    instance: Flags.string({ description: 'With --alertmanager: the instance label of the alerts (default: the host name).', helpValue: 'NAME' }),
    ...listFlags,
    sort: Flags.string({
      description: 'Sort by these columns (JSON key names, comma-separated); a leading - for descending, e.g. --sort=-severity,seq. Default: seq (oldest first).',
      helpValue: 'KEY[,KEY]',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Alerts);
    const query: AlertQuery = {
      type: flags.type === undefined ? undefined : parseAlertType(flags.type, '--type'),
      fdId: flags.fd,
      since: flags.since === undefined ? undefined : parseSince(flags.since),
    };
    const alertmanager = alertmanagerRequest(flags);
    if (flags.follow) await streamAlerts(query, flags, this.config.bin, alertmanager);
    else await showAlerts(query, flags);
  }
}
