#!/usr/bin/env node
// The CLI is one bundled file, dist/mutexctl.cjs, made by `npm run build`
// (scripts/bundle.mjs); src/main.ts says why. This file is CommonJS
// (bin/package.json): an ES module entry would start Node's ESM loader, which
// costs a third of a second on a slow machine and is of no use here.
'use strict';
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const { loadBundle } = require('./load-bundle.js');

loadBundle(join(__dirname, '../dist/mutexctl.cjs')).run(pathToFileURL(join(__dirname, '../package.json')).href);
