// The figure catalog (kernel/counters.yaml): every attribute of the stats, fd
// and conn sets, declared once. gen-netlink.mjs renders from it the figure
// sets of kernel/mutex.yaml, kernel/mutex_figures_gen.h and the figure table
// of src/spec/generated.ts; see the catalog's own header for its fields.
import { parse } from 'yaml';

export const FIGURE_SETS = ['stats', 'fd', 'conn'];
const KINDS = new Set(['counter', 'gauge', 'id', 'time', 'duration', 'enum', 'flag', 'mask', 'histogram', 'reasons', 'text', 'address', 'filter', 'pad']);
const TYPES = new Set(['u8', 'u16', 'u32', 'u64', 'string', 'binary', 'nest', 'pad']);
const AGGREGATES = new Set(['sum', 'min', 'max', 'union', 'hist']);
const FIELDS = new Set(['name', 'type', 'in', 'kind', 'unit', 'header', 'doc', 'aggregate', 'prometheus', 'kernel', 'text', 'checks', 'enum', 'parts', 'nested']);
const PROMETHEUS_FIELDS = new Set(['name', 'help', 'labels']);

const lower = (s) => s.replace(/-/g, '_');
const upper = (s) => lower(s).toUpperCase();

/** Parse and check the catalog; every error names the entry. */
export function loadCatalog(text) {
	const doc = parse(text);
	const errors = [];
	const sets = Object.fromEntries(FIGURE_SETS.map((s) => [s, []]));
	const setDocs = doc.sets ?? {};
	for (const [i, f] of (doc.figures ?? []).entries()) {
		const where = `kernel/counters.yaml figure ${i + 1} (${f.name ?? '?'})`;
		if (!f.name || !/^[a-z][a-z0-9-]*$/.test(f.name)) errors.push(`${where}: a kebab-case name is required`);
		for (const key of Object.keys(f)) if (!FIELDS.has(key)) errors.push(`${where}: unknown field "${key}"`);
		if (f.prometheus && typeof f.prometheus === 'object') {
			for (const key of Object.keys(f.prometheus))
				if (!PROMETHEUS_FIELDS.has(key)) errors.push(`${where}: prometheus: unknown field "${key}" (a comma in an unquoted help text?)`);
			if (!/^[a-z_][a-z0-9_]*$/.test(f.prometheus.name ?? '')) errors.push(`${where}: prometheus: a metric name is required`);
		}
		if (!TYPES.has(f.type)) errors.push(`${where}: type must be one of ${[...TYPES].join(', ')}`);
		if (!KINDS.has(f.kind)) errors.push(`${where}: kind must be one of ${[...KINDS].join(', ')}`);
		if (f.aggregate !== undefined && !AGGREGATES.has(f.aggregate)) errors.push(`${where}: aggregate must be one of ${[...AGGREGATES].join(', ')}`);
		if (f.kind !== 'pad' && f.prometheus === undefined) errors.push(`${where}: say its Prometheus metric, or prometheus: none`);
		if ((f.kind === 'counter' || f.kind === 'gauge') && !f.header) errors.push(`${where}: a counter or gauge needs a table header`);
		if (f.parts && f.kernel !== 'event') errors.push(`${where}: parts are for event counters`);
		if ((f.type === 'nest') !== (f.nested !== undefined)) errors.push(`${where}: a nest names its nested set, and only a nest does`);
		if (f.kind === 'filter' && (f.header || f.aggregate || f.prometheus !== 'none'))
			errors.push(`${where}: a filter is only ever sent, never shown: no header, aggregate or metric`);
		const inSets = Object.entries(f.in ?? {});
		if (!inSets.length) errors.push(`${where}: in: names no set`);
		for (const [set, value] of inSets) {
			if (!sets[set]) errors.push(`${where}: unknown set ${set}`);
			else if (!Number.isInteger(value) || value < 1) errors.push(`${where}: attribute number for ${set} must be a positive integer`);
			else sets[set].push({ ...f, set, value });
			if (f.kernel !== undefined && f.kernel !== 'event' && f.kernel !== 'manual' && f.kind !== 'pad') {
				if (typeof f.kernel !== 'object' || f.kernel[set] === undefined)
					errors.push(`${where}: kernel: says nothing for set ${set}`);
			}
			if (f.kind !== 'pad' && f.kernel === undefined) errors.push(`${where}: kernel: is required`);
		}
	}
	for (const set of FIGURE_SETS) {
		const list = sets[set].sort((a, b) => a.value - b.value);
		list.forEach((f, i) => {
			if (f.value !== i + 1) errors.push(`kernel/counters.yaml: set ${set} has no attribute ${i + 1} (next is ${f.name} = ${f.value}); numbers must run 1, 2, 3...`);
		});
		const names = new Set();
		for (const f of list) {
			if (names.has(f.name)) errors.push(`kernel/counters.yaml: set ${set} lists ${f.name} twice`);
			names.add(f.name);
		}
	}
	const events = (doc.figures ?? []).filter((f) => f.kernel === 'event');
	for (const f of events) {
		for (const part of f.parts ?? []) {
			if (!events.some((e) => e.name === part && !e.parts))
				errors.push(`kernel/counters.yaml: ${f.name}: part ${part} is not a stored event counter`);
		}
	}
	if (errors.length) throw new Error(errors.join('\n'));
	return { sets, setDocs, events };
}

/** The event counters that have storage (a sum of parts has none). */
export function storedEvents(catalog) {
	return catalog.events.filter((f) => !f.parts);
}

// ---------------------------------------------------------------- mutex.yaml

function yamlScalar(value) {
	return /^[A-Za-z0-9_.-]+$/.test(String(value)) ? String(value) : JSON.stringify(String(value));
}

function renderDoc(doc, indent) {
	const text = String(doc).trim().replace(/\s+/g, ' ');
	const pad = ' '.repeat(indent);
	const words = text.split(' ');
	const lines = [];
	let line = '';
	for (const w of words) {
		if (line && line.length + 1 + w.length > 72) {
			lines.push(line);
			line = w;
		} else {
			line = line ? `${line} ${w}` : w;
		}
	}
	if (line) lines.push(line);
	return [`${pad}doc: |`, ...lines.map((l) => `${pad}  ${l}`)];
}

function renderSet(catalog, set) {
	const out = ['  -', `    name: ${set}`];
	if (catalog.setDocs[set]) out.push(...renderDoc(catalog.setDocs[set], 4));
	out.push('    attributes:');
	for (const f of catalog.sets[set]) {
		out.push('      -', `        name: ${f.name}`, `        type: ${f.type}`);
		if (f.nested) out.push(`        nested-attributes: ${f.nested}`);
		if (f.kind === 'histogram' || f.kind === 'reasons') out.push('        multi-attr: true');
		if (f.kind === 'enum' && f.enum) out.push(`        enum: ${f.enum}`);
		if (f.doc) out.push(...renderDoc(f.doc, 8));
		if (f.checks) {
			out.push('        checks:');
			for (const [k, v] of Object.entries(f.checks)) out.push(`          ${k}: ${yamlScalar(v)}`);
		}
	}
	return out;
}

/** Every attribute of a set but the pad and request filters, in number order: a reply list. */
function replyList(catalog, set, indent) {
	const pad = ' '.repeat(indent);
	return [`${pad}attributes:`, ...shownFigures(catalog, set).map((f) => `${pad}  - ${f.name}`)];
}

/** The figures of a set a reply carries, in number order. */
function shownFigures(catalog, set) {
	return catalog.sets[set].filter((f) => f.kind !== 'pad' && f.kind !== 'filter');
}

const BEGIN = /^(\s*)# BEGIN figures: (.+?)\s*$/;

/**
 * The spec with its generated regions rendered: "# BEGIN figures: sets" holds
 * the three attribute sets, "# BEGIN figures: reply SET" a reply list.
 */
export function renderSpec(specText, catalog) {
	const lines = specText.split('\n');
	const out = [];
	for (let i = 0; i < lines.length; i++) {
		const m = BEGIN.exec(lines[i]);
		if (!m) {
			out.push(lines[i]);
			continue;
		}
		const [, indent, what] = m;
		const end = lines.findIndex((l, j) => j > i && /^\s*# END figures\s*$/.test(l));
		if (end < 0) throw new Error(`kernel/mutex.yaml: "# BEGIN figures: ${what}" has no "# END figures"`);
		out.push(lines[i]);
		if (what === 'sets') out.push(...FIGURE_SETS.flatMap((s) => renderSet(catalog, s)));
		else if (/^reply (\w+)$/.test(what)) out.push(...replyList(catalog, /^reply (\w+)$/.exec(what)[1], indent.length));
		else throw new Error(`kernel/mutex.yaml: unknown generated region "${what}"`);
		out.push(lines[end]);
		i = end;
	}
	return out.join('\n');
}

// ---------------------------------------------------------------- kernel

/** The C expression that reads figure f of set, or undefined for what handlers put by hand. */
function kernelExpr(f, set) {
	const ev = (name) => `MUTEX_EV_${upper(name)}`;
	if (f.kernel === 'event') {
		const parts = f.parts ?? [f.name];
		const read = (name) =>
			set === 'conn' ? `atomic_read(&flow->events[${ev(name)}])` : `t->events[${ev(name)}]`;
		return parts.map(read).join(' + ');
	}
	if (f.kernel === 'manual' || f.kind === 'pad') return undefined;
	const e = f.kernel[set];
	return e === 'manual' ? undefined : String(e);
}

const NUMERIC = new Set(['u8', 'u16', 'u32', 'u64']);

/** The nla_put of a figure of the given type (u64 with the set's pad). */
function put(f, set, value) {
	const attr = `MUTEX_A_${upper(set)}_${upper(f.name)}`;
	if (f.type === 'u64') return `nla_put_u64_64bit(skb, ${attr}, ${value}, MUTEX_A_${upper(set)}_PAD)`;
	return `nla_put_${f.type}(skb, ${attr}, ${value})`;
}

/** Figures of set the kernel reads by expression, in attribute order. */
function readable(catalog, set) {
	return catalog.sets[set]
		.filter((f) => NUMERIC.has(f.type) && f.kind !== 'histogram')
		.map((f) => [f, kernelExpr(f, set)])
		.filter(([, e]) => e);
}

export function renderKernelHeader(catalog, banner) {
	const out = [];
	out.push('/* SPDX-License-Identifier: GPL-2.0 */');
	out.push(banner('figure tables rendered by scripts/gen-netlink.mjs'));
	out.push('#ifndef _MUTEX_FIGURES_GEN_H');
	out.push('#define _MUTEX_FIGURES_GEN_H\n');
	out.push('#include <linux/types.h>\n');
	out.push('struct mutex_ctx;');
	out.push('struct mutex_flow;');
	out.push('struct mutex_flow_rtt;');
	out.push('struct mutex_rates;');
	out.push('struct mutex_totals;');
	out.push('struct seq_file;');
	out.push('struct sk_buff;\n');
	out.push('/*');
	out.push(' * Event counters kept per flow (atomic_t), per context (atomic64_t) and in');
	out.push(' * totals (u64), as arrays indexed by these; mutex_flow_event() updates a');
	out.push(' * flow and its owner together.');
	out.push(' */');
	out.push('enum mutex_event {');
	for (const f of storedEvents(catalog)) out.push(`\tMUTEX_EV_${upper(f.name)},`);
	out.push('\tMUTEX_EVENTS');
	out.push('};\n');
	out.push('/* An event figure of totals t: stored, or the sum of its parts. */');
	for (const f of catalog.events) {
		out.push(`#define MUTEX_TOTAL_${upper(f.name)}(t) (${(f.parts ?? [f.name]).map((p) => `(t)->events[MUTEX_EV_${upper(p)}]`).join(' + ')})`);
	}
	out.push('');
	out.push('/* The global figures of a network namespace (stats-get, /proc/mutex/stats). */');
	out.push('struct mutex_stats {');
	for (const f of catalog.sets.stats) if (NUMERIC.has(f.type)) out.push(`\t${f.type} ${lower(f.name)};`);
	out.push('};\n');
	out.push('void mutex_stats_from_totals(struct mutex_stats *s, const struct mutex_totals *t);');
	out.push('int mutex_put_stats(struct sk_buff *skb, const struct mutex_stats *s);');
	out.push('void mutex_show_stats(struct seq_file *m, const struct mutex_stats *s);');
	out.push('int mutex_put_fd_figures(struct sk_buff *skb, struct mutex_ctx *ctx,');
	out.push('\t\t\t const struct mutex_totals *t, const struct mutex_rates *r);');
	out.push('int mutex_put_conn_figures(struct sk_buff *skb, struct mutex_flow *flow,');
	out.push('\t\t\t   const struct mutex_flow_rtt *rtt);');
	out.push('int mutex_fd_text(char *buf, size_t size, struct mutex_ctx *ctx,');
	out.push('\t\t  const struct mutex_totals *t);\n');
	out.push('#endif /* _MUTEX_FIGURES_GEN_H */');
	return out.join('\n') + '\n';
}

export function renderKernelSource(catalog, banner) {
	const out = [];
	const fn = (signature, body) => out.push(...signature, '{', ...body, '}', '');
	out.push('// SPDX-License-Identifier: GPL-2.0');
	out.push(banner('figure code rendered by scripts/gen-netlink.mjs'));
	out.push('#include <linux/pid_namespace.h>');
	out.push('#include <linux/seq_file.h>');
	out.push('#include <net/genetlink.h>\n');
	out.push('#include "mutex.h"\n');
	const stats = catalog.sets.stats.filter((f) => NUMERIC.has(f.type));
	const fromTotals = readable(catalog, 'stats');
	fn(['/* The figures a namespace\'s totals give. */', 'void mutex_stats_from_totals(struct mutex_stats *s, const struct mutex_totals *t)'],
		fromTotals.map(([f, e]) => `\ts->${lower(f.name)} = ${e};`));
	fn(['int mutex_put_stats(struct sk_buff *skb, const struct mutex_stats *s)'], [
		...stats.map((f, i) => `\t${i ? '    ' : 'if ('}${put(f, 'stats', `s->${lower(f.name)}`)}${i === stats.length - 1 ? ')' : ' ||'}`),
		'\t\treturn -EMSGSIZE;',
		'\treturn 0;',
	]);
	fn(['void mutex_show_stats(struct seq_file *m, const struct mutex_stats *s)'],
		stats.map((f) => `\tseq_printf(m, "${f.name} %llu\\n", (unsigned long long)s->${lower(f.name)});`));
	for (const [set, signature] of [
		['fd', ['int mutex_put_fd_figures(struct sk_buff *skb, struct mutex_ctx *ctx,', '\t\t\t const struct mutex_totals *t, const struct mutex_rates *r)']],
		['conn', ['int mutex_put_conn_figures(struct sk_buff *skb, struct mutex_flow *flow,', '\t\t\t   const struct mutex_flow_rtt *rtt)']],
	]) {
		const items = readable(catalog, set);
		fn([`/* The ${set} figures read by expression (kernel/counters.yaml); the handler puts the rest. */`, ...signature], [
			...items.map(([f, e], i) => `\t${i ? '    ' : 'if ('}${put(f, set, e)}${i === items.length - 1 ? ')' : ' ||'}`),
			'\t\treturn -EMSGSIZE;',
			'\treturn 0;',
		]);
	}
	const text = catalog.sets.fd.filter((f) => f.text).map((f) => [f, kernelExpr(f, 'fd')]);
	fn(['/* The /dev/mutex read text after its id and selector lines. */', 'int mutex_fd_text(char *buf, size_t size, struct mutex_ctx *ctx,', '\t\t  const struct mutex_totals *t)'], [
		'\tint n = 0;',
		'',
		...text.map(([f, e]) => `\tn += scnprintf(buf + n, size - n, "${lower(f.name)} %llu\\n",\n\t\t       (unsigned long long)(${e}));`),
		'\treturn n;',
	]);
	return out.join('\n').replace(/\n+$/, '') + '\n';
}

// ---------------------------------------------------------------- TypeScript

function promFor(f, set) {
	const p = f.prometheus;
	if (p === undefined || p === 'none') return null;
	const help = typeof p.help === 'object' ? p.help[set] : p.help;
	const scope = set === 'stats' ? '' : `${set}_`;
	const name = `mutex_${scope}${p.name}${f.kind === 'counter' || f.kind === 'reasons' ? '_total' : ''}`;
	return { name, help: help ?? '', labels: p.labels ?? undefined };
}

export function renderTsFigures(catalog) {
	const out = [];
	out.push('/** How a figure is measured and shown: one entry of kernel/counters.yaml. */');
	out.push('export interface FigureSpec {');
	out.push("  readonly kind: 'counter' | 'gauge' | 'id' | 'time' | 'duration' | 'enum' | 'flag' | 'mask' | 'histogram' | 'reasons' | 'text' | 'address';");
	out.push('  readonly unit?: string;');
	out.push('  readonly header: string;');
	out.push("  readonly aggregate?: 'sum' | 'min' | 'max' | 'union' | 'hist';");
	out.push('  /** The Prometheus metric of this set, or null when it is not one of its own. */');
	out.push('  readonly prometheus: { readonly name: string; readonly help: string; readonly labels?: Readonly<Record<string, string>> } | null;');
	out.push('}\n');
	out.push('/** Every attribute of the figure sets but the pad, by set and JSON key. */');
	out.push('export const figures: Readonly<Record<string, Readonly<Record<string, FigureSpec>>>> = {');
	for (const set of FIGURE_SETS) {
		out.push(`  '${set}': {`);
		for (const f of shownFigures(catalog, set)) {
			const parts = [`kind: '${f.kind}'`];
			if (f.unit) parts.push(`unit: '${f.unit}'`);
			parts.push(`header: ${JSON.stringify(f.header ?? f.name.replace(/-/g, ' '))}`);
			if (f.aggregate) parts.push(`aggregate: '${f.aggregate}'`);
			const prom = promFor(f, set);
			parts.push(`prometheus: ${prom ? JSON.stringify(prom).replace(/"(\w+)":/g, '$1: ') : 'null'}`);
			out.push(`    ${lower(f.name)}: { ${parts.join(', ')} },`);
		}
		out.push('  },');
	}
	out.push('};\n');
	// A listing builds a row per flow: one object literal, written out (a loop
	// over keys costs ~8x as much), and generated so a new figure needs no edit.
	const shown = catalog.sets.conn.filter((f) => ['enum', 'address', 'reasons'].includes(f.kind));
	const params = [...shown.map((f) => lower(f.name)), 'rtt_avg_us'];
	const paramType = (p) =>
		p === 'rtt_avg_us' ? 'bigint' : shown.find((f) => lower(f.name) === p)?.kind === 'reasons' ? 'Readonly<Record<string, bigint>>' : 'string';
	out.push('/**');
	out.push(' * A conn row: the figures as the kernel sends them, and these as shown (by');
	out.push(` * name, as text; drops by reason as a tally): ${params.join(', ')}.`);
	out.push(' */');
	out.push('export function connFigureRow(');
	out.push('  conn: ConnAttrs,');
	for (const p of params) out.push(`  ${p}: ${paramType(p)} | undefined,`);
	out.push('): Record<string, unknown> {');
	out.push('  return {');
	for (const f of shownFigures(catalog, 'conn')) {
		const key = lower(f.name);
		out.push(shown.includes(f) ? `    ${key},` : `    ${key}: conn.${key},`);
	}
	out.push('    rtt_avg_us,');
	out.push('  };');
	out.push('}\n');
	return out.join('\n');
}
