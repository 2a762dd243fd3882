// Stands in for `node-gyp-build` when the bundle (scripts/bundle.mjs) loads the
// `netlink` package's raw socket. node-gyp-build finds the native binding by
// listing build/ and prebuilds/ and parsing the names there, about twenty file
// system calls per start, each a round trip over the guest's 9p root. The
// package ships its binding as prebuilds/<platform>-<arch>/node.napi.node:
// that file is loaded straight away; anything else (a binding built from
// source in build/, another platform) goes through node-gyp-build as before.
/* global module, require, process */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS stand-in, bundled as one */
'use strict';
const { existsSync } = require('node:fs');
const { dirname, join } = require('node:path');

module.exports = function loadNetlinkBinding() {
  const root = dirname(require.resolve('netlink/package.json'));
  if (!existsSync(join(root, 'build'))) {
    try {
      return require(join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'node.napi.node'));
    } catch {
      // not shipped for this platform: node-gyp-build searches
    }
  }
  return require('node-gyp-build')(root);
};
