// The CLI's single entry point, bundled by scripts/bundle.mjs (with oclif and
// every pure-JS dependency) into dist/mutexctl.cjs, which bin/run.js loads.
// One file instead of hundreds: under a slow filesystem (the QEMU guest's 9p
// root) node's module resolution, not the work, was most of a command's time.
//
// package.json names this file's bundle and COMMANDS as oclif's explicit
// command list, so oclif neither globs dist/src/commands nor imports a file
// per command. Adding a command means adding it here.
import { execute, Plugin } from '@oclif/core';
import { commands as helpCommands } from '@oclif/plugin-help';
import { takesArguments, unknownCommandMessage } from './cli/unknown-command.js';
import Alerts from './commands/alerts/index.js';
import AlertsClear from './commands/alerts/clear.js';
import Conn from './commands/conn.js';
import Export from './commands/export.js';
import Fd from './commands/fd/index.js';
import FdRun from './commands/fd/run.js';
import Serve from './commands/serve.js';
import Stats from './commands/stats.js';
import Thresholds from './commands/thresholds/index.js';
import ThresholdsApply from './commands/thresholds/apply.js';
import ThresholdsReset from './commands/thresholds/reset.js';
import ThresholdsSet from './commands/thresholds/set.js';

export const COMMANDS = {
  alerts: Alerts,
  'alerts:clear': AlertsClear,
  conn: Conn,
  export: Export,
  fd: Fd,
  'fd:run': FdRun,
  help: helpCommands.help,
  serve: Serve,
  stats: Stats,
  thresholds: Thresholds,
  'thresholds:apply': ThresholdsApply,
  'thresholds:reset': ThresholdsReset,
  'thresholds:set': ThresholdsSet,
};

/** oclif's manifest of these commands (what `oclif manifest` writes), for scripts/bundle.mjs. */
export async function manifest(root: string): Promise<unknown> {
  const plugin = new Plugin({ root, isRoot: true, ignoreManifest: true, errorOnManifestCreate: true });
  await plugin.load();
  return plugin.manifest;
}

/** Runs the CLI; `dir` is the file URL of the package's package.json (oclif finds the package from it). */
export async function run(dir: string, options: { development?: boolean } = {}): Promise<void> {
  const table = new Map(Object.entries(COMMANDS).map(([id, command]) => [id, takesArguments(command)]));
  const unknown = unknownCommandMessage(process.argv.slice(2), table, 'mutexctl');
  if (unknown !== undefined) {
    process.stderr.write(`${unknown}\n`);
    process.exitCode = 2;
    return;
  }
  await execute({ dir, development: options.development ?? false });
}
