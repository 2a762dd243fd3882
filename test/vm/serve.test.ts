// Issue 16: `mutexctl serve` scraped by Debian's Prometheus (started here,
// scraping every second) while UDP and TCP traffic runs through two
// contexts. Prometheus's query API must return the counters the traffic
// made (UDP: datagram arithmetic; TCP: the payload the receiver counted plus
// the headers of the packets), rate() must match the rate the sender kept,
// every query of the Grafana dashboard must return data, promtool must
// accept a scrape, and serve must ride out rmmod/insmod.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Context, fdStats, freshPort, mutexctl, projectRoot, python, sh, sleep, withClient } from './lib.js';
import { familiesOf, httpRequest, Prometheus, sampleOf, scrape, startServe, until, type Child } from './servers.js';

const KO = process.env['MUTEX_KO'] ?? '/run/mutex-vm/mutex.ko';
const UDP_TIMEOUT = '/sys/module/mutex/parameters/timeout_udp';
const PORT_RANGE = '/proc/sys/net/ipv4/ip_local_port_range';

/**
 * UDP datagrams at a steady rate (each sent and read back over lo) and, once
 * a second, a chunk of TCP payload on one connection, for `seconds`. Prints
 * what it did as JSON: datagrams, when it started and ended (wall clock),
 * the TCP payload the receiver read.
 */
const PACED_TRAFFIC = `
import json, socket, sys, threading, time
udp_port, tcp_port, seconds, rate, size, chunk = map(int, sys.argv[1:7])
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(('127.0.0.1', udp_port))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', tcp_port)); srv.listen(1)
got = [0]
def serve():
    c, _ = srv.accept()
    while True:
        b = c.recv(1 << 16)
        if not b: break
        got[0] += len(b)
    c.close()
t = threading.Thread(target=serve); t.start()
cl = socket.create_connection(('127.0.0.1', tcp_port))
payload = b'u' * size
start = time.time(); n = 0
while n < seconds * rate:
    delay = start + n / rate - time.time()
    if delay > 0: time.sleep(delay)
    s.sendto(payload, ('127.0.0.1', udp_port)); r.recv(65536); n += 1
    if n % rate == 0: cl.sendall(b't' * chunk)
end = time.time()
cl.shutdown(socket.SHUT_WR); t.join(); cl.close(); srv.close()
print(json.dumps({'datagrams': n, 'start': start, 'end': end, 'tcp_payload': got[0]}))
`;

const SECONDS = 15;
const RATE = 100;
const SIZE = 1000;
const CHUNK = 256 * 1024;

const ports = { udp: freshPort(), tcp: freshPort() };
let udp: Context;
let tcp: Context;
let contextsOpen = false;
let serve: Child & { url: string; port: number };
let perFlow: Child & { url: string; port: number };
let prometheus: Prometheus;
let savedUdpTimeout = '';
let savedPortRange = '';

function closeContexts(): void {
  if (!contextsOpen) return;
  contextsOpen = false;
  udp.close();
  tcp.close();
}

before(async () => {
  // Under a loaded TCG host the file takes minutes: keep the UDP flow until it ends.
  savedUdpTimeout = readFileSync(UDP_TIMEOUT, 'utf8').trim();
  writeFileSync(UDP_TIMEOUT, '3600');
  // The scrapes are hundreds of loopback connections: their ephemeral ports
  // must never be the ones the contexts select (freshPort() hands out 20000-39999).
  savedPortRange = readFileSync(PORT_RANGE, 'utf8').trim();
  writeFileSync(PORT_RANGE, '40000 60999');
  udp = Context.open(`name=serve-udp scope=all proto=udp port=${ports.udp}`);
  tcp = Context.open(`name=serve-tcp scope=all proto=tcp port=${ports.tcp}`);
  contextsOpen = true;
  [serve, perFlow] = await Promise.all([startServe(), startServe(['--conn-series', '--max-conn-series', '1'])]);
  prometheus = await Prometheus.start([`127.0.0.1:${serve.port}`]);
});

after(async () => {
  closeContexts();
  await prometheus?.stop();
  await Promise.all([serve?.stop(), perFlow?.stop()]);
  writeFileSync(PORT_RANGE, savedPortRange);
  try {
    writeFileSync(UDP_TIMEOUT, savedUdpTimeout);
  } catch {
    // reloaded: the module came back with its defaults
  }
  await withClient((c) => c.doRequest('thresholds-set', { reset: true }));
});

/** Grafana's variables as the dashboard's queries use them, for one evaluation in the test. */
const GRAFANA_VARIABLES: Readonly<Record<string, string>> = { $instance: '.*', $__rate_interval: '10s' };

function dashboardQueries(): { panel: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(join(projectRoot, 'packaging/grafana/mutex.json'), 'utf8')) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  return dashboard.panels.flatMap((panel) =>
    panel.targets.map((target) => {
      let expr = target.expr;
      for (const [name, value] of Object.entries(GRAFANA_VARIABLES)) expr = expr.replaceAll(name, value);
      assert.doesNotMatch(expr, /\$/, `${panel.title}: a variable the test does not know: ${expr}`);
      return { panel: panel.title, expr };
    }),
  );
}

describe('mutexctl serve, scraped by Prometheus', () => {
  it('Prometheus holds the counters of real UDP and TCP traffic exactly; rate() matches the sender; every dashboard query returns data', async () => {
    // A bandwidth alert on the UDP context during the traffic, for the dashboard's alert panels.
    await withClient((c) => c.doRequest('thresholds-set', { fd_id: udp.id, bandwidth_bps: 400_000n, disabled: 0b11011 }));
    const fdA = `fd="${udp.id}"`;
    const fdB = `fd="${tcp.id}"`;
    await until('Prometheus to have scraped serve', async () => (await prometheus.value(`mutex_fd_sent_bytes_total{${fdA}}`)) === 0);

    const traffic = JSON.parse(
      python(PACED_TRAFFIC, [ports.udp, ports.tcp, SECONDS, RATE, SIZE, CHUNK].map(String)),
    ) as { datagrams: number; start: number; end: number; tcp_payload: number };
    assert.equal(traffic.datagrams, SECONDS * RATE);
    assert.equal(traffic.tcp_payload, SECONDS * CHUNK);

    // UDP: every datagram leaves and arrives over lo, 28 bytes of headers each.
    const udpBytes = traffic.datagrams * (SIZE + 28);
    await until('Prometheus to hold the last UDP datagram', async () => (await prometheus.value(`mutex_fd_received_bytes_total{${fdA}}`)) === udpBytes);
    // TCP: nothing moves once the connection is closed; wait for the kernel's figures to reach Prometheus.
    await sleep(500);
    const kernelB = await fdStats(tcp.id);
    await until('Prometheus to hold the TCP connection to its end', async () => (await prometheus.value(`mutex_fd_received_bytes_total{${fdB}}`)) === Number(kernelB.bytes_received));
    const now = Date.now() / 1000;
    const value = async (expr: string, at = now): Promise<number> => {
      const v = await prometheus.value(expr, at);
      assert.notEqual(v, undefined, expr);
      return v!;
    };
    assert.equal(await value(`mutex_fd_sent_bytes_total{${fdA}}`), udpBytes);
    assert.equal(await value(`mutex_fd_sent_packets_total{${fdA}}`), traffic.datagrams);
    assert.equal(await value(`mutex_fd_received_packets_total{${fdA}}`), traffic.datagrams);
    // Every TCP packet carries 20 bytes of IP and 32 of TCP header (timestamps), but
    // the SYN and SYN-ACK 40 (their options); over lo each arrives once (LOCAL_IN).
    const packetsB = await value(`mutex_fd_received_packets_total{${fdB}}`);
    assert.equal(await value(`mutex_fd_received_bytes_total{${fdB}}`), traffic.tcp_payload + 52 * packetsB + 2 * 8);
    const kernelFigures = [
      ['sent_bytes', kernelB.bytes_sent],
      ['received_bytes', kernelB.bytes_received],
      ['sent_packets', kernelB.packets_sent],
      ['received_packets', kernelB.packets_received],
    ] as const;
    for (const [figure, kernel] of kernelFigures) {
      assert.equal(await value(`mutex_fd_${figure}_total{${fdB}}`), Number(kernel), `${figure} of the TCP context, as the kernel reports it`);
    }
    assert.equal(await value(`mutex_fd_connections_tracked_total{${fdB}}`), 1);

    // The rate the sender kept, over 8 s well inside the traffic: Prometheus's rate()
    // of the counter, and the average of the kernel's own one-second figure.
    const mid = traffic.start + 12;
    const expectedRate = RATE * (SIZE + 28);
    const rate = await value(`rate(mutex_fd_sent_bytes_total{${fdA}}[8s])`, mid);
    assert.ok(Math.abs(rate - expectedRate) <= 0.1 * expectedRate, `rate() ${rate} B/s, the sender kept ${expectedRate} B/s`);
    const kernelRate = await value(`avg_over_time(mutex_fd_sent_bytes_per_second{${fdA}}[8s])`, mid);
    assert.ok(Math.abs(kernelRate - expectedRate) <= 0.15 * expectedRate, `the kernel's one-second rate averaged ${kernelRate} B/s, the sender kept ${expectedRate} B/s`);
    assert.equal(await value(`mutex_fd_alert_active{${fdA},type="bandwidth_spike"}`, mid), 1, 'the bandwidth alert was raised');

    // The dashboard: every query of every panel, at a moment of the traffic.
    const queries = dashboardQueries();
    assert.ok(queries.length >= 10, `${queries.length} queries`);
    for (const { panel, expr } of queries) {
      const result = await prometheus.query(expr, mid);
      assert.ok(result.length > 0, `${panel}: ${expr} returned nothing`);
      assert.ok(result.some((s) => Number.isFinite(Number(s.value[1]))), `${panel}: ${expr} returned no number: ${JSON.stringify(result)}`);
    }
    const p99 = await prometheus.query(`histogram_quantile(0.99, sum by (fd, le) (rate(mutex_fd_rtt_seconds_bucket{${fdB}}[10s])))`, mid);
    assert.ok(Number(p99[0]?.value[1]) > 0, `the TCP context has an RTT p99: ${JSON.stringify(p99)}`);
    await withClient((c) => c.doRequest('thresholds-set', { fd_id: udp.id, reset: true }));
  });

  it('a scrape passes promtool, gzip or not, with exactly the families of export --format prometheus plus the exporter\'s', async () => {
    const promtool = (text: string): string =>
      execFileSync('sh', ['-c', 'promtool check metrics 2>&1; echo "exit $?"'], { input: text, encoding: 'utf8' }).trim();
    const exporterFamilies = ['mutex_exporter_snapshot_duration_seconds', 'mutex_exporter_snapshots_total', 'mutex_up'];
    const exported = (scopes: string): string[] => {
      const run = mutexctl(['export', '--format', 'prometheus', '--scope', scopes]);
      assert.equal(run.status, 0, run.stderr);
      return familiesOf(run.stdout);
    };

    const [plain, gzipped, flows] = await Promise.all([scrape(serve.url), scrape(serve.url, true), scrape(perFlow.url, true)]);
    for (const text of [plain, gzipped, flows]) {
      assert.equal(promtool(text), 'exit 0');
      assert.equal(sampleOf(text, 'mutex_up'), '1');
    }
    assert.deepEqual(familiesOf(plain), familiesOf(gzipped));
    assert.deepEqual(familiesOf(plain), [...exported('global,fd,alerts'), ...exporterFamilies].sort());
    assert.deepEqual(familiesOf(flows), [...exported('global,fd,conn,alerts'), ...exporterFamilies, 'mutex_exporter_conn_series_omitted'].sort());
    assert.match(plain, new RegExp(`^mutex_fd_sent_bytes_total\\{fd="${udp.id}",name="serve-udp"\\} \\d+$`, 'm'));
    assert.doesNotMatch(plain, /^mutex_conn_/m, 'no per-flow series by default');

    // --max-conn-series 1: one flow has series, the others are counted.
    const shown = [...flows.matchAll(/^mutex_conn_sent_bytes_total\{/gm)].length;
    const tracked = [...flows.matchAll(/^mutex_fd_flows\{.*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    assert.equal(shown, 1);
    assert.ok(tracked >= 1);
    assert.equal(Number(sampleOf(flows, 'mutex_exporter_conn_series_omitted')), tracked - shown);

    const health = await httpRequest(`${serve.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(health.body.toString(), 'ok\n');
  });

  it('across rmmod and insmod every scrape answers: mutex_up 1 → 0 → 1, a new instance id, counters from zero', async () => {
    closeContexts(); // an open /dev/mutex holds the module
    const seen: { up: string | undefined; instance: string | undefined; sent: number }[] = [];
    let scraping = true;
    const loop = (async () => {
      while (scraping) {
        const reply = await httpRequest(`${serve.url}/metrics`);
        assert.equal(reply.status, 200, reply.body.toString());
        const text = reply.body.toString();
        assert.match(text, /^# TYPE mutex_up gauge$/m);
        assert.ok(text.endsWith('\n'), 'complete');
        seen.push({ up: sampleOf(text, 'mutex_up'), instance: /^mutex_module_info\{instance_id="(\d+)"\} 1$/m.exec(text)?.[1], sent: Number(sampleOf(text, 'mutex_sent_bytes_total') ?? NaN) });
        await sleep(200);
      }
    })();
    try {
      const count = (up: string) => seen.filter((s) => s.up === up).length;
      await until('scrapes with the module loaded', () => count('1') >= 3);
      sh('rmmod mutex');
      await until('scrapes without the module', () => count('0') >= 3);
      await until('Prometheus to scrape mutex_up 0', async () => (await prometheus.value('mutex_up')) === 0);
      sh(`insmod ${KO}`);
      await until('scrapes of the reloaded module', () => seen.at(-1)?.up === '1' && seen.slice(-3).every((s) => s.up === '1'));
    } finally {
      scraping = false;
      await loop;
    }
    const ups = seen.map((s) => s.up).join('').replace(/(.)\1+/g, '$1');
    assert.equal(ups, '101', `mutex_up over the scrapes: ${seen.map((s) => s.up).join('')}`);
    const first = seen.find((s) => s.up === '1')!;
    const last = seen.at(-1)!;
    assert.notEqual(last.instance, first.instance, 'a new instance id');
    assert.ok(first.sent > SECONDS * RATE * (SIZE + 28), `before: ${first.sent}`);
    assert.ok(last.sent < first.sent, `counters start again: ${last.sent} after ${first.sent}`);
    for (const s of seen.filter((x) => x.up === '0')) assert.equal(s.instance, undefined, 'nothing of the module while it is absent');
    assert.match(serve.stderr, /the mutex module is not loaded: mutex_up 0 until it is/);
    assert.match(serve.stderr, new RegExp(`the mutex module answers \\(instance ${last.instance}\\): mutex_up 1`));
    assert.equal(serve.process.exitCode, null, 'still serving');

    // Prometheus saw it too: both instances, the counter reset.
    await until('Prometheus to scrape the reloaded module', async () => (await prometheus.value(`mutex_module_info{instance_id="${last.instance}"}`)) === 1);
    assert.equal(await prometheus.value('count(count_over_time(mutex_module_info[10m]))'), 2);
    assert.ok((await prometheus.value('resets(mutex_sent_bytes_total[10m])'))! >= 1);
  });
});
