import assert from 'node:assert/strict';
import { ExitCode, UsageError } from '../../../src/errors.js';

/** An assert.throws/rejects validator: a one-line usage error (exit 2) matching pattern. */
export function usageError(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof UsageError, `a UsageError, got ${String(error)}`);
    assert.equal(error.exitCode, ExitCode.usage);
    assert.match(error.message, pattern);
    assert.equal(error.message.includes('\n'), false, 'one line');
    return true;
  };
}
