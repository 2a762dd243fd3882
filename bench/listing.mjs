// The listing section of `npm run bench` (in the guest, module loaded):
// `mutexctl conn --csv` and `--json` against `ss -tan` for the same
// connections, BENCH_FLOWS of them (10 000 and 100 000), interleaved (the
// order rotates every round), each run's wall time with its output read
// through a pipe as a script would; then the peak RSS of one more run of each
// (GNU time's %M). Ratios are the median of the round-by-round ratios.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { HOLD_CONNECTIONS, PYTHON, openContext } from './flow-holder.mjs';

/** Budgets of issue 14: conn --csv / ss -tan by number of flows, and conn --json / conn --csv. */
export const LISTING_BUDGETS = { csvOverSs: { 10000: 1.5, 100000: 1.0 }, jsonOverCsv: 1.5 };

const GNU_TIME = '/usr/bin/time';

function timed(argv) {
  const start = process.hrtime.bigint();
  const run = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`${argv.join(' ')} exited ${run.status}: ${run.stderr}`);
  return { ms, stdout: run.stdout };
}

/** Peak resident set of one run of `argv`, in KiB (GNU time), its output thrown away. */
function peakRssKib(argv) {
  if (!existsSync(GNU_TIME)) return undefined;
  const run = spawnSync(GNU_TIME, ['-f', 'RSS %M', ...argv], { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  return Number(/RSS (\d+)/.exec(run.stderr)?.[1]) || undefined;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Measures the listings; `record(name, value)` keeps samples, `notes` facts.
 * reps rounds at 10 000 flows and fewer, bigReps above (a round of 100 000
 * takes a minute or more under TCG).
 */
export async function listing({ cli, flowCounts, reps, bigReps, record, notes, log, trackedFlows }) {
  log(`listing: mutexctl conn --csv / --json vs ss -tan, ${flowCounts.join(' and ')} flows`);
  writeFileSync('/proc/sys/net/ipv4/ip_local_port_range', '1024 65000');
  const ports = [7101, 7102, 7103, 7104];
  const ctx = openContext(`name=listing scope=all proto=tcp port=${ports.join(',')}`);
  const holder = spawn(PYTHON, ['-c', HOLD_CONNECTIONS, ports.join(',')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  holder.stdout.on('data', (d) => lines.push(...d.toString().trim().split('\n')));
  const grow = async (n) => {
    const seen = lines.length;
    holder.stdin.write(`${n}\n`);
    while (lines.length === seen) await sleep(50);
    if (Number(lines.at(-1)) !== n) throw new Error(`holder: ${lines.at(-1)}`);
  };
  const conn = (format) => [process.execPath, cli, 'conn', `--${format}`, '--fd', String(ctx.id)];
  try {
    for (const n of flowCounts) {
      const t0 = Date.now();
      await grow(n);
      log(`  ${n} connections open (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      // Each listing must show exactly the flows the kernel tracks; that it
      // tracks every connection is the VM tests' business (noted here).
      const tracked = await trackedFlows(ctx.id);
      if (tracked !== n) {
        log(`  the context tracks ${tracked} flows for ${n} connections`);
        notes[`listing_tracked_${n}`] = tracked;
      }
      const rounds = n > 50000 ? bigReps : reps;
      for (let round = 0; round < rounds; round++) {
        const order = ['ss', 'csv', 'json'];
        for (let k = 0; k < round % order.length; k++) order.push(order.shift());
        const ms = {};
        for (const which of order) {
          if (which === 'ss') {
            const run = timed(['ss', '-tan']);
            ms.ss = run.ms;
            notes[`listing_ss_lines_${n}`] = run.stdout.split('\n').length - 1;
          } else {
            const run = timed(conn(which));
            const count = which === 'csv' ? run.stdout.split('\r\n').length - 2 : JSON.parse(run.stdout).length;
            if (count !== tracked) throw new Error(`mutexctl conn --${which} listed ${count} flows, not the ${tracked} tracked`);
            ms[which] = run.ms;
          }
        }
        record(`listing.${n}.ss_ms`, ms.ss);
        record(`listing.${n}.csv_ms`, ms.csv);
        record(`listing.${n}.json_ms`, ms.json);
        record(`listing.${n}.csv_over_ss`, ms.csv / ms.ss);
        record(`listing.${n}.json_over_csv`, ms.json / ms.csv);
      }
      for (const format of ['csv', 'json']) {
        const kib = peakRssKib(conn(format));
        if (kib !== undefined) record(`listing.${n}.${format}_rss_kib`, kib);
      }
    }
  } finally {
    // The sockets go before the context does (see guest.mjs's flows section).
    const exited = new Promise((r) => holder.on('exit', r));
    holder.kill();
    await exited;
    ctx.close();
  }
}

/** The table rows of the listing samples: `median` of each, the budgets. */
export function listingRows(samples, median) {
  const rows = [];
  const m = (key) => (samples[key] ? median(samples[key]) : undefined);
  for (const n of Object.keys(samples).map((k) => /^listing\.(\d+)\.ss_ms$/.exec(k)?.[1]).filter(Boolean)) {
    const csvBudget = LISTING_BUDGETS.csvOverSs[n];
    const csvRatio = m(`listing.${n}.csv_over_ss`);
    const jsonRatio = m(`listing.${n}.json_over_csv`);
    rows.push({ label: `ss -tan, ${n} connections`, value: m(`listing.${n}.ss_ms`), unit: 'ms' });
    rows.push({
      label: `mutexctl conn --csv, ${n} flows`,
      value: m(`listing.${n}.csv_ms`),
      unit: 'ms',
      ratio: csvRatio,
      ...(csvBudget === undefined ? {} : { budget: `<= ${csvBudget} x ss`, ok: csvRatio <= csvBudget }),
      extra: `${samples[`listing.${n}.csv_ms`].length} rounds`,
    });
    rows.push({
      label: `mutexctl conn --json, ${n} flows`,
      value: m(`listing.${n}.json_ms`),
      unit: 'ms',
      ratio: jsonRatio,
      budget: `<= ${LISTING_BUDGETS.jsonOverCsv} x csv`,
      ok: jsonRatio <= LISTING_BUDGETS.jsonOverCsv,
    });
    for (const format of ['csv', 'json']) {
      const kib = m(`listing.${n}.${format}_rss_kib`);
      if (kib !== undefined) rows.push({ label: `  peak RSS, conn --${format}, ${n} flows`, value: kib / 1024, unit: 'MiB' });
    }
  }
  return rows;
}
