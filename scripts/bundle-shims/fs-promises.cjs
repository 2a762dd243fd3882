// Stands in for node:fs/promises inside oclif in the bundle (scripts/bundle.mjs).
// oclif reads package.json and its manifest and tests a few paths through it
// at every start; loading node:fs/promises (with its readline interface, file
// watchers and directory streams) cost more than those reads. The same calls,
// on the synchronous functions: a command waits for them anyway.
/* global module, require */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS stand-in, bundled as one */
'use strict';
const fs = require('node:fs');

module.exports = {
  access: async (path, mode) => fs.accessSync(path, mode),
  readFile: async (path, options) => fs.readFileSync(path, options),
  readdir: async (path, options) => fs.readdirSync(path, options),
  stat: async (path, options) => fs.statSync(path, options),
  lstat: async (path, options) => fs.lstatSync(path, options),
  realpath: async (path, options) => fs.realpathSync(path, options),
};
