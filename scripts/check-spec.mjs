#!/usr/bin/env node
// Validates a YNL spec (default kernel/mutex.yaml) against the kernel's JSON
// Schema for the protocol it names (kernel/netlink-schema/<protocol>.yaml,
// vendored from the kernel tree), as the kernel's own YNL tools do before they
// use a spec. Exit 1 with the schema's complaints, or 0.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const specPath = process.argv[2] ?? join(root, 'kernel/mutex.yaml');
const spec = parse(readFileSync(specPath, 'utf8'));
const schemaPath = join(root, 'kernel/netlink-schema', `${spec.protocol}.yaml`);
if (!existsSync(schemaPath)) {
  console.error(`check-spec: ${relative(root, specPath)} names protocol "${spec.protocol}", which has no schema in kernel/netlink-schema/`);
  process.exit(1);
}
const schema = parse(readFileSync(schemaPath, 'utf8'));
// The schema says draft-07, which Ajv speaks without being told.
delete schema.$schema;
const ajv = new Ajv({ strict: false, allErrors: true });
if (!ajv.validate(schema, spec)) {
  for (const error of ajv.errors ?? []) {
    const allowed = error.params?.allowedValues ? ` (allowed: ${error.params.allowedValues.join(', ')})` : '';
    console.error(`check-spec: ${relative(root, specPath)}${error.instancePath || '/'}: ${error.message}${allowed}`);
  }
  process.exit(1);
}
