// Stands in for `semver` in the bundle (scripts/bundle.mjs). oclif's only use
// is its start-up check of process.versions.node against package.json's
// engines.node; the real semver compiles ~40 regular expressions when loaded,
// which cost ~0.7 s of every command in the TCG guest. This covers the ranges
// that check meets (">=X[.Y[.Z]]", "^X..." and "X.x"); anything else passes.
/* global module */
'use strict';

function parts(version) {
  return String(version).replace(/^v/, '').split('.').map((n) => Number.parseInt(n, 10) || 0);
}

function compare(a, b) {
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  }
  return 0;
}

function satisfies(version, range) {
  const v = parts(version);
  return String(range)
    .split('||')
    .some((alternative) =>
      alternative.trim().split(/\s+/).every((term) => {
        let m = /^>=\s*v?(\d+(?:\.\d+){0,2})$/.exec(term);
        if (m) return compare(v, parts(m[1])) >= 0;
        m = /^\^v?(\d+(?:\.\d+){0,2})$/.exec(term);
        if (m) return v[0] === parts(m[1])[0] && compare(v, parts(m[1])) >= 0;
        m = /^(\d+)\.x$/.exec(term);
        if (m) return v[0] === Number(m[1]);
        return true;
      }),
    );
}

module.exports = { satisfies };
