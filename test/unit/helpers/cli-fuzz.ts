// Every command, every flag that takes a value and every argument, fed values
// a hostile or careless user would type. Run in-process through oclif (one
// Config, no process start per case), capturing stdout, stderr and the exit code.
import { Config } from '@oclif/core';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';

export const HOSTILE_VALUES: readonly string[] = [
  '',
  ' ',
  '-1',
  '0',
  '-9223372036854775809',
  '18446744073709551616',
  '1e99',
  'NaN',
  '0x10',
  'abc',
  '🦀 ünïcødé',
  'a\nb',
  '\u001b[31mred',
  '%s%n%x',
  'x'.repeat(65_536),
];

export interface FuzzCase {
  readonly id: string;
  readonly argv: readonly string[];
}

export interface FuzzRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function loadCli(): Promise<Config> {
  // Hundreds of commands in one process add listeners a real one-command process never accumulates.
  EventEmitter.defaultMaxListeners = 0;
  for (const stream of [process.stdin, process.stdout, process.stderr]) stream.setMaxListeners(0);
  return Config.load(fileURLToPath(new URL('../../../../', import.meta.url)));
}

/** Each value for each option flag and each argument of each command (help excepted: it prints, it does not fail). */
export function fuzzCases(config: Config, values: readonly string[] = HOSTILE_VALUES): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (const command of config.commands) {
    if (command.id === 'help') continue;
    for (const [name, flag] of Object.entries(command.flags)) {
      if (flag.type !== 'option') continue;
      for (const value of values) cases.push({ id: command.id, argv: [`--${name}`, value] });
    }
    for (const name of Object.keys(command.args ?? {})) {
      for (const value of values) if (!value.startsWith('-')) cases.push({ id: command.id, argv: [value] });
      void name;
    }
  }
  cases.push({ id: 'stats', argv: ['--no-such-flag'] }, { id: 'conn', argv: ['1', '2', '3'] });
  return cases;
}

type Write = typeof process.stdout.write;

/** Runs one case in this process; output is captured, not printed. */
export async function runInProcess(config: Config, fuzz: FuzzCase): Promise<FuzzRun> {
  let stdout = '';
  let stderr = '';
  const capture = (append: (text: string) => void): Write =>
    ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown) => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') process.nextTick(done as () => void);
      return true;
    }) as Write;
  const saved = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = capture((text) => (stdout += text));
  process.stderr.write = capture((text) => (stderr += text));
  process.exitCode = 0;
  let code = 0;
  try {
    await config.runCommand(fuzz.id, [...fuzz.argv]);
    code = Number(process.exitCode ?? 0);
  } catch (error) {
    // Only oclif's own exit travels this far; anything else is a crash.
    const oclif = (error as { oclif?: { exit?: number } }).oclif;
    code = oclif?.exit ?? 99;
    stderr += `UNCAUGHT ${String((error as Error).stack ?? error)}`;
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    process.exitCode = 0;
  }
  return { code, stdout, stderr };
}

/** What every failure must look like: one line `mutexctl: ...`, no stack trace. */
export function failureProblems(run: FuzzRun, allowedCodes: readonly number[]): string[] {
  const problems: string[] = [];
  if (!allowedCodes.includes(run.code)) problems.push(`exit ${run.code}`);
  if (run.stdout !== '') problems.push(`stdout: ${JSON.stringify(run.stdout.slice(0, 80))}`);
  const lines = run.stderr.split('\n');
  if (lines.length !== 2 || lines[1] !== '') problems.push(`${lines.length - 1} lines on stderr`);
  if (!run.stderr.startsWith('mutexctl: ')) problems.push(`stderr: ${JSON.stringify(run.stderr.slice(0, 120))}`);
  if (/\n\s+at |UNCAUGHT/.test(run.stderr)) problems.push('stack trace');
  if (run.stderr.length > 2000) problems.push(`${run.stderr.length} characters on stderr`);
  return problems;
}
