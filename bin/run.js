#!/usr/bin/env node
// The CLI is one bundled file, dist/mutexctl.cjs, made by `npm run build`
// (scripts/bundle.mjs); src/cli/main.ts says why.
import { loadBundle } from './load-bundle.js';

await loadBundle(new URL('../dist/mutexctl.cjs', import.meta.url).pathname).run(import.meta.url);
