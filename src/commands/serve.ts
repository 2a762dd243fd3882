import { Flags } from '@oclif/core';
import { checkConnSeries, DEFAULT_LISTEN, DEFAULT_MAX_CONN_SERIES, runServe } from '../app/serve.js';
import { BaseCommand } from '../cli/base-command.js';
import { refuseOutputFlags } from '../cli/parse.js';
import { parseListenAddress } from '../http/server.js';

export default class Serve extends BaseCommand {
  static override summary = 'Serve the statistics to Prometheus over HTTP (/metrics), as a long-running exporter.';

  static override description = `GET /metrics answers with the text exposition format: the same families as \`mutexctl export --format prometheus --scope global,fd,alerts\` (global figures, per-context figures and RTT histograms, flows by protocol and state, active alerts, the alert ring), plus mutex_up (1 while the module answers, 0 while it is not loaded), mutex_exporter_snapshots_total and mutex_exporter_snapshot_duration_seconds. Replies are gzipped when the scraper asks for it (Accept-Encoding). GET /healthz answers "ok" while the exporter runs, whatever the module's state.

Every scrape reads the kernel afresh; scrapes that arrive while a read is under way share it, so the kernel sees one dump at a time however many scrapers there are. The exporter keeps running when the module is unloaded and picks it up again when it is loaded; counters then start again from zero and mutex_module_info{instance_id} changes, which Prometheus's rate() treats as a counter reset.

Per-flow series (mutex_conn_*: one series per flow and figure) are off by default; --conn-series turns them on for at most --max-conn-series flows (the oldest ones), and mutex_exporter_conn_series_omitted counts the flows left out.

Reading needs no privileges: run it as any user (packaging/systemd/mutexctl-serve.service runs it as a dynamic user). It listens on loopback only unless --listen says otherwise. SIGINT or SIGTERM end it with exit 0. A bad or taken --listen address is a usage error (exit 2).`;

  static override examples = [
    { description: `On loopback, port 9477 (the default, ${DEFAULT_LISTEN}).`, command: '<%= config.bin %> <%= command.id %>' },
    { description: 'On every address of the host, for a Prometheus elsewhere.', command: '<%= config.bin %> <%= command.id %> --listen :9477' },
    { description: 'With per-flow series for up to 2000 flows.', command: '<%= config.bin %> <%= command.id %> --conn-series --max-conn-series 2000' },
    { description: 'What Prometheus sees.', command: 'curl -s http://127.0.0.1:9477/metrics | grep mutex_fd_sent_bytes_total' },
  ];

  static override flags = {
    listen: Flags.string({ description: `Address and port to listen on: 127.0.0.1:9477 (default), [::1]:9477, :9477 for every address, port 0 for any free port.`, helpValue: 'ADDR:PORT', default: DEFAULT_LISTEN }),
    'conn-series': Flags.boolean({ description: 'Also export per-flow series (mutex_conn_*): mind the cardinality.', default: false }),
    'max-conn-series': Flags.integer({ description: `With --conn-series: series for at most N flows, the oldest (default ${DEFAULT_MAX_CONN_SERIES}); the rest are counted in mutex_exporter_conn_series_omitted.`, helpValue: 'N', min: 0 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Serve);
    refuseOutputFlags(flags, 'serve');
    const listen = parseListenAddress(flags.listen);
    const maxConnSeries = checkConnSeries(flags['conn-series'], flags['max-conn-series']);
    await runServe({ listen, connSeries: flags['conn-series'], maxConnSeries, bin: this.config.bin });
  }
}
