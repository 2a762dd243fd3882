// `export -o PATH` never destroys anything (issue 15): the real CLI, run as
// root on this machine, converting a stored binary snapshot (--from, so no
// module is needed) into every kind of target a path can name. A regular file
// (or the file a symlink points to) is replaced atomically, keeping its mode
// and owner; a character device or FIFO is written to; a directory, socket or
// block device is refused before anything is read; `-` is stdout; messages
// name the path as typed, never the temporary file.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeSnapshot } from '../../src/export/binary.js';
import { runCommand, type NodeRun } from '../unit/helpers/run-node.js';

const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(projectRoot, 'bin/run.js');

/** Runs `sh -c SCRIPT` with $MUTEXCTL the CLI: for umask, setpriv and the like. */
function sh(script: string, options: { cwd?: string } = {}): Promise<NodeRun> {
  return runCommand('sh', ['-c', script], {
    cwd: options.cwd ?? projectRoot,
    env: { ...process.env, NO_COLOR: '1', HOME: '/nonexistent', MUTEXCTL: `${process.execPath} ${cli}` },
  });
}

const quote = (text: string): string => `'${text.replace(/'/g, "'\\''")}'`;

let dir: string;
let snapshot: string;
let expected: string;

/** `export --from SNAPSHOT --format json -o TARGET`. */
const exportTo = (target: string, prefix = ''): Promise<NodeRun> => sh(`${prefix}$MUTEXCTL export --from ${quote(snapshot)} --format json -o ${quote(target)}`);

/** No temporary file (`.NAME.<hex>.tmp`) is left anywhere under the scratch directory. */
function assertNoTemporaryFiles(): void {
  const left = readdirSync(dir, { recursive: true }).map(String).filter((name) => name.endsWith('.tmp'));
  assert.deepEqual(left, []);
}

function assertOk(run: NodeRun): void {
  assert.equal(run.stderr, '');
  assert.equal(run.code, 0);
  assert.equal(run.stdout, '');
}

describe('export -o: nothing is destroyed (as root)', { timeout: 120_000 }, () => {
  before(async () => {
    assert.equal(process.getuid?.(), 0, 'these tests run as root (chown, mknod, other owners)');
    dir = mkdtempSync(join(tmpdir(), 'mutexctl-output-'));
    chmodSync(dir, 0o755);
    snapshot = join(dir, 'snap.bin');
    writeFileSync(
      snapshot,
      encodeSnapshot({ takenNs: 1_764_460_800_000_000_000n, scopes: ['global'], stats: { instance_id: 2n ** 63n + 12345n, bytes_sent: 42n } }),
    );
    const stdout = await sh(`$MUTEXCTL export --from ${quote(snapshot)} --format json`);
    assert.equal(stdout.code, 0, stdout.stderr);
    expected = stdout.stdout;
    assert.match(expected, /"instance_id": "9223372036854788153"/);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a new file: written, with the mode > would give it (0666 less the umask)', async () => {
    const target = join(dir, 'new.json');
    assertOk(await exportTo(target, 'umask 027; '));
    assert.equal(readFileSync(target, 'utf8'), expected);
    assert.equal(statSync(target).mode & 0o7777, 0o640);
    assertNoTemporaryFiles();
  });

  it('an existing file: replaced atomically (a new inode), its mode and owner kept', async () => {
    const target = join(dir, 'kept.prom');
    writeFileSync(target, 'old contents\n');
    chownSync(target, 1234, 5678);
    chmodSync(target, 0o640);
    const before = statSync(target);
    assertOk(await exportTo(target));
    const now = statSync(target);
    assert.equal(readFileSync(target, 'utf8'), expected);
    assert.notEqual(now.ino, before.ino, 'renamed over, not rewritten in place');
    assert.equal(now.mode & 0o7777, 0o640);
    assert.deepEqual([now.uid, now.gid], [1234, 5678]);
    assertNoTemporaryFiles();
  });

  it('an existing file with set-id bits: they survive the new owner', async () => {
    const target = join(dir, 'setgid.json');
    writeFileSync(target, 'old\n');
    chownSync(target, 1234, 5678);
    chmodSync(target, 0o2750);
    assertOk(await exportTo(target));
    assert.equal(statSync(target).mode & 0o7777, 0o2750);
  });

  it('a symlink to a file: the link stays, its target is replaced with mode and owner kept', async () => {
    mkdirSync(join(dir, 'real'));
    const real = join(dir, 'real', 'metrics.prom');
    writeFileSync(real, 'old\n');
    chownSync(real, 4321, 8765);
    chmodSync(real, 0o600);
    const link = join(dir, 'link.prom');
    symlinkSync('real/metrics.prom', link);
    assertOk(await exportTo(link));
    assert.ok(lstatSync(link).isSymbolicLink(), 'still a symlink');
    assert.equal(readlinkSync(link), 'real/metrics.prom');
    assert.equal(readFileSync(real, 'utf8'), expected);
    const stat = statSync(real);
    assert.equal(stat.mode & 0o7777, 0o600);
    assert.deepEqual([stat.uid, stat.gid], [4321, 8765]);
    assertNoTemporaryFiles();
  });

  it('a dangling symlink: its target is created, as > does, and the link stays', async () => {
    const link = join(dir, 'dangling.json');
    symlinkSync('created-by-export.json', link);
    assertOk(await exportTo(link));
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readFileSync(join(dir, 'created-by-export.json'), 'utf8'), expected);
  });

  it('a FIFO: written to, and still a FIFO', async () => {
    const fifo = join(dir, 'pipe');
    const made = await sh(`mkfifo ${quote(fifo)}`);
    assert.equal(made.code, 0, made.stderr);
    const reader = sh(`cat ${quote(fifo)}`);
    const writer = await exportTo(fifo);
    assertOk(writer);
    assert.equal((await reader).stdout, expected);
    assert.ok(lstatSync(fifo).isFIFO());
  });

  it('/dev/null: written to, still the device', async () => {
    const before = statSync('/dev/null');
    assertOk(await exportTo('/dev/null'));
    const now = statSync('/dev/null');
    assert.ok(now.isCharacterDevice());
    assert.equal(now.rdev, before.rdev);
  });

  it('/dev/full: fails with ENOSPC (exit 1) naming /dev/full, and stays the device', async () => {
    const before = statSync('/dev/full');
    const run = await exportTo('/dev/full');
    assert.equal(run.stderr, 'mutexctl: cannot write /dev/full: ENOSPC (no space left on device)\n');
    assert.equal(run.code, 1);
    const now = lstatSync('/dev/full');
    assert.ok(now.isCharacterDevice(), '/dev/full is not replaced by a file');
    assert.equal(now.rdev, before.rdev);
  });

  it('a symlink to /dev/full: ENOSPC, naming the link as typed; link and device stay', async () => {
    const link = join(dir, 'full-link');
    symlinkSync('/dev/full', link);
    const run = await exportTo(link);
    assert.equal(run.stderr, `mutexctl: cannot write ${link}: ENOSPC (no space left on device)\n`);
    assert.equal(run.code, 1);
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.ok(lstatSync('/dev/full').isCharacterDevice());
  });

  it('- is stdout: no file named -', async () => {
    const cwd = join(dir, 'dash');
    mkdirSync(cwd);
    const run = await sh(`$MUTEXCTL export --from ${quote(snapshot)} --format json -o -`, { cwd });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, expected);
    assert.equal(existsSync(join(cwd, '-')), false);
  });

  describe('refused before the snapshot is read: exit 2, naming the path as typed', () => {
    let server: Server;
    let socketPath: string;
    before(async () => {
      socketPath = join(dir, 'sock');
      server = createServer();
      await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    });
    after(() => server.close());

    const refusals: [string, () => string, RegExp][] = [
      ['a directory', () => dir, /: is a directory; give a file name$/],
      ['a socket', () => socketPath, /: is a socket; --output writes files, FIFOs and character devices$/],
      ['a missing directory', () => join(dir, 'no', 'such', 'x.json'), /: no such directory: \S+\/no\/such$/],
      ['an empty path', () => '', /^mutexctl: --output "": empty file name \(- writes to stdout\)$/],
    ];
    for (const [what, target, message] of refusals) {
      it(what, async () => {
        const typed = target();
        // --from a file that does not exist: had the output been accepted, the read would fail instead.
        const run = await sh(`$MUTEXCTL export --from /nonexistent -o ${quote(typed)}`);
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr.trimEnd(), message);
        if (typed !== '') assert.ok(run.stderr.startsWith(`mutexctl: --output ${typed}: `), run.stderr);
        assert.equal(run.stderr.split('\n').length, 2);
        assert.doesNotMatch(run.stderr, /\.tmp|EEXIST|open '/, 'never the temporary file or node\'s raw text');
      });
    }

    it('a block device: refused, and left as it is', async () => {
      const device = join(dir, 'blk');
      const made = await sh(`mknod -m 600 ${quote(device)} b 7 200`);
      assert.equal(made.code, 0, made.stderr);
      const run = await sh(`$MUTEXCTL export --from /nonexistent -o ${quote(device)}`);
      assert.equal(run.code, 2);
      assert.equal(run.stderr, `mutexctl: --output ${device}: is a block device; --output does not write over a disk\n`);
      assert.ok(lstatSync(device).isBlockDevice());
    });
  });

  describe('as another user (nobody)', () => {
    const asNobody = 'setpriv --reuid=65534 --regid=65534 --clear-groups ';

    it('a file it may write but cannot give back its owner: rewritten in place, owner and mode kept', async () => {
      const shared = join(dir, 'shared');
      mkdirSync(shared);
      chmodSync(shared, 0o777);
      const target = join(shared, 'group-writable.json');
      writeFileSync(target, 'old contents, longer than nothing\n');
      chownSync(target, 0, 65534);
      chmodSync(target, 0o664);
      const before = statSync(target);
      assertOk(await exportTo(target, asNobody));
      const now = statSync(target);
      assert.equal(readFileSync(target, 'utf8'), expected);
      assert.equal(now.ino, before.ino, 'the same file');
      assert.deepEqual([now.uid, now.gid, now.mode & 0o7777], [0, 65534, 0o664]);
      assertNoTemporaryFiles();
    });

    it('a file it may not write: refused (exit 2), untouched', async () => {
      const target = join(dir, 'root-only.json');
      writeFileSync(target, 'keep me\n');
      chmodSync(target, 0o644);
      const run = await exportTo(target, asNobody);
      assert.equal(run.stderr, `mutexctl: --output ${target}: EACCES (permission denied)\n`);
      assert.equal(run.code, 2);
      assert.equal(readFileSync(target, 'utf8'), 'keep me\n');
    });

    it('a directory it may not write: refused (exit 2)', async () => {
      const locked = join(dir, 'locked');
      mkdirSync(locked);
      chmodSync(locked, 0o755);
      const run = await exportTo(join(locked, 'x.json'), asNobody);
      assert.equal(run.stderr, `mutexctl: --output ${join(locked, 'x.json')}: cannot create a file in ${locked}: EACCES (permission denied)\n`);
      assert.equal(run.code, 2);
    });
  });
});
