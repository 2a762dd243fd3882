// Runs against this machine's real generic netlink controller, where the mutex
// module is not loaded (it cannot be: the module is tested under QEMU, test/vm/).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { runNode } from '../unit/helpers/run-node.js';
import { fileURLToPath } from 'node:url';
import { constants } from 'node:os';
import { GENL_ID_CTRL, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, CTRL_CMD_GETFAMILY, CTRL_VERSION } from '../../src/netlink/constants.js';
import { FamilyNotFoundError, KernelError } from '../../src/netlink/errors.js';
import { lookupFamily, MutexClient } from '../../src/netlink/client.js';
import { NetlinkConnection } from '../../src/netlink/socket.js';
import { buildGenlMessage, parseDoneMessage } from '../../src/netlink/message.js';

const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));
const NOT_LOADED =
  'mutexctl: the mutex kernel module is not loaded (generic netlink family "mutex" not found); ' +
  'load it with `sudo modprobe mutex` or `sudo insmod kernel/mutex.ko`\n';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], options: { nodeArgs?: string[] } = {}): Promise<Run> {
  return runNode([...(options.nodeArgs ?? []), ...args], { cwd: projectRoot, env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '' } });
}

describe('mutexctl without the module loaded', { timeout: 60_000 }, () => {
  for (const format of [[], ['--json'], ['--csv']]) {
    it(`stats ${format.join(' ')} exits 3 with how to load it, nothing on stdout`, async () => {
      const result = await run(['bin/run.js', 'stats', ...format]);
      assert.equal(result.stderr, NOT_LOADED);
      assert.equal(result.stdout, '');
      assert.equal(result.code, 3);
    });
  }

  it('stats --bogus is a usage error (exit 2)', async () => {
    const result = await run(['bin/run.js', 'stats', '--bogus']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^mutexctl: Nonexistent flag: --bogus/);
    assert.equal(result.stderr.split('\n').length, 2, 'one line');
    assert.equal(result.stdout, '');
  });

  it('--json and --csv together are a usage error (exit 2)', async () => {
    const result = await run(['bin/run.js', 'stats', '--json', '--csv']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^mutexctl: .*cannot also be provided/);
  });
});

describe('netlink client against the real kernel', () => {
  it('looks up nlctrl', async () => {
    const connection = await NetlinkConnection.open();
    try {
      const family = await lookupFamily(connection, 'nlctrl');
      assert.equal(family.id, GENL_ID_CTRL);
      assert.ok(family.version >= 1);
      assert.ok(family.mcastGroups.has('notify'));
    } finally {
      connection.close();
    }
  });

  it('raises FamilyNotFoundError for mutex', async () => {
    await assert.rejects(MutexClient.open(), FamilyNotFoundError);
  });

  it("shows the kernel's extended-ACK text when it gives one", async () => {
    const connection = await NetlinkConnection.open();
    try {
      // nlctrl's policy limits family names to GENL_NAMSIZ (16) bytes.
      await assert.rejects(lookupFamily(connection, 'x'.repeat(40)), (error: unknown) => {
        assert.ok(error instanceof KernelError);
        assert.equal(error.errno, constants.errno.EINVAL);
        if (connection.extendedAck) assert.ok(error.extack.message, 'extended ACK is on, so the kernel sent a text');
        assert.match(error.message, /^kernel: /);
        return true;
      });
    } finally {
      connection.close();
    }
  });

  it('reads a whole dump up to NLMSG_DONE', async () => {
    const connection = await NetlinkConnection.open();
    try {
      const seq = connection.allocateSequence();
      const request = buildGenlMessage(
        { type: GENL_ID_CTRL, flags: NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ACK, seq, cmd: CTRL_CMD_GETFAMILY, version: CTRL_VERSION },
        Buffer.alloc(0),
      );
      const messages = await connection.transact(request, seq, { dump: true, what: 'nlctrl dump' });
      const done = messages[messages.length - 1]!;
      assert.equal(done.header.type, NLMSG_DONE);
      assert.equal(parseDoneMessage(done).error, 0);
      assert.ok(messages.filter((m) => m.header.type === GENL_ID_CTRL).length >= 1);
    } finally {
      connection.close();
    }
  });
});

describe('output into a closed pipe', () => {
  it('ends quietly with exit 0 when the reader goes away', async () => {
    const stdoutModule = new URL('../../src/output/stdout.js', import.meta.url).href;
    const script = `
      const { writeOutput } = await import(${JSON.stringify(stdoutModule)});
      const line = 'x'.repeat(1023) + '\\n';
      for (let i = 0; i < 20000; i++) await writeOutput(line);
    `;
    const result = await new Promise<Run>((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.once('data', () => child.stdout.destroy()); // like `| head -1`
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout: '', stderr }));
    });
    assert.equal(result.stderr, '');
    assert.equal(result.code, 0);
  });
});
