#!/usr/bin/env node
// The CLI is two bundled files made by `npm run build` (scripts/bundle.mjs):
// dist/fast.cjs runs the commands started most often, for the argv whose
// parse it holds, without oclif (src/fast.ts); everything else is
// dist/mutexctl.cjs (src/main.ts). This file is CommonJS (bin/package.json):
// an ES module entry would start Node's ESM loader, which costs a third of a
// second on a slow machine and is of no use here.
'use strict';
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const { loadBundle } = require('./load-bundle.js');

// src/fast.ts's FAST_IDS (scripts/bundle.mjs checks): other commands skip loading dist/fast.cjs.
const FAST_IDS = ['stats', 'fd', 'conn'];

const argv = process.argv.slice(2);
if (!(FAST_IDS.includes(argv[0]) && loadBundle(join(__dirname, '../dist/fast.cjs')).run(argv))) {
  loadBundle(join(__dirname, '../dist/mutexctl.cjs')).run(pathToFileURL(join(__dirname, '../package.json')).href);
}
