#!/usr/bin/env node
// Runs the compiled commands (run `npm run build` first) with oclif's debug output on.
import { execute } from '@oclif/core';

await execute({ development: true, dir: import.meta.url });
