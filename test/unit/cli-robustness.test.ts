// Every command and flag fed hostile values, on this machine (the module is not
// loaded here, so a value that passes the checks ends at "not loaded", exit 3).
// test/vm/cli-robustness.test.ts does the same against the real module.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ExitCode } from '../../src/errors.js';
import { oneLine } from '../../src/output/text.js';
import { takesArguments, unknownCommandMessage } from '../../src/cli/unknown-command.js';
import { fileURLToPath } from 'node:url';
import { runNode } from './helpers/run-node.js';
import { failureProblems, fuzzCases, loadCli, runInProcess } from './helpers/cli-fuzz.js';

describe('CLI robustness', () => {
  it('every bad value of every flag and argument is one line, exit 2 (or 3: not loaded), no stack trace', async () => {
    const config = await loadCli();
    const cases = fuzzCases(config);
    assert.ok(cases.length > 400, `${cases.length} cases`);
    const failures: string[] = [];
    let usage = 0;
    for (const fuzz of cases) {
      const run = await runInProcess(config, fuzz);
      if (run.code === ExitCode.usage) usage++;
      const problems = failureProblems(run, [ExitCode.usage, ExitCode.failure, ExitCode.moduleNotLoaded]);
      if (problems.length) {
        failures.push(`${fuzz.id} ${fuzz.argv.map((a) => JSON.stringify(a.slice(0, 20))).join(' ')}: ${problems.join('; ')}: ${JSON.stringify(run.stderr.slice(0, 300))}`);
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(usage > cases.length * 0.8, `${usage} of ${cases.length} were usage errors`);
  });

  it('unknown commands fail like usage errors, with a suggestion', async () => {
    const config = await loadCli();
    const table = new Map(config.commands.map((command) => [command.id, takesArguments(command)]));
    const message = (argv: string[]) => unknownCommandMessage(argv, table, 'mutexctl');
    assert.equal(message(['stast']), 'mutexctl: unknown command "stast"; did you mean "stats"? (see `mutexctl --help`)');
    assert.equal(message(['thresholds', 'sett', 'latency=1ms']), 'mutexctl: unknown command "thresholds sett"; did you mean "thresholds set"? (see `mutexctl thresholds --help`)');
    assert.equal(message(['fd', '3', '--json']), undefined, 'fd takes an id');
    assert.equal(message(['fd', 'run', '--', 'true']), undefined);
    assert.equal(message(['thresholds', 'set', 'latency=1ms']), undefined, 'set takes assignments');
    assert.equal(message(['--help']), undefined);
    assert.equal(message(['fd', 'runn']), 'mutexctl: unknown command "fd runn"; did you mean "fd run"? (see `mutexctl fd --help`)');
    assert.equal(message(['fd', '12']), undefined, 'an id, not a near miss of run');
    assert.equal(message(['stats', 'foo']), 'mutexctl: unexpected argument "foo": stats takes none (see `mutexctl stats --help`)');
    assert.equal(message(['help', 'stast']), 'mutexctl: unknown command "stast"; did you mean "stats"? (see `mutexctl --help`)');
    assert.equal(message(['help', 'fd', 'run']), undefined);
    assert.equal(message(['-v']), 'mutexctl: unknown flag "-v"; did you mean "-V"? (see `mutexctl --help`)');
    assert.equal(message(['-V']), undefined);
    assert.equal(message(['-h']), undefined);
    assert.equal(message(['stast\u001b[2J']), 'mutexctl: unknown command "stast\\x1b[2J" (see `mutexctl --help`)', 'escaped, never raw');
    const run = await runNode(['bin/run.js', 'xyzzy'], { cwd: fileURLToPath(new URL('../../../', import.meta.url)) });
    assert.equal(run.code, ExitCode.usage);
    assert.equal(run.stderr, 'mutexctl: unknown command "xyzzy" (see `mutexctl --help`)\n');
  });

  it("the real binary: whatever comes before or instead of a command fails in mutexctl's one form, never oclif's", async () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const hostile: string[][] = [
      ['-v'],
      ['-x'],
      ['--bogus', 'stats'],
      ['--json', 'stats'],
      ['help', 'bogus'],
      ['help', '\u001b[31mred'],
      ['\u001b]0;pwned\u0007'],
      ['x'.repeat(5000)],
      [''],
      ['fd', 'runn'],
      ['fd', 'run\nfake'],
      ['stats', 'foo'],
      ['thresholds', 'sett'],
      ['alerts', 'clear', 'x'],
      ['conn', '--sort=--id'],
      ['stats', '--json=false'],
    ];
    const failures: string[] = [];
    const runs = await Promise.all(hostile.map((argv) => runNode(['bin/run.js', ...argv], { cwd: root })));
    runs.forEach((run, i) => {
      const problems = failureProblems({ code: run.code ?? 99, stdout: run.stdout, stderr: run.stderr }, [ExitCode.usage]);
      if (/›|Error:/.test(run.stderr)) problems.push("oclif's form");
      if ([...run.stderr].some((c) => c.charCodeAt(0) < 0x20 && c !== '\n')) problems.push('a raw control character');
      if (run.stderr.length > 1000) problems.push(`${run.stderr.length} characters`);
      if (problems.length > 0) failures.push(`${JSON.stringify(hostile[i]!.map((a) => a.slice(0, 20)))}: ${problems.join('; ')}: ${JSON.stringify(run.stderr.slice(0, 200))}`);
    });
    assert.deepEqual(failures, []);
  });

  it('gives every command examples in --help', async () => {
    const config = await loadCli();
    const without = config.commands.filter((command) => command.id !== 'help' && (command.examples ?? []).length === 0).map((command) => command.id);
    assert.deepEqual(without, []);
  });

  it('keeps messages on one line whatever was typed', () => {
    assert.equal(oneLine('bad "a\nb\u001b[31m"'), 'bad "a\\nb\\x1b[31m"');
    assert.match(oneLine(`got "${'x'.repeat(5000)}"`), /^got "x{59}…\(5002 characters\)…x{19}"$/);
  });
});
