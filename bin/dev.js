#!/usr/bin/env node
// Runs the compiled commands (run `npm run build` first) with oclif's debug output on.
import { loadBundle } from './load-bundle.js';

await loadBundle(new URL('../dist/mutexctl.cjs', import.meta.url).pathname).run(import.meta.url, { development: true });
