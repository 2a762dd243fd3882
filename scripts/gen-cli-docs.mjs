#!/usr/bin/env node
// Writes the man page (share/man/man1/mutexctl.1) and the bash and zsh
// completions (share/completion/) from the commands' own help: oclif's
// manifest (oclif.manifest.json, which `npm run build` writes), so the page
// and the completions list exactly the commands, flags and values mutexctl
// takes. --check: exit 1 when a file differs (npm run lint).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifestFile = join(root, 'oclif.manifest.json');
if (!existsSync(manifestFile)) {
  console.error('gen-cli-docs: oclif.manifest.json is missing; run `npm run build` first');
  process.exit(1);
}
const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const BIN = pjson.oclif.bin;

// ------------------------------------------------------------------ the model
const commands = Object.entries(manifest.commands)
  .filter(([, command]) => !command.hidden)
  .map(([id, command]) => ({ id, words: id.split(':'), ...command }))
  .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

const visibleFlags = (command) => Object.entries(command.flags ?? {}).filter(([, flag]) => !flag.hidden);

/** The output flags every mutexctl command takes (BaseCommand's): documented once. */
const COMMON = visibleFlags(commands.find((c) => c.id === 'stats'))
  .map(([name]) => name)
  .filter((name) => commands.every((c) => c.id === 'help' || name in (c.flags ?? {})));

const template = (text, command) => text.replaceAll('<%= config.bin %>', BIN).replaceAll('<%= command.id %>', command.words.join(' '));

function usage(command) {
  if (command.usage) return `${BIN} ${template(String(command.usage), command)}`;
  const args = Object.entries(command.args ?? {}).map(([name, arg]) => (arg.required ? name.toUpperCase() : `[${name.toUpperCase()}]`));
  return [BIN, ...command.words, ...args, '[FLAGS]'].join(' ');
}

/** What a flag's value is: its choices, a file, or a placeholder. */
function valueOf(flag) {
  if (flag.type !== 'option') return undefined;
  if (flag.options) return { kind: 'choice', choices: flag.options, label: flag.options.join('|') };
  const label = flag.helpValue ?? 'VALUE';
  return { kind: /FILE/.test(label) ? 'file' : 'text', label };
}

/** What `thresholds set` takes (src/thresholds/fields.ts and settings.ts). */
const THRESHOLD_KEYS = ['latency=', 'error-rate=', 'bandwidth=', 'conn-rate=', 'drop-rate=', 'interval=', 'disable=', 'enable=', 'disabled='];

/** The first sentence: up to a full stop at the end or before a capital ("e.g. --sort" goes on). */
const firstSentence = (text) => (text ?? '').split('\n')[0].replace(/^(.*?\.)(\s+[A-Z].*)?$/, '$1');

// --------------------------------------------------------------------- man page
/** Text as troff reads it literally: backslashes, and a leading . or ' that would be a request. */
const troff = (text) =>
  text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/gm, '\\&$1')
    .replace(/[^\p{ASCII}]/gu, (c) => `\\[u${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}]`);

function manParagraphs(text) {
  const out = [];
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split('\n');
    if (lines.some((line) => line.startsWith('- '))) {
      for (const line of lines) {
        if (line.startsWith('- ')) out.push('.IP \\(bu 2', troff(line.slice(2)));
        else out.push('.PP', troff(line));
      }
    } else {
      out.push('.PP', troff(lines.join(' ')));
    }
  }
  return out;
}

function manFlag(name, flag) {
  const value = valueOf(flag);
  const forms = [`\\fB\\-\\-${troff(name)}\\fR${value ? ` \\fI${troff(value.label)}\\fR` : ''}`];
  if (flag.char) forms.push(`\\fB\\-${flag.char}\\fR${value ? ` \\fI${troff(value.label)}\\fR` : ''}`);
  if (flag.allowNo) forms.push(`\\fB\\-\\-no\\-${troff(name)}\\fR`);
  return ['.TP', forms.join(', '), troff(flag.description ?? '')];
}

function manCommand(command) {
  const lines = ['.SS "' + troff(usage(command)) + '"', troff(template(command.summary ?? firstSentence(command.description), command))];
  if (command.description) lines.push(...manParagraphs(template(command.description, command)));
  const args = Object.entries(command.args ?? {});
  const flags = visibleFlags(command).filter(([name]) => !COMMON.includes(name));
  if (args.length > 0 || flags.length > 0) {
    lines.push('.PP', 'Arguments and flags:', '.RS 4');
    for (const [name, arg] of args) lines.push('.TP', `\\fI${name.toUpperCase()}\\fR`, troff(arg.description ?? ''));
    for (const [name, flag] of flags) lines.push(...manFlag(name, flag));
    lines.push('.RE');
  }
  const examples = command.examples ?? [];
  if (examples.length > 0) {
    lines.push('.PP', 'Examples:', '.RS 4');
    for (const example of examples) {
      const { description, command: line } = typeof example === 'string' ? { description: '', command: example } : example;
      if (description) lines.push('.PP', troff(template(description, command)));
      lines.push('.nf', `$ ${troff(template(line, command))}`, '.fi');
    }
    lines.push('.RE');
  }
  return lines;
}

function manPage() {
  const stats = commands.find((c) => c.id === 'stats');
  const lines = [
    `.\\" Generated by scripts/gen-cli-docs.mjs from mutexctl's own help (npm run gen). Do not edit.`,
    `.TH MUTEXCTL 1 "" "${BIN} ${pjson.version}" "User Commands"`,
    '.SH NAME',
    `${BIN} \\- ${troff(pjson.description.replace(/^./, (c) => c.toLowerCase()))}`,
    '.SH SYNOPSIS',
    `.B ${BIN}`,
    '.I command',
    '.RI [ flags ]',
    '.br',
    `.B ${BIN}`,
    '.RB [ \\-h | \\-\\-help | \\-V | \\-\\-version ]',
    '.SH DESCRIPTION',
    '.PP',
    troff(
      `${BIN} reads the statistics the mutex kernel module keeps per connection, per proxy context ("fd") and per network namespace, over the generic netlink family "mutex", and sets its alert thresholds. ` +
        'Every figure comes from real packets the module saw. Tables are for people; --json and --csv for scripts (see OUTPUT).',
    ),
    '.SH COMMANDS',
    ...commands.flatMap(manCommand),
    '.SH OUTPUT',
    '.PP',
    troff('These flags mean the same in every command:'),
    '.RS 4',
    ...COMMON.flatMap((name) => manFlag(name, stats.flags[name])),
    '.TP',
    '\\fB\\-\\-help\\fR, \\fB\\-h\\fR',
    troff('Show the help of the command.'),
    '.RE',
    ...manParagraphs(
      [
        'On a terminal, tables are drawn with box characters (and in colour unless NO_COLOR is set). Anywhere else (a pipe, a file) they are plain: a header line, then one line per row, columns aligned and at least two spaces apart, no box characters, no colour; a cell never holds two spaces in a row, so awk -F "  +" splits any line into its cells. Control characters in any cell (a context or process name, an alert message) are shown escaped (\\n, \\x1b), never sent raw.',
        'JSON keys and CSV columns are documented in docs/output.md, with JSON Schemas in docs/schema/. Counters are integers in base units. Identifiers (instance_id, id, fd_id, fd_ids, seq) are decimal strings in JSON, so that 64-bit values survive jq 1.6 and JavaScript; CSV and tables show the digits. New fields are only ever appended.',
        'Enumerated values (--proto TCP, --format JSON, --sections GLOBAL), threshold keys, units and alert types are accepted in any case.',
        'Bandwidths are read as tc(8) reads rates: bit, kbit, mbit, gbit, tbit are bits per second, bps, kbps, mbps, gbps, tbps BYTES per second, and ki, mi, gi, ti instead of k, m, g, t are powers of 1024; Mbit/s and MByte/s are read too. A lone b or B (10Mb, 10MB/s) is refused as ambiguous.',
      ].join('\n\n'),
    ),
    '.SH EXIT STATUS',
    '.TP',
    '.B 0',
    'Success.',
    '.TP',
    '.B 1',
    troff('A runtime or kernel error (the kernel\'s own message is shown), or a write that failed (a full disk).'),
    '.TP',
    '.B 2',
    troff('A usage error, found before the kernel is asked: a bad flag, argument or value, or a file named on the command line (--from, thresholds apply FILE, --output\'s path) that cannot be read, is not valid, or cannot be written to.'),
    '.TP',
    '.B 3',
    troff('The mutex kernel module is not loaded (the message says how to load it).'),
    '.PP',
    troff('fd run exits with the status of the command it ran.'),
    '.SH ENVIRONMENT',
    '.TP',
    '.B NO_COLOR',
    troff('Set and not empty: no colour, even on a terminal.'),
    '.TP',
    '.B FORCE_COLOR',
    troff('0 turns colour off; 1 to 3 turn it on for lines that are not tables (alerts --follow) even through a pipe.'),
    '.TP',
    '.B MUTEXCTL_HISTORY',
    troff('The directory of --rate\'s history files (default: $XDG_RUNTIME_DIR/mutexctl.u<uid>, else /tmp/mutexctl.u<uid>).'),
    '.SH FILES',
    '.TP',
    '.I /dev/mutex',
    troff('Opening it creates a context (fd run does, as root or with CAP_NET_ADMIN).'),
    '.TP',
    '.I /proc/mutex/stats',
    troff('The global statistics as text.'),
    '.SH SEE ALSO',
    '.BR ss (8),',
    '.BR tc (8),',
    '.BR conntrack (8),',
    '.BR nstat (8)',
    '',
  ];
  return lines.join('\n');
}

// ------------------------------------------------------------------ completion
const shellWord = (text) => `'${text.replace(/'/g, "'\\''")}'`;

function bashCompletion() {
  const topLevel = [...new Set(commands.map((c) => c.words[0]))];
  const subcommands = (id) => commands.filter((c) => c.words.length === 2 && c.words[0] === id).map((c) => c.words[1]);
  const flagWords = (command) =>
    visibleFlags(command).flatMap(([name, flag]) => [`--${name}`, ...(flag.char ? [`-${flag.char}`] : []), ...(flag.allowNo ? [`--no-${name}`] : [])]);
  const valueCases = (command) => {
    const cases = [];
    for (const [name, flag] of visibleFlags(command)) {
      const value = valueOf(flag);
      if (!value) continue;
      const patterns = [`--${name}`, ...(flag.char ? [`-${flag.char}`] : [])].join('|');
      if (value.kind === 'choice') cases.push(`        ${patterns}) COMPREPLY=($(compgen -W ${shellWord(value.choices.join(' '))} -- "$cur")); return ;;`);
      else if (value.kind === 'file') cases.push(`        ${patterns}) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return ;;`);
      else cases.push(`        ${patterns}) return ;;`);
    }
    return cases;
  };
  const commandCases = commands.map((command) => {
    const words = command.id === 'help' ? topLevel : [...flagWords(command), ...subcommands(command.id)];
    return [
      `    ${shellWord(command.words.join(' '))})`,
      '      case "$prev" in',
      ...valueCases(command),
      '      esac',
      ...(command.id === 'fd:run' ? ['      [[ $dashdash == 1 ]] && { COMPREPLY=($(compgen -c -- "$cur")); return; }'] : []),
      ...(command.id === 'thresholds:apply' ? ['      [[ $cur != -* ]] && { compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return; }'] : []),
      ...(command.id === 'thresholds:set' ? [`      [[ $cur != -* ]] && { compopt -o nospace 2>/dev/null; COMPREPLY=($(compgen -W ${shellWord(THRESHOLD_KEYS.join(' '))} -- "$cur")); return; }`] : []),
      `      COMPREPLY=($(compgen -W ${shellWord(words.join(' '))} -- "$cur")) ;;`,
    ].join('\n');
  });
  const known = commands.map((c) => c.words.join(' '));
  return `# bash completion for ${BIN}. Generated by scripts/gen-cli-docs.mjs from ${BIN}'s own help (npm run gen). Do not edit.
# Install: copy to /usr/share/bash-completion/completions/${BIN}, or source it from ~/.bashrc.
_${BIN}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local command='' named=0 dashdash=0 i word
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    [[ $word == -- ]] && { dashdash=1; break; }
    [[ $word == -* || $named == 1 ]] && continue
    case "\${command:+$command }$word" in
      ${known.map(shellWord).join('|')}) command=\${command:+$command }$word ;;
      *) [[ -n $command ]] && named=1 ;;
    esac
  done
  case "$command" in
    '')
      case "$cur" in
        -*) COMPREPLY=($(compgen -W '--help -h --version -V' -- "$cur")) ;;
        *) COMPREPLY=($(compgen -W ${shellWord(topLevel.join(' '))} -- "$cur")) ;;
      esac ;;
${commandCases.join('\n')}
  esac
}
complete -F _${BIN} ${BIN}
`;
}

/** Text inside a zsh _arguments spec, within single quotes: a [description] ([ and ] escaped), or a :message: (: escaped). */
const zshQuoted = (text) => text.replace(/\\/g, '\\\\').replace(/'/g, "'\\''");
const zshText = (text) => zshQuoted(firstSentence(text)).replace(/([[\]])/g, '\\$1');
const zshMessage = (text) => zshQuoted(text).replace(/:/g, '\\:');

function zshSpecs(command) {
  const specs = [];
  for (const [name, flag] of visibleFlags(command)) {
    const value = valueOf(flag);
    const forms = [`--${name}`, ...(flag.char ? [`-${flag.char}`] : [])];
    const exclusive = forms.length > 1 ? `(${forms.join(' ')})` : '';
    const action = !value ? '' : value.kind === 'choice' ? `:${name}:(${value.choices.join(' ')})` : value.kind === 'file' ? ':file:_files' : `:${zshMessage(value.label)}: `;
    const suffix = value ? '=' : '';
    const body = `[${zshText(flag.description)}]${action}`;
    if (forms.length > 1) specs.push(`'${exclusive}'{${forms.map((form) => `${form}${form.startsWith('--') ? suffix : ''}`).join(',')}}'${body}'`);
    else specs.push(`'${forms[0]}${suffix}${body}'`);
    if (flag.allowNo) specs.push(`'--no-${name}[The opposite of --${name}]'`);
  }
  specs.push("'(- *)'{--help,-h}'[Show the help of the command]'");
  const subs = commands.filter((c) => c.words.length === command.words.length + 1 && c.id.startsWith(`${command.id}:`));
  const args = Object.entries(command.args ?? {});
  if (command.id === 'fd:run') specs.push("'*::command:_normal'");
  else if (command.id === 'help') specs.push(`'*:command:(${[...new Set(commands.map((c) => c.words[0]))].join(' ')})'`);
  else if (command.id === 'thresholds:apply') specs.push("'1:file:_files'");
  else if (subs.length > 0) {
    const items = subs.map((c) => `${c.words.at(-1)}\\:"${zshText(c.summary).replace(/["`$]/g, '\\$&')}"`);
    specs.push(`'1:${args.length > 0 ? `${args[0][0]} or command` : 'command'}:((${items.join(' ')}))'`);
  }
  else if (args.length > 0) specs.push(`'1:${args[0][0]}: '`);
  if (command.id === 'thresholds:set') specs.push(`'*:KEY=VALUE:(${THRESHOLD_KEYS.join(' ')})'`);
  return specs;
}

function zshCompletion() {
  const top = [...new Set(commands.map((c) => c.words[0]))].map((word) => {
    const command = commands.find((c) => c.id === word);
    return `    ${shellWord(`${word}:${(command?.summary ?? firstSentence(command?.description)).replace(/:/g, '\\:')}`)}`;
  });
  const functions = commands.map((command) => {
    const name = `_${BIN}_${command.words.join('_')}`;
    return `${name}() {\n  _arguments -s -S \\\n    ${zshSpecs(command).join(' \\\n    ')}\n}`;
  });
  const dispatch = commands
    .slice()
    .sort((a, b) => b.words.length - a.words.length)
    .map((command) => {
      const test = command.words.map((word, i) => `$words[${i + 2}] == ${word}`).join(' && ');
      const shift = command.words.length;
      return `  if [[ ${test} ]]; then\n    (( CURRENT -= ${shift} )); shift ${shift} words\n    _${BIN}_${command.words.join('_')}; return\n  fi`;
    });
  return `#compdef ${BIN}
# zsh completion for ${BIN}. Generated by scripts/gen-cli-docs.mjs from ${BIN}'s own help (npm run gen). Do not edit.
# Install: copy to a directory of $fpath as _${BIN} (e.g. /usr/share/zsh/vendor-completions/_${BIN}).

${functions.join('\n\n')}

_${BIN}() {
  local -a commands
  commands=(
${top.join('\n')}
  )
  if (( CURRENT == 2 )); then
    if [[ $PREFIX == -* ]]; then
      _arguments '(- *)'{--help,-h}'[Show help]' '(- *)'{--version,-V}'[Show the version]'
    else
      _describe -t commands '${BIN} command' commands
    fi
    return
  fi
${dispatch.join('\n')}
  _message 'unknown command'
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _${BIN} "$@"
else
  compdef _${BIN} ${BIN}
fi
`;
}

// ------------------------------------------------------------------ write or check
const outputs = {
  'share/man/man1/mutexctl.1': manPage(),
  'share/completion/mutexctl.bash': bashCompletion(),
  'share/completion/_mutexctl': zshCompletion(),
};
const check = process.argv.includes('--check');
let stale = 0;
for (const [file, text] of Object.entries(outputs)) {
  const path = join(root, file);
  if (check) {
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text) {
      console.error(`gen-cli-docs: ${file} is stale; run \`npm run gen\``);
      stale++;
    }
  } else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}
process.exit(stale ? 1 : 0);
