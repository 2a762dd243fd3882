// Tables for people and for awk (issue 15), on what the real module reports:
// boxed on a terminal, plain whitespace-aligned columns into a pipe, and
// control characters from the kernel (a process name: prctl(PR_SET_NAME)
// takes any byte but NUL, and /dev/mutex reports its opener's) escaped in
// every table, JSON-escaped in JSON, quoted in CSV.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cliPath, freshPort, mutexctl, PYTHON, python, UDP_ROUND_TRIP } from './lib.js';

// The comm the opener gives itself: ESC [2J (clear screen), a newline, DEL; 15 bytes at most.
const COMM = 'ev\x1b[2J\nx\x7fil';
const ESCAPED = 'ev\\x1b[2J\\nx\\x7fil';

/**
 * A python process that renames itself to COMM, opens a context, sends one
 * datagram to port argv[1] (a flow whose process is COMM), prints the
 * context's id, and holds it until its stdin closes.
 */
const HOLDER = `
import ctypes, os, socket, sys
ctypes.CDLL(None).prctl(15, ${JSON.stringify(COMM)}.encode(), 0, 0, 0)
fd = os.open('/dev/mutex', os.O_RDWR)
os.write(fd, b'name=tables scope=all proto=udp')
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x' * 10, ('127.0.0.1', int(sys.argv[1])))
print(os.pread(fd, 64, 0).decode().split()[1], flush=True)
sys.stdin.read()
`;

/** Box-drawing characters: none in a plain table. */
const BOX = /[│─┌┐└┘├┤┬┴┼]/;

function hasRawControl(text: string): boolean {
  return [...text].some((c) => {
    const code = c.charCodeAt(0);
    return (code < 0x20 && c !== '\n') || (code >= 0x7f && code <= 0x9f);
  });
}

/** The CLI under a pseudo-terminal (script(1)), as a person at a terminal runs it. */
function onTerminal(args: string[]): string {
  const command = [process.execPath, cliPath, ...args].map((word) => `'${word}'`).join(' ');
  const run = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', TERM: 'dumb' } });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.replace(/\r\n/g, '\n');
}

let holder: ChildProcess;
let id: string;
let pid: number;

describe('tables on real data', () => {
  before(async () => {
    holder = spawn(PYTHON, ['-c', HOLDER, String(freshPort())], { stdio: ['pipe', 'pipe', 'inherit'] });
    pid = holder.pid!;
    id = await new Promise<string>((resolve, reject) => {
      holder.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
      holder.once('exit', (code) => reject(new Error(`the holder exited ${code}`)));
    });
    // Some traffic, so the context has a flow to list.
    python(UDP_ROUND_TRIP, ['4', String(freshPort()), '5', '100']);
  });
  after(() => holder.stdin!.end());

  it('into a pipe: plain columns (header line, no boxes, no colour) that awk reads; the process name escaped', () => {
    const run = mutexctl(['fd'], { FORCE_COLOR: '1' });
    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stdout, BOX);
    assert.equal(hasRawControl(run.stdout), false, 'no colour and no raw control character');
    const [header, ...rows] = run.stdout.trimEnd().split('\n');
    assert.deepEqual(header!.trim().split(/ {2,}/).slice(0, 4), ['ID', 'NAME', 'SELECTOR', 'OWNER']);
    const mine = rows.map((line) => line.trim().split(/ {2,}/)).find((cells) => cells[0] === id);
    assert.ok(mine, run.stdout);
    assert.deepEqual(mine.slice(1, 4), ['tables', 'scope=all proto=udp', `${ESCAPED}/${pid}`]);
    // awk: the id is the first field of its line.
    const awk = spawnSync('awk', [`$1 == "${id}" { print $2 }`], { input: run.stdout, encoding: 'utf8' });
    assert.equal(awk.stdout, 'tables\n');
  });

  it('one record into a pipe: statistic and value per line, grep-able', () => {
    const run = mutexctl(['fd', id]);
    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stdout, BOX);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^statistic {2,}value$/);
    const owner = lines.find((line) => line.startsWith('owner comm'));
    assert.deepEqual(owner?.split(/ {2,}/), ['owner comm', ESCAPED], run.stdout);
    assert.equal(hasRawControl(run.stdout), false);
  });

  it('on a terminal: boxed, with the same escaped name', () => {
    const text = onTerminal(['fd', id]);
    assert.match(text, BOX);
    assert.ok(text.includes(ESCAPED), text);
    assert.equal(hasRawControl(text), false);
    const list = onTerminal(['conn', '--fd', id]);
    assert.match(list, /│ *ID *│ *FD *│ *PROTO/);
  });

  it('JSON carries the name exactly (escaped per JSON); CSV quotes it', () => {
    const json = mutexctl(['fd', id, '--json']);
    assert.equal(json.status, 0, json.stderr);
    assert.equal(hasRawControl(json.stdout.replace(/\n/g, '')), false);
    const record = JSON.parse(json.stdout) as { id: string; owner_comm: string };
    assert.equal(record.owner_comm, COMM);
    assert.equal(record.id, id);
    const csv = mutexctl(['fd', id, '--csv', '--columns', 'id,owner_comm']);
    assert.equal(csv.stdout, `id,owner_comm\r\n${id},"${COMM}"\r\n`);
  });

  it('conn: the process behind a flow, exact in JSON, found by --process with its raw name, escaped in both table styles', () => {
    const byPid = mutexctl(['conn', '--fd', id, '--process', String(pid), '--json']);
    assert.equal(byPid.status, 0, byPid.stderr);
    const flows = JSON.parse(byPid.stdout) as { id: string; pid: number; comm: string }[];
    assert.equal(flows.length, 1, byPid.stdout);
    assert.deepEqual([flows[0]!.pid, flows[0]!.comm], [pid, COMM]);
    const byName = mutexctl(['conn', '--fd', id, '--process', COMM, '--json', '--columns', 'id']);
    assert.equal(byName.status, 0, byName.stderr);
    assert.deepEqual(JSON.parse(byName.stdout), [{ id: flows[0]!.id }]);
    const plain = mutexctl(['conn', flows[0]!.id]);
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(hasRawControl(plain.stdout), false, plain.stdout);
    const lines = plain.stdout.trimEnd().split('\n').map((line) => line.split(/ {2,}/));
    assert.deepEqual(lines.find((cells) => cells[0] === 'process'), ['process', ESCAPED], plain.stdout);
    assert.deepEqual(lines.find((cells) => cells[0] === 'pid'), ['pid', String(pid)], plain.stdout);
    const boxed = onTerminal(['conn', flows[0]!.id]);
    assert.ok(boxed.includes(ESCAPED), boxed);
    assert.equal(hasRawControl(boxed), false);
  });

  it('conn into a pipe: awk finds every flow of the context, with the ids JSON gives', () => {
    const [plain, json] = [mutexctl(['conn', '--fd', id, '--sort', 'id']), mutexctl(['conn', '--fd', id, '--sort', 'id', '--json'])];
    assert.equal(plain.status, 0, plain.stderr);
    const ids = (JSON.parse(json.stdout) as { id: string }[]).map((conn) => conn.id);
    assert.ok(ids.length > 0);
    const awk = spawnSync('awk', ['NR > 1 { print $1 }'], { input: plain.stdout, encoding: 'utf8' });
    assert.deepEqual(awk.stdout.trimEnd().split('\n'), ids);
    const grep = spawnSync('grep', ['-c', 'udp'], { input: plain.stdout, encoding: 'utf8' });
    assert.equal(grep.stdout.trim(), String(ids.length));
  });
});
