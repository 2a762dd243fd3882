// `thresholds apply -f FILE`: a JSON or YAML file of thresholds, checked
// completely (every problem named by its path, e.g. `fd.3.latency`) before
// the kernel is asked anything.
//
//   global:            # the defaults of every context
//     latency: 200ms   # or latency_us: 200000
//     error-rate: 2%   # or error_rate_ppm: 20000
//     disabled: [packet-drop]
//     interval: 500ms
//   fd:
//     "3":             # a context's overrides
//       latency: 100ms
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { describeFileError, InputError, UsageError } from '../errors.js';
import { parseSettings, type ThresholdSettings } from './settings.js';

export interface ScopeSettings {
  /** The context; undefined for the global defaults. */
  readonly fdId?: number;
  readonly settings: ThresholdSettings;
}

export interface ThresholdsFile {
  /** The global section first (when there is one), then the contexts by ascending id. */
  readonly scopes: readonly ScopeSettings[];
}

export type FileFormat = 'json' | 'yaml';

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstLine(text: string): string {
  return text.split('\n').map((line) => line.trim()).find((line) => line !== '') ?? text;
}

/** By extension (.json, .yaml, .yml); otherwise JSON when the text starts with `{`, else YAML. */
export function detectFormat(name: string, text: string): FileFormat {
  const extension = extname(name).toLowerCase();
  if (extension === '.json') return 'json';
  if (extension === '.yaml' || extension === '.yml') return 'yaml';
  return text.trimStart().startsWith('{') ? 'json' : 'yaml';
}

/** The file's data; a file that is no valid JSON/YAML is a usage error. */
export async function parseFileText(name: string, text: string, format = detectFormat(name, text)): Promise<unknown> {
  if (format === 'json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new UsageError(`${name}: invalid JSON: ${firstLine((error as Error).message)}`);
    }
  }
  // Loaded only here: no other command pays for the YAML parser.
  const { parseDocument } = await import('yaml');
  try {
    const document = parseDocument(text, { uniqueKeys: true });
    const problem = document.errors[0];
    if (problem) throw problem;
    return document.toJS() as unknown;
  } catch (error) {
    throw new UsageError(`${name}: invalid YAML: ${firstLine((error as Error).message).replace(/:$/, '')}`);
  }
}

function parseContextId(key: string, name: string): number {
  if (!/^[0-9]+$/.test(key) || BigInt(key) < 1n || BigInt(key) > 0xffff_ffffn) {
    throw new UsageError(`${name}: fd.${key}: not a context id (an integer from 1 to 4294967295)`);
  }
  return Number(key);
}

function scopeSettings(section: unknown, path: string, name: string, context: boolean): ThresholdSettings {
  if (!isMapping(section)) throw new UsageError(`${name}: ${path}: expected a mapping of thresholds (e.g. latency: 200ms)`);
  const inputs = Object.entries(section).map(([key, value]) => ({ key, value, where: `${path}.${key}` }));
  try {
    return parseSettings(inputs, { context });
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${name}: ${error.message}`);
    throw error;
  }
}

/** Checks the whole document; `name` (the file's path) prefixes every message. */
export function thresholdsFromData(data: unknown, name: string): ThresholdsFile {
  if (!isMapping(data)) throw new UsageError(`${name}: expected a mapping with "global" and/or "fd" sections`);
  const scopes: ScopeSettings[] = [];
  for (const key of Object.keys(data)) {
    if (key !== 'global' && key !== 'fd') throw new UsageError(`${name}: ${key}: unknown section; expected "global" and/or "fd"`);
  }
  if (data.global === undefined && data.fd === undefined) {
    throw new UsageError(`${name}: nothing to apply: no "global" or "fd" section`);
  }
  if (data.global !== undefined && data.global !== null) {
    scopes.push({ settings: scopeSettings(data.global, 'global', name, false) });
  }
  if (data.fd !== undefined && data.fd !== null) {
    if (!isMapping(data.fd)) throw new UsageError(`${name}: fd: expected a mapping of context ids to thresholds`);
    const contexts = Object.entries(data.fd)
      .map(([key, section]) => ({ fdId: parseContextId(key, name), key, section }))
      .sort((a, b) => a.fdId - b.fdId);
    for (let i = 1; i < contexts.length; i++) {
      if (contexts[i]!.fdId === contexts[i - 1]!.fdId) {
        throw new UsageError(`${name}: fd.${contexts[i]!.key}: context ${contexts[i]!.fdId} is already given (fd.${contexts[i - 1]!.key})`);
      }
    }
    for (const { fdId, key, section } of contexts) {
      scopes.push({ fdId, settings: scopeSettings(section, `fd.${key}`, name, true) });
    }
  }
  return { scopes };
}

/** Reads, parses and checks FILE (`-` is stdin). Unreadable or invalid: a usage error (exit 2). */
export async function loadThresholdsFile(path: string): Promise<ThresholdsFile> {
  if (path === '') throw new InputError('cannot read "": the file name is empty (- reads stdin)');
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw new InputError(describeFileError('read', path === '-' ? 'stdin' : path, error));
  }
  const name = path === '-' ? 'stdin' : path;
  try {
    return thresholdsFromData(await parseFileText(name, text), name);
  } catch (error) {
    // What is wrong is in the file (its message names where): no "(see --help)" after it.
    throw error instanceof UsageError ? new InputError(error.message) : error;
  }
}
