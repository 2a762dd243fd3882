#!/usr/bin/env node
// Renders everything that depends on the family's YNL spec (kernel/mutex.yaml):
//   kernel/include/uapi/linux/mutex.h   uapi enums and defines
//   kernel/mutex_nl_gen.{c,h}           per-op policies, op table, mcast groups
//   src/spec/generated.ts               TypeScript codec tables and types
// `--check` renders in memory and fails when a file on disk differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

import { FIGURE_SETS, loadCatalog, renderKernelHeader, renderKernelSource, renderSpec, renderTsFigures } from './figures.mjs';

// MUTEX_GEN_ROOT lets the staleness test run the generator on a scratch copy.
const root = process.env.MUTEX_GEN_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '..');
const specPath = join(root, 'kernel/mutex.yaml');
const specRel = relative(root, specPath);
// The figure sets of the spec are rendered from the catalog first.
const catalog = loadCatalog(readFileSync(join(root, 'kernel/counters.yaml'), 'utf8'));
const specText = renderSpec(readFileSync(specPath, 'utf8'), catalog);
const spec = parse(specText);

const family = spec.name;
const FAMILY = cName(family);
const version = spec.version ?? 1;

function cName(s) {
	return s.replace(/-/g, '_').toUpperCase();
}
function lower(s) {
	return s.replace(/-/g, '_');
}

// ---------------------------------------------------------------- model
const enums = (spec.definitions ?? []).filter((d) => d.type === 'enum' || d.type === 'flags');
const consts = (spec.definitions ?? []).filter((d) => d.type === 'const');

function enumEntries(def) {
	let next = def['value-start'] ?? (def.type === 'flags' ? 0 : 0);
	return def.entries.map((e) => {
		const entry = typeof e === 'string' ? { name: e } : e;
		let value;
		if (def.type === 'flags') {
			value = entry.value ?? 1 << next;
			next++;
		} else {
			value = entry.value ?? next;
			next = value + 1;
		}
		return { name: entry.name, value, doc: entry.doc };
	});
}

const sets = spec['attribute-sets'].map((set) => {
	let next = 1;
	const attrs = set.attributes.map((a) => {
		const value = a.value ?? next;
		next = value + 1;
		return { ...a, value };
	});
	return { name: set.name, doc: set.doc, attrs, prefix: `${FAMILY}_A_${cName(set.name)}_` };
});
const setByName = new Map(sets.map((s) => [s.name, s]));

let nextOp = 1;
const ops = spec.operations.list.map((op) => {
	const value = op.value ?? nextOp;
	nextOp = value + 1;
	return { ...op, value };
});
const mcgrps = spec['mcast-groups']?.list ?? [];

function attrOf(setName, attrName) {
	const set = setByName.get(setName);
	const attr = set?.attrs.find((a) => a.name === attrName);
	if (!attr) throw new Error(`spec: ${setName}.${attrName} is not declared`);
	return attr;
}
// Every numeric attribute of a figure set has its catalog entry (the sets
// are rendered from the catalog, so this holds unless the spec is hand-edited).
for (const set of sets.filter((s) => FIGURE_SETS.includes(s.name))) {
	for (const a of set.attrs) {
		if (!catalog.sets[set.name].some((f) => f.name === a.name))
			throw new Error(`spec: ${set.name}.${a.name} has no entry in kernel/counters.yaml`);
	}
}
// Validate every reference before rendering anything.
for (const op of ops) {
	for (const mode of ['do', 'dump']) {
		for (const dir of ['request', 'reply']) {
			for (const name of op[mode]?.[dir]?.attributes ?? []) attrOf(op['attribute-set'], name);
		}
	}
}
for (const set of sets) {
	for (const a of set.attrs) {
		if (a.type === 'nest' && !setByName.has(a['nested-attributes']))
			throw new Error(`spec: ${set.name}.${a.name} nests unknown set ${a['nested-attributes']}`);
	}
}

// ---------------------------------------------------------------- C
// Notifications (ops with neither do nor dump) have a command number but no handler.
function kernelOps() {
	return ops.filter((op) => op.do || op.dump);
}

// The attribute set a notification carries: that of the op it mirrors.
function opAttributeSet(op) {
	if (op['attribute-set']) return op['attribute-set'];
	const target = ops.find((o) => o.name === op.notify);
	if (!target) throw new Error(`spec: ${op.name} has no attribute-set`);
	return target['attribute-set'];
}
const header = (what) =>
	`/* Do not edit directly, auto-generated from: */\n/*\t${specRel} */\n/* ${what} */\n`;
const catalogHeader = (what) =>
	'/* Do not edit directly, auto-generated from: */\n/*\tkernel/counters.yaml */\n' + `/* ${what} */\n`;

function renderUapi() {
	const out = [];
	out.push('/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */');
	out.push(header('uapi header rendered by scripts/gen-netlink.mjs'));
	out.push(`#ifndef _UAPI_LINUX_${FAMILY}_H`);
	out.push(`#define _UAPI_LINUX_${FAMILY}_H\n`);
	out.push(`#define ${FAMILY}_FAMILY_NAME\t"${family}"`);
	out.push(`#define ${FAMILY}_FAMILY_VERSION\t${version}\n`);
	for (const c of consts) out.push(`#define ${FAMILY}_${cName(c.name)}\t${c.value}\n`);
	for (const e of enums) {
		if (e.doc) out.push(`/* ${e.doc} */`);
		out.push(`enum ${lower(family)}_${lower(e.name)} {`);
		for (const entry of enumEntries(e))
			out.push(`\t${FAMILY}_${cName(e.name)}_${cName(entry.name)} = ${entry.value},`);
		if (e.type === 'enum') {
			out.push('');
			out.push(`\t/* private: */`);
			out.push(`\t__${FAMILY}_${cName(e.name)}_CNT,`);
			out.push(`\t${FAMILY}_${cName(e.name)}_MAX = (__${FAMILY}_${cName(e.name)}_CNT - 1)`);
		}
		out.push('};\n');
	}
	for (const set of sets) {
		out.push('enum {');
		for (const a of set.attrs) out.push(`\t${set.prefix}${cName(a.name)} = ${a.value},`);
		out.push('');
		out.push(`\t__${set.prefix}MAX,`);
		out.push(`\t${set.prefix}MAX = (__${set.prefix}MAX - 1)`);
		out.push('};\n');
	}
	out.push('enum {');
	for (const op of ops) out.push(`\t${FAMILY}_CMD_${cName(op.name)} = ${op.value},`);
	out.push('');
	out.push(`\t__${FAMILY}_CMD_MAX,`);
	out.push(`\t${FAMILY}_CMD_MAX = (__${FAMILY}_CMD_MAX - 1)`);
	out.push('};\n');
	for (const g of mcgrps) out.push(`#define ${FAMILY}_MCGRP_${cName(g.name)}\t"${g.name}"`);
	out.push('');
	out.push(`#endif /* _UAPI_LINUX_${FAMILY}_H */`);
	return out.join('\n') + '\n';
}

const nlaType = {
	u8: 'NLA_U8', u16: 'NLA_U16', u32: 'NLA_U32', u64: 'NLA_U64',
	s8: 'NLA_S8', s16: 'NLA_S16', s32: 'NLA_S32', s64: 'NLA_S64',
	flag: 'NLA_FLAG', string: 'NLA_NUL_STRING', binary: 'NLA_BINARY', nest: 'NLA_NESTED',
};

function limit(v) {
	if (typeof v === 'number') return String(v);
	const m = /^([su])(8|16|32|64)-(min|max)$/.exec(v);
	if (m) return `${m[1] === 's' ? 'S' : 'U'}${m[2]}_${m[3].toUpperCase()}`;
	return cName(`${family}-${v}`);
}

function policyEntry(set, a) {
	const name = `${set.prefix}${cName(a.name)}`;
	const checks = a.checks ?? {};
	const t = nlaType[a.type];
	if (!t) throw new Error(`spec: ${set.name}.${a.name}: type ${a.type} has no request policy`);
	if (a.type === 'nest')
		return `\t[${name}] = NLA_POLICY_NESTED(${policyName(a['nested-attributes'])}),`;
	if (a.type === 'string')
		return `\t[${name}] = { .type = NLA_NUL_STRING, .len = ${limit(checks['max-len'] ?? 255)}, },`;
	if (a.type === 'binary') {
		if (checks['exact-len'] !== undefined) return `\t[${name}] = NLA_POLICY_EXACT_LEN(${limit(checks['exact-len'])}),`;
		if (checks['min-len'] !== undefined) return `\t[${name}] = NLA_POLICY_MIN_LEN(${limit(checks['min-len'])}),`;
		return `\t[${name}] = { .type = NLA_BINARY, .len = ${limit(checks['max-len'] ?? 65535)}, },`;
	}
	const hasMin = checks.min !== undefined;
	const hasMax = checks.max !== undefined;
	if (needsFullRange(a)) {
		// NLA_POLICY_RANGE holds s16 bounds only: use a full-range struct.
		return `\t[${name}] = NLA_POLICY_FULL_RANGE(${t}, &${policyName(set.name)}_${lower(a.name)}_range),`;
	}
	if (hasMin && hasMax) return `\t[${name}] = NLA_POLICY_RANGE(${t}, ${limit(checks.min)}, ${limit(checks.max)}),`;
	if (hasMin) return `\t[${name}] = NLA_POLICY_MIN(${t}, ${limit(checks.min)}),`;
	if (hasMax) return `\t[${name}] = NLA_POLICY_MAX(${t}, ${limit(checks.max)}),`;
	return `\t[${name}] = { .type = ${t}, },`;
}

function policyName(setName, opName) {
	return opName ? `${lower(family)}_${lower(opName)}_nl_policy` : `${lower(family)}_${lower(setName)}_nl_policy`;
}

// Attributes an op accepts in requests (do and dump share one policy on 6.1's genl_ops).
function requestAttrs(op) {
	const names = new Set([...(op.do?.request?.attributes ?? []), ...(op.dump?.request?.attributes ?? [])]);
	return [...names].map((n) => attrOf(op['attribute-set'], n)).sort((a, b) => a.value - b.value);
}

// Nested sets referenced from requests need a policy of their own.
function nestedRequestSets() {
	const seen = new Set();
	const order = [];
	const visit = (setName, attrs) => {
		for (const a of attrs) {
			if (a.type !== 'nest') continue;
			const inner = setByName.get(a['nested-attributes']);
			if (seen.has(inner.name)) continue;
			seen.add(inner.name);
			visit(inner.name, inner.attrs.filter((x) => x.type !== 'pad'));
			order.push(inner);
		}
	};
	for (const op of ops) visit(op['attribute-set'], requestAttrs(op));
	return order;
}

const S16_MAX = 32767;
function needsFullRange(a) {
	const { min, max } = a.checks ?? {};
	if (!/^u(16|32|64)$/.test(a.type) || max === undefined) return false;
	return typeof max !== 'number' || max > S16_MAX || (typeof min === 'number' && min > S16_MAX);
}

// Not const: 6.1's nla_policy points to a mutable netlink_range_validation.
function u64Ranges(set, attrs) {
	const out = [];
	for (const a of attrs) {
		if (needsFullRange(a)) {
			out.push(`static struct netlink_range_validation ${policyName(set.name)}_${lower(a.name)}_range = {`);
			out.push(`\t.min = ${limit(a.checks.min ?? 0)}ULL,`);
			out.push(`\t.max = ${limit(a.checks.max)}ULL,`);
			out.push('};\n');
		}
	}
	return out;
}

function renderKernelH() {
	const out = [];
	out.push('/* SPDX-License-Identifier: GPL-2.0 */');
	out.push(header('kernel tables rendered by scripts/gen-netlink.mjs'));
	out.push(`#ifndef _${FAMILY}_NL_GEN_H`);
	out.push(`#define _${FAMILY}_NL_GEN_H\n`);
	out.push('#include <net/netlink.h>');
	out.push('#include <net/genetlink.h>\n');
	out.push('#include "include/uapi/linux/mutex.h"\n');
	for (const set of nestedRequestSets()) {
		const attrs = set.attrs;
		out.push(`extern const struct nla_policy ${policyName(set.name)}[${set.prefix}${cName(attrs.at(-1).name)} + 1];`);
	}
	out.push('');
	for (const op of ops) {
		if (op.do) out.push(`int ${lower(family)}_nl_${lower(op.name)}_doit(struct sk_buff *skb, struct genl_info *info);`);
		if (op.dump) {
			if (op.dump.pre) out.push(`int ${op.dump.pre}(struct netlink_callback *cb);`);
			out.push(`int ${lower(family)}_nl_${lower(op.name)}_dumpit(struct sk_buff *skb, struct netlink_callback *cb);`);
			if (op.dump.post) out.push(`int ${op.dump.post}(struct netlink_callback *cb);`);
		}
	}
	out.push('');
	out.push('enum {');
	for (const g of mcgrps) out.push(`\t${FAMILY}_NLGRP_${cName(g.name)},`);
	out.push('};\n');
	out.push(`extern const struct genl_ops ${lower(family)}_nl_ops[${kernelOps().length}];`);
	out.push(`extern const struct genl_multicast_group ${lower(family)}_nl_mcgrps[${mcgrps.length}];\n`);
	out.push(`#endif /* _${FAMILY}_NL_GEN_H */`);
	return out.join('\n') + '\n';
}

function renderKernelC() {
	const out = [];
	out.push('// SPDX-License-Identifier: GPL-2.0');
	out.push(header('kernel tables rendered by scripts/gen-netlink.mjs'));
	out.push('#include <net/netlink.h>');
	out.push('#include <net/genetlink.h>\n');
	out.push('#include "mutex_nl_gen.h"\n');
	for (const set of nestedRequestSets()) {
		const attrs = set.attrs.filter((a) => a.type !== 'pad');
		out.push(...u64Ranges(set, attrs));
		out.push(`const struct nla_policy ${policyName(set.name)}[${set.prefix}${cName(set.attrs.at(-1).name)} + 1] = {`);
		for (const a of attrs) out.push(policyEntry(set, a));
		out.push('};\n');
	}
	for (const op of ops) {
		const attrs = requestAttrs(op);
		if (!attrs.length) continue;
		const set = setByName.get(op['attribute-set']);
		out.push(...u64Ranges(set, attrs));
		out.push(`/* ${family} ${op.name} */`);
		out.push(`static const struct nla_policy ${policyName(set.name, op.name)}[${set.prefix}${cName(attrs.at(-1).name)} + 1] = {`);
		for (const a of attrs) out.push(policyEntry(set, a));
		out.push('};\n');
	}
	out.push(`/* Ops table for ${family} */`);
	out.push(`const struct genl_ops ${lower(family)}_nl_ops[${kernelOps().length}] = {`);
	for (const op of kernelOps()) {
		const set = setByName.get(op['attribute-set']);
		const attrs = requestAttrs(op);
		const flags = [];
		for (const f of op.flags ?? []) flags.push(f === 'admin-perm' ? 'GENL_ADMIN_PERM' : 'GENL_UNS_ADMIN_PERM');
		out.push('\t{');
		out.push(`\t\t.cmd\t\t= ${FAMILY}_CMD_${cName(op.name)},`);
		if (op.dump?.pre) out.push(`\t\t.start\t\t= ${op.dump.pre},`);
		if (op.do) out.push(`\t\t.doit\t\t= ${lower(family)}_nl_${lower(op.name)}_doit,`);
		if (op.dump) out.push(`\t\t.dumpit\t\t= ${lower(family)}_nl_${lower(op.name)}_dumpit,`);
		if (op.dump?.post) out.push(`\t\t.done\t\t= ${op.dump.post},`);
		if (attrs.length) {
			out.push(`\t\t.policy\t\t= ${policyName(set.name, op.name)},`);
			out.push(`\t\t.maxattr\t= ${set.prefix}${cName(attrs.at(-1).name)},`);
		}
		if (flags.length) out.push(`\t\t.flags\t\t= ${flags.join(' | ')},`);
		out.push('\t},');
	}
	out.push('};\n');
	out.push(`const struct genl_multicast_group ${lower(family)}_nl_mcgrps[${mcgrps.length}] = {`);
	for (const g of mcgrps) out.push(`\t[${FAMILY}_NLGRP_${cName(g.name)}] = { "${g.name}", },`);
	out.push('};');
	return out.join('\n') + '\n';
}

// ---------------------------------------------------------------- TypeScript
const tsScalar = {
	u8: 'number', u16: 'number', u32: 'number', s8: 'number', s16: 'number', s32: 'number',
	u64: 'bigint', s64: 'bigint', uint: 'bigint', sint: 'bigint',
	string: 'string', binary: 'Uint8Array', flag: 'true',
};
const pascal = (s) => s.split('-').map((w) => w[0].toUpperCase() + w.slice(1)).join('');

function renderTs() {
	const out = [];
	out.push(`// Do not edit directly: rendered by scripts/gen-netlink.mjs from ${specRel}.`);
	out.push('/* eslint-disable */\n');
	out.push(`export const FAMILY_NAME = '${family}';`);
	out.push(`export const FAMILY_VERSION = ${version};\n`);
	out.push(`export type AttrType = 'pad' | 'flag' | 'binary' | 'string' | 'nest' | 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64';`);
	out.push('export interface AttrSpec {');
	out.push('  readonly name: string;');
	out.push('  /** JSON key: the spec name in snake_case. */');
	out.push('  readonly key: string;');
	out.push('  readonly value: number;');
	out.push('  readonly type: AttrType;');
	out.push('  readonly nested?: string;');
	out.push('  readonly multi?: boolean;');
	out.push('  readonly enumName?: string;');
	out.push('  readonly doc?: string;');
	out.push('}\n');
	out.push('export const enums: Readonly<Record<string, readonly { name: string; value: number }[]>> = {');
	for (const e of enums) {
		const entries = enumEntries(e).map((x) => `{ name: '${x.name}', value: ${x.value} }`).join(', ');
		out.push(`  '${e.name}': [${entries}],`);
	}
	out.push('};\n');
	out.push('export const attributeSets: Readonly<Record<string, readonly AttrSpec[]>> = {');
	for (const set of sets) {
		out.push(`  '${set.name}': [`);
		for (const a of set.attrs) {
			const parts = [`name: '${a.name}'`, `key: '${lower(a.name)}'`, `value: ${a.value}`, `type: '${a.type}'`];
			if (a['nested-attributes']) parts.push(`nested: '${a['nested-attributes']}'`);
			if (a['multi-attr']) parts.push('multi: true');
			if (a.enum) parts.push(`enumName: '${a.enum}'`);
			if (a.doc) parts.push(`doc: ${JSON.stringify(a.doc.trim())}`);
			out.push(`    { ${parts.join(', ')} },`);
		}
		out.push('  ],');
	}
	out.push('};\n');
	out.push('export interface OpSpec {');
	out.push('  readonly name: string;');
	out.push('  readonly value: number;');
	out.push('  readonly attributeSet: string;');
	out.push('  readonly hasDo: boolean;');
	out.push('  readonly hasDump: boolean;');
	out.push('  readonly adminOnly: boolean;');
	out.push('  readonly doRequest: readonly string[];');
	out.push('  readonly dumpRequest: readonly string[];');
	out.push('}\n');
	out.push('export const operations: Readonly<Record<string, OpSpec>> = {');
	for (const op of ops) {
		const list = (xs) => `[${(xs ?? []).map((x) => `'${x}'`).join(', ')}]`;
		out.push(`  '${op.name}': { name: '${op.name}', value: ${op.value}, attributeSet: '${opAttributeSet(op)}', ` +
			`hasDo: ${!!op.do}, hasDump: ${!!op.dump}, adminOnly: ${(op.flags ?? []).length > 0}, ` +
			`doRequest: ${list(op.do?.request?.attributes)}, dumpRequest: ${list(op.dump?.request?.attributes)} },`);
	}
	out.push('};\n');
	out.push(`export const mcastGroups = [${mcgrps.map((g) => `'${g.name}'`).join(', ')}] as const;\n`);
	for (const set of sets) {
		out.push(`/** Attribute set \`${set.name}\`${set.doc ? `: ${set.doc.trim()}` : ''} */`);
		out.push(`export interface ${pascal(set.name)}Attrs {`);
		for (const a of set.attrs) {
			if (a.type === 'pad' || a.type === 'unused') continue;
			let t = a.type === 'nest' ? `${pascal(a['nested-attributes'])}Attrs` : tsScalar[a.type];
			if (a['multi-attr']) t = `${t}[]`;
			if (a.doc) out.push(`  /** ${a.doc.trim().replace(/\n/g, ' ')} */`);
			out.push(`  ${lower(a.name)}?: ${t};`);
		}
		out.push('}\n');
	}
	out.push(renderTsFigures(catalog));
	out.push('export interface AttrSetTypes {');
	for (const set of sets) out.push(`  '${set.name}': ${pascal(set.name)}Attrs;`);
	out.push('}');
	return out.join('\n') + '\n';
}

// ---------------------------------------------------------------- main
const outputs = [
	['kernel/mutex.yaml', specText],
	['kernel/mutex_figures_gen.h', renderKernelHeader(catalog, catalogHeader)],
	['kernel/mutex_figures_gen.c', renderKernelSource(catalog, catalogHeader)],
	['kernel/include/uapi/linux/mutex.h', renderUapi()],
	['kernel/mutex_nl_gen.h', renderKernelH()],
	['kernel/mutex_nl_gen.c', renderKernelC()],
	['src/spec/generated.ts', renderTs()],
];

if (process.argv.includes('--check')) {
	const stale = [];
	for (const [path, text] of outputs) {
		let current = '';
		try {
			current = readFileSync(join(root, path), 'utf8');
		} catch {
			current = '';
		}
		if (current !== text) stale.push(path);
	}
	if (stale.length) {
		console.error(`stale generated files (run \`npm run gen\`): ${stale.join(', ')}`);
		process.exit(1);
	}
} else {
	for (const [path, text] of outputs) writeFileSync(join(root, path), text);
	console.log(`rendered ${outputs.map(([p]) => p).join(', ')}`);
}
