#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/main.js, from tsc) with oclif and the
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

// oclif's parser, OS helpers and timing require readline, child_process and
// perf_hooks when loaded, though a command like `stats` uses none of them;
// with what they pull in (streams, dgram, histograms) they were a tenth of a
// start in the TCG guest. Inside oclif they become objects that require the
// module on first use (oclif only reads their members at call time).
const LAZY_BUILTINS = ['node:readline', 'node:child_process', 'node:perf_hooks'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(build) {
    const filter = new RegExp(`^(${LAZY_BUILTINS.join('|')})$`);
    build.onResolve({ filter }, (args) =>
      args.importer.includes('/node_modules/@oclif/core/') ? { path: args.path, namespace: 'lazy-builtin' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      contents: `let loaded; module.exports = new Proxy({}, { get: (_, key) => (loaded ??= require(${JSON.stringify(args.path)}))[key] });`,
      loader: 'js',
    }));
  },
};

// oclif sorts the command list with localeCompare at every start; the first
// localeCompare builds an ICU collator, ~0.35 s in the TCG guest, for ids
// that are plain ASCII. Code-unit order gives the same order for them.
const PLAIN_SORT = { file: '/node_modules/@oclif/core/lib/config/plugin.js', from: 'a.id.localeCompare(b.id)', to: '(a.id < b.id ? -1 : a.id > b.id ? 1 : 0)' };
const plainSort = {
  name: 'plain-sort',
  setup(build) {
    build.onLoad({ filter: /@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      // Fail the build rather than lose the patch silently on an oclif upgrade.
      if (!args.path.endsWith(PLAIN_SORT.file) || !source.includes(PLAIN_SORT.from)) throw new Error(`${args.path}: no ${PLAIN_SORT.from} to replace`);
      return { contents: source.replace(PLAIN_SORT.from, PLAIN_SORT.to), loader: 'js' };
    });
  },
};

await build({
  plugins: [lazyBuiltins, plainSort],
  absWorkingDir: root,
  entryPoints: ['dist/src/main.js'],
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
  // semver, wsl-utils: small stand-ins (see the files).
  alias: { semver: './scripts/bundle-shims/semver.cjs', 'wsl-utils': './scripts/bundle-shims/wsl-utils.mjs' },
  // Whitespace and syntax only: class and function names stay as they are
  // (oclif and error messages print some of them). BUNDLE_READABLE=1 keeps
  // the line breaks, so a CPU profile of the bundle names useful lines.
  minifyWhitespace: process.env.BUNDLE_READABLE !== '1',
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
