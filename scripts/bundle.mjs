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
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WRAPPED, compileBundle } from '../bin/load-bundle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist/mutexctl.cjs');

// Modules oclif requires when it is loaded, though a command like `stats`
// never calls them: node:readline, child_process and perf_hooks (with what
// they pull in: streams, dgram, histograms), the help and error renderers
// (wrap-ansi, string-width, ...), ejs for help templates, the globbing of
// command files (explicit command lists need none) and the spinners. Inside
// oclif each becomes a stand-in that requires the real module on first use:
// oclif reads their members, or calls them, only at call time. Together they
// were a quarter of a start on the host (node --cpu-prof, bench/startup.mjs).
const LAZY_MODULES = [
  'node:readline', 'node:child_process', 'node:perf_hooks',
  'ejs', 'wrap-ansi', 'clean-stack', 'indent-string', 'tinyglobby', 'minimatch', 'string-width', 'lilconfig',
  '../help', '../help/index', '../../help', './help', './ux', '../ux', '../ux/index', './flush',
  '../../ux/theme', '../ux/theme', './ux/theme', '../../screen', '../screen', './screen',
];
// The same for mutexctl's own modules: what only some commands use, and what
// only tables use (chalk, whose colour detection loads node:tty; cli-table3,
// with its string-width and emoji tables): not --json, not --csv, not a failure.
const LAZY_OWN_MODULES = ['node:fs/promises', 'node:timers/promises', 'node:http', 'node:https', 'node:net', 'node:zlib', 'chalk', 'cli-table3'];
// oclif's own uses of node:fs/promises, on the synchronous calls (see the file).
const OCLIF_SHIMS = { 'node:fs/promises': join(root, 'scripts/bundle-shims/fs-promises.cjs') };
const require = createRequire(import.meta.url);
/** The names a module exports, or undefined for a CommonJS module that is a function (it gets a Proxy). */
async function exportNamesOf(path) {
  try {
    const cjs = require(path);
    return typeof cjs === 'function' ? undefined : Object.keys(cjs);
  } catch (error) {
    if (error.code !== 'ERR_REQUIRE_ESM') throw error;
    return Object.keys(await import(pathToFileURL(path).href));
  }
}
const lazyModules = {
  name: 'lazy-modules',
  setup(build) {
    build.onResolve({ filter: /^node-gyp-build$/ }, (args) =>
      args.importer.includes('/node_modules/netlink/') ? { path: join(root, 'scripts/bundle-shims/node-gyp-build.cjs') } : { path: args.path, external: true },
    );
    const wanted = new Set(LAZY_MODULES);
    const wantedOwn = new Set(LAZY_OWN_MODULES);
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'real') return undefined;
      const inOclif = args.importer.includes('/node_modules/@oclif/core/');
      if (inOclif && OCLIF_SHIMS[args.path]) return { path: OCLIF_SHIMS[args.path] };
      const own = args.importer.startsWith(join(root, 'dist/src/'));
      if (!(inOclif && wanted.has(args.path)) && !(own && wantedOwn.has(args.path))) return undefined;
      // mutexctl's modules are ES modules: esbuild copies the names of what they
      // import when they load, so their stand-in names every export up front.
      if (args.path.startsWith('node:')) return { path: args.path, namespace: 'lazy-module', pluginData: { target: args.path, esModule: false, exportNames: Object.keys(require(args.path)) } };
      const real = await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: 'real' });
      if (real.errors.length > 0) return { errors: real.errors };
      // Ours: a CommonJS function (cli-table3's Table) stands in as a Proxy that constructs it.
      if (own) return { path: `${real.path}?lazy`, namespace: 'lazy-module', pluginData: { target: real.path, esModule: false, own, exportNames: await exportNamesOf(real.path) } };
      // __importDefault() asks for __esModule when oclif loads: answered without loading.
      return { path: `${real.path}?lazy`, namespace: 'lazy-module', pluginData: { target: real.path, esModule: require(real.path).__esModule === true } };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-module' }, (args) => ({
      contents: `let loaded; const load = () => (loaded ??= require(${JSON.stringify(args.pluginData.target)}));
${
  args.pluginData.exportNames
    ? `for (const name of ${JSON.stringify(args.pluginData.exportNames)}) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });`
    : `module.exports = new Proxy(${args.pluginData.own ? 'function () {}' : '() => {}'}, {
  get: (_, key) => (key === '__esModule' ? ${args.pluginData.esModule} : load()[key]),
  has: (_, key) => key in load(),
  apply: (_, self, argv) => Reflect.apply(load(), self, argv),${args.pluginData.own ? '\n  construct: (_, argv) => Reflect.construct(load(), argv),' : ''}
});`
}`,
      loader: 'js',
      resolveDir: dirname(args.pluginData.target.startsWith('node:') ? outfile : args.pluginData.target),
    }));
  },
};

// Edits to dependencies' sources, each one checked: the build fails rather
// than lose one silently on an upgrade.
const PATCHES = [
  // oclif sorts the command list with localeCompare at every start; the first
  // localeCompare builds an ICU collator, ~0.35 s in the TCG guest, for ids
  // that are plain ASCII. Code-unit order gives the same order for them.
  { file: /@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin\.js$/, from: 'a.id.localeCompare(b.id)', to: '(a.id < b.id ? -1 : a.id > b.id ? 1 : 0)' },
  // ansis writes U+009B (CSI) raw in a regular expression, and esbuild leaves
  // regular expressions as they are. One character above U+007F makes V8 hold
  // the whole bundle as a two-byte string: twice the memory to fill and hash
  // at every start. The escape is the same character to the RegExp.
  { file: /[\\/]node_modules[\\/]ansis[\\/]index\.js$/, from: '[\u001b\u009b]', to: '[\\x1b\\x9b]' },
];
const patches = {
  name: 'patches',
  setup(build) {
    for (const patch of PATCHES) {
      build.onLoad({ filter: patch.file }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes(patch.from)) throw new Error(`${args.path}: no ${JSON.stringify(patch.from)} to replace`);
        return { contents: source.replaceAll(patch.from, patch.to), loader: 'js' };
      });
    }
  },
};

/**
 * Bundles `entry` (tsc's output) into `out`, which must stay ASCII (see
 * PATCHES, ansis); `wrapped`: a file bin/load-bundle.js compiles as it is
 * (WRAPPED), which require() cannot load.
 */
async function bundle(entry, out, { define = {}, wrapped = false } = {}) {
  const bundleUrl = "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;";
  await build({
    plugins: [lazyModules, patches],
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // typescript (and ts-node/tsx) are only for oclif's development mode. The
    // netlink package's raw socket is bundled; its native binding is found by
    // scripts/bundle-shims/node-gyp-build.cjs.
    external: ['koffi', 'netlink/package.json', 'typescript', 'ts-node', 'tsx', 'tsx/*'],
    // src/netlink/sockopt.ts require()s koffi relative to import.meta.url.
    define: { 'import.meta.url': '__bundleUrl', ...define },
    banner: { js: wrapped ? `${WRAPPED}\n${bundleUrl}` : bundleUrl },
    footer: { js: wrapped ? '})' : '' },
    // semver, wsl-utils, debug: small stand-ins (see the files).
    alias: { semver: './scripts/bundle-shims/semver.cjs', 'wsl-utils': './scripts/bundle-shims/wsl-utils.mjs', debug: './scripts/bundle-shims/debug.cjs' },
    // Whitespace and syntax only: class and function names stay as they are
    // (oclif and error messages print some of them). BUNDLE_READABLE=1 keeps
    // the line breaks, so a CPU profile of the bundle names useful lines.
    minifyWhitespace: process.env.BUNDLE_READABLE !== '1',
    minifySyntax: true,
    legalComments: 'linked',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  const nonAscii = readFileSync(out).findIndex((byte) => byte > 0x7f);
  if (nonAscii >= 0) throw new Error(`${out}: a byte above 0x7F at offset ${nonAscii}; escape it with a patch (see PATCHES)`);
  rmSync(`${out}.cache`, { force: true });
}

await bundle('dist/src/main.js', outfile);

// oclif's command manifest: without it, every start loads and describes all
// commands (flags, help additions) just to find one.
const manifestFile = join(root, 'oclif.manifest.json');
rmSync(manifestFile, { force: true }); // a stale one must not describe the new commands
const { module } = compileBundle(outfile, readFileSync(outfile, 'latin1'), undefined);
if (typeof module.exports.run !== 'function') throw new Error(`${outfile} exports no run()`);
const tableErrors = module.exports.commandTableErrors();
if (tableErrors.length > 0) throw new Error(`src/main.ts: TAKES_ARGUMENTS is out of date:\n${tableErrors.join('\n')}`);
writeFileSync(manifestFile, `${JSON.stringify(await module.exports.manifest(root))}\n`);

// src/fast.ts's table: for each command it runs, each pick of at most one
// flag of each group, in every order, as oclif parses it. A pick goes in
// only if every order parses (and BaseCommand.init leaves it as typed) to the
// same flags, which survive JSON; anything else stays oclif's to parse.
// An id flag's unit (`--fd #`) is tried with both ends of the values the
// entry takes for `#`, and kept only if oclif reads each as that number.
const { FAST_IDS, FAST_ID_FLAGS, fastKey } = await import(pathToFileURL(join(root, 'dist/src/fast.js')).href);
const FAST_FLAG_GROUPS = [['--json', '-j', '--csv'], ['--no-header'], ['--rate'], ...Object.keys(FAST_ID_FLAGS).map((flag) => [`${flag} #`])];
const ID_SAMPLES = ['1', '4294967295'];
const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const runJs = readFileSync(join(root, 'bin/run.js'), 'utf8');
if (!runJs.includes(`const FAST_IDS = ${JSON.stringify(FAST_IDS).replaceAll('"', "'").replaceAll(',', ', ')};`)) throw new Error(`bin/run.js: FAST_IDS must be src/fast.ts's, ${JSON.stringify(FAST_IDS)}`);
const picks = FAST_FLAG_GROUPS.reduce((all, group) => all.flatMap((pick) => [pick, ...group.map((flag) => [...pick, flag])]), [[]]);
const orders = (xs) => (xs.length <= 1 ? [xs] : xs.flatMap((x, i) => orders([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest])));
const fastTable = {};
const typedAs = (units, sample) => units.flatMap((unit) => (unit.endsWith(' #') ? [unit.slice(0, -2), sample] : [unit]));
const idValues = (pick, sample) => Object.fromEntries(pick.filter((unit) => unit.endsWith(' #')).map((unit) => [FAST_ID_FLAGS[unit.slice(0, -2)], Number(sample)]));
for (const id of FAST_IDS) {
  for (const pick of picks) {
    const samples = pick.some((unit) => unit.endsWith(' #')) ? ID_SAMPLES : ID_SAMPLES.slice(0, 1);
    const tries = samples.flatMap((sample) => orders(pick).map((units) => ({ argv: typedAs(units, sample), values: idValues(pick, sample) })));
    const parsed = [];
    for (let i = 0; i < tries.length; i += 8) {
      // Eight at a time: each loads oclif's configuration, with listeners on stdin.
      const chunk = tries.slice(i, i + 8);
      parsed.push(...(await Promise.all(chunk.map(({ argv, values }) => module.exports.parseFor(root, id, argv).then((p) => ({ ...p, typed: argv, values }), () => undefined)))));
    }
    const flags = parsed[0]?.flags;
    const same = parsed.every((p) => p && isDeepStrictEqual(p.argv, p.typed) && isDeepStrictEqual(p.flags, { ...flags, ...p.values }));
    if (same && isDeepStrictEqual(JSON.parse(JSON.stringify(flags)), flags)) {
      // The sample value is not kept: src/fast.ts puts in the argv's own.
      const kept = Object.fromEntries(Object.entries(flags).filter(([key]) => !Object.hasOwn(idValues(pick, ID_SAMPLES[0]), key)));
      fastTable[fastKey([id, ...typedAs(pick, ID_SAMPLES[0])])] = { id, flags: kept };
    }
  }
  if (!Object.values(fastTable).some((entry) => entry.id === id)) throw new Error(`src/fast.ts: oclif parses no argv of ${id} alike`);
}
const fastFile = join(root, 'dist/fast.cjs');
await bundle('dist/src/fast.js', fastFile, { define: { FAST_TABLE: JSON.stringify(fastTable), FAST_BIN: JSON.stringify(pjson.oclif.bin) }, wrapped: true });

// V8's code cache holds the functions compiled before it is made. Made after
// one whole start (`stats --json`: for the main bundle through oclif's
// configuration, the flag parser and a command; then the netlink client, an
// answer or the "not loaded" error), it spares every later start compiling
// them again, not just the bundle's top level. In a child process: a start
// sets process-wide state (argv, exit code).
function warmCache(file, start) {
  const warm = spawnSync(process.execPath, ['-e', `
    const { compileBundle } = require(${JSON.stringify(join(root, 'bin/load-bundle.js'))});
    const { readFileSync, writeFileSync } = require('node:fs');
    const file = ${JSON.stringify(file)};
    const { script, module } = compileBundle(file, readFileSync(file, 'latin1'), undefined);
    process.argv = [process.argv[0], ${JSON.stringify(join(root, 'bin/run.js'))}, 'stats', '--json'];
    process.on('exit', () => writeFileSync(file + '.cache', script.createCachedData()));
    ${start};
  `], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (!existsSync(`${file}.cache`)) throw new Error(`no code cache written for ${file}: ${warm.stderr}`);
  // V8 drops a cache made under other flags or for other source, silently: check that a start takes it.
  const check = spawnSync(process.execPath, ['-e', `
    const { readFileSync } = require('node:fs');
    const { scriptSource } = require(${JSON.stringify(join(root, 'bin/load-bundle.js'))});
    const file = ${JSON.stringify(file)};
    const script = new (require('node:vm').Script)(scriptSource(readFileSync(file, 'latin1')), { filename: file, cachedData: readFileSync(file + '.cache') });
    process.exitCode = script.cachedDataRejected ? 1 : 0;
  `], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`${file}.cache: V8 rejects it ${check.stderr}`);
}
warmCache(outfile, `module.exports.run(${JSON.stringify(pathToFileURL(join(root, 'package.json')).href)})`);
warmCache(fastFile, `if (!module.exports.run(['stats', '--json'])) throw new Error('src/fast.ts does not take stats --json')`);
