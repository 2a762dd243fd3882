// Stands in for `debug` in the bundle (scripts/bundle.mjs). oclif logs through
// it at every start, though it prints only when DEBUG names a namespace; the
// real module loads node:tty (and with it net and the streams) and reads the
// environment when it is first required, a tenth of a command's start-up on
// the host. With DEBUG set (bin/dev.js, or a person debugging) the real
// module does everything, as before.
/* global module, require, process */
'use strict';

function createDebug(namespace) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when asked for, inside the bundle
  if (process.env.DEBUG) return require('../../node_modules/debug/src/index.js')(namespace);
  const off = () => {};
  off.namespace = namespace;
  off.enabled = false;
  off.log = off;
  off.destroy = () => false;
  off.extend = (child, delimiter) => createDebug(`${namespace}${delimiter ?? ':'}${child}`);
  return off;
}

module.exports = createDebug;
