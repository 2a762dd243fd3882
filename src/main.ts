// The CLI's single entry point, bundled by scripts/bundle.mjs (with oclif and
// every pure-JS dependency) into dist/mutexctl.cjs, which bin/run.js loads.
// One file instead of hundreds: under a slow filesystem (the QEMU guest's 9p
// root) node's module resolution, not the work, was most of a command's time.
//
// package.json names this file's bundle and COMMANDS as oclif's explicit
// command list, so oclif neither globs dist/src/commands nor imports a file
// per command. Adding a command means adding it here (LOADERS and
// TAKES_ARGUMENTS). stats and fd usually start from src/fast.ts instead.
import { Config, execute, Plugin, type Command } from '@oclif/core';
import type { BaseCommand } from './cli/base-command.js';
import { takesArguments, unknownCommandMessage } from './cli/unknown-command.js';

/* eslint-disable @typescript-eslint/no-require-imports -- esbuild turns each require() into a module initialised on first use */
const LOADERS: Record<string, () => Command.Class> = {
  alerts: () => require('./commands/alerts/index.js').default,
  'alerts:clear': () => require('./commands/alerts/clear.js').default,
  conn: () => require('./commands/conn.js').default,
  export: () => require('./commands/export.js').default,
  fd: () => require('./commands/fd/index.js').default,
  'fd:run': () => require('./commands/fd/run.js').default,
  help: () => require('@oclif/plugin-help').commands.help,
  serve: () => require('./commands/serve.js').default,
  stats: () => require('./commands/stats.js').default,
  thresholds: () => require('./commands/thresholds/index.js').default,
  'thresholds:apply': () => require('./commands/thresholds/apply.js').default,
  'thresholds:reset': () => require('./commands/thresholds/reset.js').default,
  'thresholds:set': () => require('./commands/thresholds/set.js').default,
};
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * The commands by oclif id. Each one's modules (and what only it uses: YAML,
 * HTTP, ...) load when oclif first asks for it: running one command loads
 * that one alone, as oclif reads the rest from its manifest.
 */
export const COMMANDS: Readonly<Record<string, Command.Class>> = Object.defineProperties(
  {},
  Object.fromEntries(Object.entries(LOADERS).map(([id, load]) => [id, { enumerable: true, get: load }])),
);

/** Whether each command takes words after its name (takesArguments), known without loading it; the build checks it (commandTableErrors). */
const TAKES_ARGUMENTS: ReadonlyMap<string, boolean> = new Map([
  ['alerts', false],
  ['alerts:clear', false],
  ['conn', true],
  ['export', false],
  ['fd', true],
  ['fd:run', true],
  ['help', true],
  ['serve', false],
  ['stats', false],
  ['thresholds', false],
  ['thresholds:apply', true],
  ['thresholds:reset', false],
  ['thresholds:set', true],
]);

/** Where TAKES_ARGUMENTS disagrees with the commands themselves, for scripts/bundle.mjs. */
export function commandTableErrors(): string[] {
  const ids = new Set([...Object.keys(COMMANDS), ...TAKES_ARGUMENTS.keys()]);
  return [...ids].filter((id) => COMMANDS[id] === undefined || TAKES_ARGUMENTS.get(id) !== takesArguments(COMMANDS[id]!)).map((id) => `${id}: takes arguments is ${takesArguments(COMMANDS[id] ?? {})}, the table says ${TAKES_ARGUMENTS.get(id)}`);
}

/** oclif's manifest of these commands (what `oclif manifest` writes), for scripts/bundle.mjs. */
export async function manifest(root: string): Promise<unknown> {
  const plugin = new Plugin({ root, isRoot: true, ignoreManifest: true, errorOnManifestCreate: true });
  await plugin.load();
  return plugin.manifest;
}

/** What oclif makes of `argv` for the command `id`: its flags, and the argv BaseCommand.init leaves; for src/fast.ts's table (scripts/bundle.mjs). */
export async function parseFor(root: string, id: string, argv: string[]): Promise<{ flags: unknown; argv: string[] }> {
  const command = COMMANDS[id];
  if (command === undefined) throw new Error(`no command ${id}`);
  const Probe = class extends (command as unknown as typeof BaseCommand) {
    async probe(): Promise<{ flags: unknown; argv: string[] }> {
      await this.init();
      const { flags } = await this.parse(command);
      return { flags, argv: this.argv };
    }

    async run(): Promise<void> {}
  };
  return new Probe(argv, await Config.load(root)).probe();
}

/** Runs the CLI; `dir` is the file URL of the package's package.json (oclif finds the package from it). */
export async function run(dir: string, options: { development?: boolean } = {}): Promise<void> {
  const unknown = unknownCommandMessage(process.argv.slice(2), TAKES_ARGUMENTS, 'mutexctl');
  if (unknown !== undefined) {
    process.stderr.write(`${unknown}\n`);
    process.exitCode = 2;
    return;
  }
  await execute({ dir, development: options.development ?? false });
}
