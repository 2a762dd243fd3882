#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/cli/main.js, from tsc) with oclif and the
// pure-JS dependencies into one CommonJS file, dist/mutexctl.cjs, and writes
// V8's code cache for it (dist/mutexctl.cjs.cache), which bin/run.js hands to
// vm.Script. Loading one file instead of ~370 (and ~1400 stat calls), without
// compiling it, is what makes a command start quickly on a slow machine such
// as the TCG guest with its 9p root.
// Native addons stay outside: koffi (loaded lazily, to set socket options) and
// netlink (its binding is found relative to its own files).
import { build } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileBundle } from '../bin/load-bundle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist/mutexctl.cjs');

await build({
  absWorkingDir: root,
  entryPoints: ['dist/src/cli/main.js'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // typescript (and ts-node/tsx) are only for oclif's development mode.
  external: ['koffi', 'netlink', 'netlink/*', 'typescript', 'ts-node', 'tsx', 'tsx/*'],
  // src/netlink/sockopt.ts require()s koffi relative to import.meta.url.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  // semver: a small stand-in (see the file).
  alias: { semver: './scripts/bundle-shims/semver.cjs' },
  // Whitespace and syntax only: class and function names stay as they are
  // (oclif and error messages print some of them).
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'linked',
  sourcemap: 'linked',
  logLevel: 'warning',
});

// Run the bundle's top level once (it defines the commands, starts nothing) so
// the cache holds the functions that run at every start, not just the outer one.
const manifestFile = join(root, 'oclif.manifest.json');
rmSync(manifestFile, { force: true }); // a stale one must not describe the new commands
const { script, module } = compileBundle(outfile, readFileSync(outfile, 'utf8'), undefined);
if (typeof module.exports.run !== 'function') throw new Error(`${outfile} exports no run()`);

// oclif's command manifest: without it, every start loads and describes all
// commands (flags, help additions) just to find one.
const manifest = await module.exports.manifest(root);
writeFileSync(manifestFile, `${JSON.stringify(manifest)}\n`);
writeFileSync(`${outfile}.cache`, script.createCachedData());
