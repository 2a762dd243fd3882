// Context ids never wrap (issue 11): 0 means "no context" to every filter,
// and an id is never reused while the module is loaded.  The module is
// reloaded at the end, since no context can be opened past the last id.
import assert from 'node:assert/strict';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';

import { Context, fdStats, sh } from './lib.js';

const PARAM = '/sys/module/mutex/parameters/last_ctx_id';

after(() => sh(`rmmod mutex && insmod ${process.env['MUTEX_KO'] ?? '/run/mutex-vm/mutex.ko'}`));

describe('context ids', () => {
  it('the last id is 4294967295; past it, open() fails with ENOSPC instead of wrapping to 0', async () => {
    const first = Context.open();
    const start = first.id;
    first.close();
    assert.throws(() => writeFileSync(PARAM, String(start - 1)), /EINVAL|Invalid argument/, 'the counter only moves up');
    writeFileSync(PARAM, '4294967294');
    const last = Context.open('name=last scope=all');
    try {
      assert.equal(last.id, 4294967295);
      assert.equal((await fdStats(last.id)).name, 'last');
      assert.throws(() => openSync('/dev/mutex', 'r+'), (e: NodeJS.ErrnoException) => e.code === 'ENOSPC');
      assert.equal(readFileSync(PARAM, 'utf8').trim(), '4294967295', 'a refused open takes no id');
    } finally {
      last.close();
    }
  });
});
