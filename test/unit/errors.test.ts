import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { describeError, errnoName, UsageError } from '../../src/errors.js';
import {
  CodecError,
  FamilyNotFoundError,
  KernelError,
  TimeoutError,
} from '../../src/netlink/errors.js';

const { errno } = constants;

describe('error mapping', () => {
  it('family not found: exit 3 and how to load the module', () => {
    const described = describeError(new FamilyNotFoundError('mutex'));
    assert.equal(described.exitCode, 3);
    assert.equal(
      described.message,
      'the mutex kernel module is not loaded (generic netlink family "mutex" not found); ' +
        'load it with `sudo modprobe mutex` or `sudo insmod kernel/mutex.ko`',
    );
  });

  it('EPERM and EACCES: needs CAP_NET_ADMIN', () => {
    for (const code of [errno.EPERM, errno.EACCES]) {
      const described = describeError(new KernelError({ errno: code, extack: { message: 'ignored' } }));
      assert.equal(described.message, 'permission denied: this operation needs CAP_NET_ADMIN (run as root)');
      assert.equal(described.exitCode, 1);
    }
  });

  it("shows the kernel's own extack message and the attribute it blames", () => {
    const error = new KernelError({ errno: errno.EINVAL, extack: { message: 'latency threshold out of range' }, attribute: 'latency-us' });
    assert.deepEqual(describeError(error), {
      message: 'kernel: latency threshold out of range (attribute latency-us)',
      exitCode: 1,
    });
  });

  it('without extack: the errno name', () => {
    assert.equal(new KernelError({ errno: errno.EINVAL }).message, 'kernel: EINVAL (invalid argument)');
    assert.equal(new KernelError({ errno: errno.EOPNOTSUPP }).message.startsWith('kernel: EOPNOTSUPP'), true);
    assert.equal(new KernelError({ errno: 4000 }).message, 'kernel: errno 4000');
    assert.equal(errnoName(errno.ENOENT), 'ENOENT');
  });

  it('names a missing attribute', () => {
    assert.equal(new KernelError({ errno: errno.EINVAL, missingAttribute: 'fd-id' }).message, 'kernel: missing attribute fd-id');
  });

  it('usage errors exit 2, including oclif parse errors', () => {
    assert.equal(describeError(new UsageError('bad')).exitCode, 2);
    const oclifError = Object.assign(new Error('Nonexistent flag: --bogus\nSee more help with --help'), { oclif: { exit: 2 } });
    assert.deepEqual(describeError(oclifError), { message: 'Nonexistent flag: --bogus', exitCode: 2 });
  });

  it('other failures exit 1 with one line', () => {
    assert.deepEqual(describeError(new Error('first\nsecond')), { message: 'first; second', exitCode: 1 });
    assert.equal(describeError(new CodecError('truncated')).exitCode, 1);
    assert.equal(describeError('weird').exitCode, 1);
    assert.match(new TimeoutError('stats-get', 5000).message, /within 5 s/);
  });
});
