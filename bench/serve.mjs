// The `serve` section of `npm run bench` (bench/guest.mjs runs it in the
// guest): `mutexctl serve` under 50 concurrent scrapers for 30 s with 10 000
// tracked flows (every response checked complete and valid; scrapes, kernel
// snapshots, latency, CPU and RSS of serve recorded), then what one scrape
// costs with 100 000 tracked flows, with and without per-flow series.
// Figures, not assertions: bench/run.mjs prints them. An invalid response
// fails the section.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { clearInterval, setInterval } from 'node:timers';
import { gunzipSync } from 'node:zlib';
import { growingHolder, openContext } from './flow-holder.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TICKS_PER_SECOND = 100; // USER_HZ

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

function rssMiB(pid) {
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

function get(port, gzip) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request({ host: '127.0.0.1', port, path: '/metrics', headers: gzip ? { 'Accept-Encoding': 'gzip' } : {}, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode, encoding: res.headers['content-encoding'], length: Number(res.headers['content-length']), body, ms: Number(process.hrtime.bigint() - started) / 1e6 });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const LINE = /^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[0-9.e+-]+|NaN|[+-]Inf))$/;

/** Why a response is not a complete, valid exposition of `flows` flows of context `fdId`; undefined when it is. */
function invalid(reply, gzip, fdId, flows) {
  if (reply.status !== 200) return `status ${reply.status}`;
  if (reply.body.length !== reply.length) return `${reply.body.length} bytes of ${reply.length}`;
  if ((reply.encoding === 'gzip') !== gzip) return `encoding ${reply.encoding}`;
  const text = (gzip ? gunzipSync(reply.body) : reply.body).toString();
  if (!text.endsWith('\n')) return 'cut short';
  const lines = text.slice(0, -1).split('\n');
  const bad = lines.find((line) => !LINE.test(line));
  if (bad !== undefined) return `bad line: ${bad.slice(0, 120)}`;
  if (!/^mutex_up 1$/m.test(text)) return 'mutex_up is not 1';
  const counted = [...text.matchAll(new RegExp(`^mutex_fd_flows\\{fd="${fdId}",[^}]*\\} (\\d+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
  if (counted !== flows) return `mutex_fd_flows of the context sum to ${counted}, not ${flows}`;
  return undefined;
}

async function startServe(cli, args) {
  const child = spawn(process.execPath, [cli, 'serve', '--listen', '127.0.0.1:0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d.toString()));
  const deadline = Date.now() + 120_000;
  for (;;) {
    const port = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr)?.[1];
    if (port) return { child, port: Number(port), stop: () => new Promise((r) => { child.on('exit', r); child.kill(); }) };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`mutexctl serve did not start: ${stderr}`);
    await sleep(50);
  }
}

const snapshotsOf = (reply, gzip) => Number(/^mutex_exporter_snapshots_total (\d+)$/m.exec((gzip ? gunzipSync(reply.body) : reply.body).toString())?.[1]);

export async function serveBench({ cli, record, notes, log }) {
  const flows = Number(process.env.BENCH_SERVE_FLOWS ?? 10000);
  const bigFlows = Number(process.env.BENCH_SERVE_BIG ?? 100000);
  const seconds = Number(process.env.BENCH_SERVE_SECONDS ?? 30);
  const scrapers = Number(process.env.BENCH_SERVE_SCRAPERS ?? 50);
  log(`serve: ${scrapers} scrapers for ${seconds} s at ${flows} flows, then one scrape at ${bigFlows} flows with per-flow series`);
  writeFileSync('/proc/sys/net/ipv4/ip_local_port_range', '1024 65000');
  const ports = [7301, 7302, 7303, 7304];
  const ctx = openContext(`name=serve-bench scope=all proto=tcp port=${ports.join(',')}`);
  const holder = growingHolder(ports);
  const grow = holder.grow;
  let serve;
  try {
    await grow(flows);
    serve = await startServe(cli, []);
    const first = await get(serve.port, false);
    const why = invalid(first, false, ctx.id, flows);
    if (why) throw new Error(`the first scrape: ${why}`);
    const snapshots0 = snapshotsOf(first, false);
    const cpu0 = cpuSeconds(serve.child.pid);
    const ownCpu0 = process.cpuUsage();
    let rssMax = rssMiB(serve.child.pid);
    const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssMiB(serve.child.pid))), 250);
    const latencies = [];
    const problems = [];
    let lastReply;
    let bytes = 0;
    const start = Date.now();
    const deadline = start + seconds * 1000;
    await Promise.all(
      Array.from({ length: scrapers }, async (_, i) => {
        const gzip = i % 2 === 1;
        while (Date.now() < deadline) {
          const reply = await get(serve.port, gzip);
          const problem = invalid(reply, gzip, ctx.id, flows);
          if (problem) problems.push(problem);
          latencies.push(reply.ms);
          bytes += reply.body.length;
          lastReply = { reply, gzip };
        }
      }),
    );
    const elapsed = (Date.now() - start) / 1000;
    clearInterval(sampler);
    const cpu = cpuSeconds(serve.child.pid) - cpu0;
    const ownCpu = process.cpuUsage(ownCpu0);
    const snapshots = snapshotsOf(lastReply.reply, lastReply.gzip) - snapshots0;
    latencies.sort((a, b) => a - b);
    const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
    record(`serve.${flows}.scrapes`, latencies.length);
    record(`serve.${flows}.scrapes_per_s`, latencies.length / elapsed);
    record(`serve.${flows}.snapshots`, snapshots);
    record(`serve.${flows}.scrapes_per_snapshot`, latencies.length / snapshots);
    record(`serve.${flows}.latency_median_ms`, at(0.5));
    record(`serve.${flows}.latency_p99_ms`, at(0.99));
    record(`serve.${flows}.cpu_pct`, (100 * cpu) / elapsed);
    record(`serve.${flows}.rss_max_mib`, rssMax);
    record(`serve.${flows}.invalid`, problems.length);
    notes[`serve_${flows}`] = `${latencies.length} scrapes by ${scrapers} scrapers in ${elapsed.toFixed(1)} s (${(bytes / 2 ** 20).toFixed(1)} MiB of responses), ${snapshots} kernel snapshots; the scrapers' own CPU ${((ownCpu.user + ownCpu.system) / 1e4 / elapsed).toFixed(0)} %`;
    if (problems.length > 0) throw new Error(`serve: ${problems.length} invalid responses, e.g. ${problems[0]}`);
    await serve.stop();
    serve = undefined;

    // One scrape with many flows: per-flow series or not.
    const t0 = Date.now();
    await grow(bigFlows);
    log(`  ${bigFlows} connections open (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    for (const [variant, args] of [['plain', []], ['conn_series', ['--conn-series', '--max-conn-series', String(bigFlows + 100)]]]) {
      serve = await startServe(cli, args);
      const rss0 = rssMiB(serve.child.pid);
      const plain = await get(serve.port, false);
      const problem = invalid(plain, false, ctx.id, bigFlows);
      if (problem) throw new Error(`the ${bigFlows}-flow scrape (${variant}): ${problem}`);
      const text = plain.body.toString();
      const series = [...text.matchAll(/^mutex_conn_sent_bytes_total\{/gm)].length;
      if (variant === 'conn_series' && series < bigFlows) throw new Error(`${series} flows with series, not ${bigFlows}`);
      const gz = await get(serve.port, true);
      record(`serve.${bigFlows}.${variant}.scrape_ms`, plain.ms);
      record(`serve.${bigFlows}.${variant}.bytes`, plain.body.length);
      record(`serve.${bigFlows}.${variant}.gzip_scrape_ms`, gz.ms);
      record(`serve.${bigFlows}.${variant}.gzip_bytes`, gz.body.length);
      record(`serve.${bigFlows}.${variant}.lines`, text.split('\n').length - 1);
      record(`serve.${bigFlows}.${variant}.rss_mib`, rssMiB(serve.child.pid));
      notes[`serve_${bigFlows}_${variant}`] = `RSS ${rss0.toFixed(0)} MiB at start, ${rssMiB(serve.child.pid).toFixed(0)} MiB after two scrapes; ${series} flows with series`;
      await serve.stop();
      serve = undefined;
    }
  } finally {
    await serve?.stop();
    await holder.stop();
    ctx.close();
  }
}
