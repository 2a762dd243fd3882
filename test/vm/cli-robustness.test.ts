// Every command and flag fed hostile values against the real module: a
// failure is one line with exit 2 (usage) or 1 (runtime), and nothing in the
// kernel changed. Same cases as test/unit/cli-robustness.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { ExitCode } from '../../src/errors.js';
import { failureProblems, fuzzCases, loadCli, runInProcess } from '../unit/helpers/cli-fuzz.js';
import { Context, withClient } from './lib.js';

/** Everything a command could change: thresholds (global and of a context), the alert ring, the contexts. */
async function kernelState(fdId: number): Promise<string> {
  return withClient(async (client) => {
    const global = await client.doRequest<'thresholds'>('thresholds-get');
    const context = await client.doRequest<'thresholds'>('thresholds-get', { fd_id: fdId });
    const alerts = await client.dumpConsistent<'alert'>('alert-get');
    const fds = await client.dumpConsistent<'fd'>('fd-get');
    return JSON.stringify({ global, context, alerts: alerts.map((a) => a.seq), fds: fds.map((f) => [f.id, f.selector]) }, (_, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v,
    );
  });
}

describe('CLI robustness against the real module', () => {
  it('every bad value is one line, exit 1 or 2, and changes nothing', async () => {
    const ctx = Context.open('name=robust scope=all');
    const cwd = process.cwd();
    process.chdir(mkdtempSync('/tmp/robust-')); // export --output writes files named by the values
    try {
      const config = await loadCli();
      const before = await kernelState(ctx.id);
      const failures: string[] = [];
      let runs = 0;
      for (const fuzz of fuzzCases(config)) {
        // --watch would not end, and fd run would run a command: neither is in the cases (no values).
        const run = await runInProcess(config, fuzz);
        runs++;
        if (run.code === 0 && run.stderr === '') continue; // a value that happens to be valid
        const problems = failureProblems(run, [ExitCode.usage, ExitCode.failure]);
        if (problems.length) failures.push(`${fuzz.id} ${fuzz.argv.map((a) => JSON.stringify(a.slice(0, 20))).join(' ')}: ${problems.join('; ')}: ${JSON.stringify(run.stderr.slice(0, 200))}`);
      }
      assert.deepEqual(failures, []);
      assert.ok(runs > 400);
      assert.equal(await kernelState(ctx.id), before, 'nothing changed in the kernel');
    } finally {
      process.chdir(cwd);
      ctx.close();
    }
  });
});
