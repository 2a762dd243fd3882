// Loads a bundle (dist/mutexctl.cjs, dist/fast.cjs: see scripts/bundle.mjs) as a CommonJS module, but
// through vm.Script with V8's code cache, so a start skips compiling it. It is
// registered in require's cache, so oclif, which require()s it for the
// command list, gets this same instance.
'use strict';
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname } = require('node:path');
const { Script } = require('node:vm');

// A bundle that begins with this is its own CommonJS wrapper (dist/fast.cjs):
// compiled as it is, without the copy of the whole text that wrapping it here
// makes when V8 flattens the joined string.
const WRAPPED = '(function (exports, require, module, __filename, __dirname) {';

/** The text V8 compiles for a bundle's source. */
const scriptSource = (source) => (source.startsWith(WRAPPED) ? source : Module.wrap(source));

/** Compiles and runs the bundle at `file` as a CommonJS module; returns the script (for its cache) and the module. */
function compileBundle(file, source, cachedData) {
  const script = new Script(scriptSource(source), { filename: file, cachedData });
  const module = new Module(file, undefined);
  module.filename = file;
  module.paths = Module._nodeModulePaths(dirname(file));
  const require = Module.createRequire(file);
  Module._cache[file] = module;
  script.runInThisContext()(module.exports, require, module, file, dirname(file));
  module.loaded = true;
  return { script, module };
}

/** The bundle's exports, using its code cache when there is a usable one. */
function loadBundle(file) {
  let cachedData;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    // no cache: compile as usual
  }
  // ASCII (scripts/bundle.mjs checks): read as Latin-1, one copy and no UTF-8 decoding.
  return compileBundle(file, readFileSync(file, 'latin1'), cachedData).module.exports;
}

module.exports = { WRAPPED, compileBundle, loadBundle, scriptSource };
