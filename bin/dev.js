#!/usr/bin/env node
// Runs the compiled commands (run `npm run build` first) with oclif's debug output on.
'use strict';
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const { loadBundle } = require('./load-bundle.js');

loadBundle(join(__dirname, '../dist/mutexctl.cjs')).run(pathToFileURL(join(__dirname, '../package.json')).href, { development: true });
