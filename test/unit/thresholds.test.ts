// thresholds: the views, `set` (one request), file loading, the diff, and
// `apply` rolling back what it applied when a later request fails.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from '../../src/errors.js';
import { KernelError } from '../../src/netlink/errors.js';
import { usageError } from './helpers/usage-error.js';
import { applySettings, renderThresholds } from '../../src/app/thresholds.js';
import { loadThresholdsFile, parseFileText, thresholdsFromData } from '../../src/thresholds/file.js';
import { thresholdsGet } from '../../src/kernel/operations.js';
import { ApplyError, applyPlans, describeChange, planFile, planScope, rollbackRequest } from '../../src/thresholds/plan.js';
import { parseAssignments, parseSettings } from '../../src/thresholds/settings.js';
import { renderView } from '../../src/output/index.js';
import { thresholdChangeRow, thresholdChangesView } from '../../src/views/thresholds.js';
import { SEED, snapshot, thresholdsKernel, type GlobalValues } from './helpers/thresholds-kernel.js';
import { boxedCells, plainCells } from './helpers/table.js';

const flags = (format: 'json' | 'csv' | 'table') => ({ json: format === 'json', csv: format === 'csv', header: true });

const BOXED = { boxed: true, color: false };

describe('thresholds views', () => {
  const fd3 = {
    fd_id: 3,
    latency_us: 100_000n,
    error_rate_ppm: 100_000,
    bandwidth_bps: 1_000_000_000n,
    conn_rate: 10_000,
    drop_rate_ppm: 50_000,
    disabled: 0b10000,
    overridden: 0b100001,
    alerts_active: 0b00001,
  };

  it('global JSON: raw integers with the unit in the key, masks as names', () => {
    const parsed = JSON.parse(renderThresholds({ ...SEED, disabled: 0b00100 }, 'global', flags('json'))) as Record<string, unknown>;
    assert.deepEqual(parsed, {
      latency_us: 500000,
      error_rate_ppm: 100000,
      bandwidth_bps: 1000000000,
      conn_rate: 10000,
      drop_rate_ppm: 50000,
      disabled: ['bandwidth_spike'],
      interval_ms: 1000,
    });
  });

  it('context JSON and CSV: fd_id, the effective values, overridden keys, alerts raised now', () => {
    const parsed = JSON.parse(renderThresholds(fd3, 'context', flags('json'))) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), [
      'fd_id', 'latency_us', 'error_rate_ppm', 'bandwidth_bps', 'conn_rate', 'drop_rate_ppm', 'disabled', 'overridden', 'alerts_active',
    ]);
    assert.deepEqual(parsed.overridden, ['latency_us', 'disabled']);
    assert.deepEqual(parsed.alerts_active, ['high_latency']);
    assert.deepEqual(parsed.disabled, ['packet_drop']);
    assert.equal(
      renderThresholds(fd3, 'context', flags('csv')),
      'fd_id,latency_us,error_rate_ppm,bandwidth_bps,conn_rate,drop_rate_ppm,disabled,overridden,alerts_active\r\n' +
        '3,100000,100000,1000000000,10000,50000,packet_drop,latency_us;disabled,high_latency\r\n',
    );
    assert.equal(
      renderThresholds(SEED, 'global', flags('csv')),
      'latency_us,error_rate_ppm,bandwidth_bps,conn_rate,drop_rate_ppm,disabled,interval_ms\r\n500000,100000,1000000000,10000,50000,,1000\r\n',
    );
  });

  it('global table: one row per threshold in human units, boxed or plain the same cells', () => {
    const attrs = { ...SEED, disabled: 0b10000 };
    assert.deepEqual(plainCells(renderThresholds(attrs, 'global', flags('table'))), boxedCells(renderThresholds(attrs, 'global', flags('table'), BOXED)));
    assert.deepEqual(boxedCells(renderThresholds(attrs, 'global', flags('table'), BOXED)), [
      ['THRESHOLD', 'VALUE', 'ALERT', 'ALERTS'],
      ['latency', '500 ms', 'high_latency', 'enabled'],
      ['error rate', '10 %', 'high_error_rate', 'enabled'],
      ['bandwidth', '1 Gbit/s', 'bandwidth_spike', 'enabled'],
      ['conn rate', '10000/s', 'connection_flood', 'enabled'],
      ['drop rate', '5 %', 'packet_drop', 'disabled'],
      ['interval', '1 s', '-', '-'],
    ]);
  });

  it('context table: what is overridden and what is raised now', () => {
    assert.deepEqual(boxedCells(renderThresholds(fd3, 'context', flags('table'), BOXED)), [
      ['THRESHOLD', 'VALUE', 'ALERT', 'ALERTS', 'OVERRIDDEN', 'NOW'],
      ['latency', '100 ms', 'high_latency', 'enabled', 'value, alerts', 'raised'],
      ['error rate', '10 %', 'high_error_rate', 'enabled', 'alerts', '-'],
      ['bandwidth', '1 Gbit/s', 'bandwidth_spike', 'enabled', 'alerts', '-'],
      ['conn rate', '10000/s', 'connection_flood', 'enabled', 'alerts', '-'],
      ['drop rate', '5 %', 'packet_drop', 'disabled', 'alerts', '-'],
    ]);
  });
});

describe('thresholds set', () => {
  const settingsOf = (args: string[], context = false) => parseSettings(parseAssignments(args), { context });

  it('sends everything in one thresholds-set request and echoes it normalised', async () => {
    const kernel = await thresholdsKernel();
    const result = await applySettings(kernel.client, undefined, settingsOf(['latency=200ms', 'bandwidth=100mbps', 'interval=2s']));
    assert.deepEqual(kernel.requests.map((request) => request.operation), ['thresholds-set']);
    assert.deepEqual(kernel.sets[0], { latency_us: 200_000n, bandwidth_bps: 800_000_000n, interval_ms: 2000 });
    assert.deepEqual(result.lines, ['latency 200 ms (200000 us)', 'bandwidth 800 Mbit/s (800000000 bit/s)', 'interval 2 s (2000 ms)']);
    assert.equal(kernel.state.global.latency_us, 200_000n);
  });

  it('disable=/enable= read the mask in force first, then set the whole mask with the values', async () => {
    const kernel = await thresholdsKernel({ contexts: { 3: { disabled: 0b00110 } } });
    const result = await applySettings(kernel.client, 3, settingsOf(['latency=50ms', 'disable=packet-drop', 'enable=bandwidth'], true));
    assert.deepEqual(kernel.requests.map((request) => request.operation), ['thresholds-get', 'thresholds-set']);
    assert.deepEqual(kernel.requests[0]!.attributes, { fd_id: 3 });
    assert.deepEqual(kernel.sets[0], { fd_id: 3, latency_us: 50_000n, disabled: 0b10010 });
    assert.deepEqual(result.lines, ['latency 50 ms (50000 us)', 'disabled high_error_rate, packet_drop']);
  });

  it('a missing context and the kernel refusing are kernel errors (exit 1) with its message', async () => {
    const kernel = await thresholdsKernel({
      failSet: () => ({ errno: 22, extack: { message: 'latency-us out of range' } }),
    });
    await assert.rejects(applySettings(kernel.client, 9, settingsOf(['latency=1ms'], true)), /^KernelError: no context with id 9 in this network namespace$/);
    await assert.rejects(applySettings(kernel.client, undefined, settingsOf(['latency=1ms'])), (error: unknown) => {
      assert.ok(error instanceof KernelError);
      assert.equal(error.exitCode, ExitCode.failure);
      assert.match(error.message, /^kernel: latency-us out of range/);
      return true;
    });
    const denied = await thresholdsKernel({ failSet: () => ({ errno: 1 }) });
    await assert.rejects(applySettings(denied.client, undefined, settingsOf(['latency=1ms'])), /needs CAP_NET_ADMIN/);
  });
});

describe('thresholds files', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mutexctl-thresholds-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  const expected = {
    scopes: [
      { settings: { values: { latency: 200_000n, 'error-rate': 20_000n }, disabled: 0b10000, disable: 0, enable: 0 } },
      { fdId: 3, settings: { values: { latency: 100_000n, bandwidth: 50_000_000n }, disabled: undefined, disable: 0, enable: 0 } },
      { fdId: 12, settings: { values: { 'conn-rate': 100n }, disabled: undefined, disable: 0b00001, enable: 0 } },
    ],
  };

  it('YAML with units, raw integers, and contexts in id order', async () => {
    const path = file(
      'thresholds.yaml',
      [
        'global:',
        '  latency: 200ms',
        '  error_rate_ppm: 20000',
        '  disabled: [packet-drop]',
        'fd:',
        '  "12":',
        '    conn-rate: 100',
        '    disable: latency',
        '  3:',
        '    latency_us: 100000',
        '    bandwidth: 50Mbit/s',
        '',
      ].join('\n'),
    );
    assert.deepEqual(await loadThresholdsFile(path), expected);
  });

  it('JSON, by extension or by content', async () => {
    const text = JSON.stringify({
      global: { latency: '200ms', 'error-rate': '2%', disabled: ['packet_drop'] },
      fd: { '3': { latency: '100ms', bandwidth_bps: 50_000_000 }, '12': { conn_rate: '100/s', disable: ['high-latency'] } },
    });
    assert.deepEqual(await loadThresholdsFile(file('t.json', text)), expected);
    assert.deepEqual(await loadThresholdsFile(file('t.conf', text)), expected);
  });

  it('malformed files are usage errors (exit 2) in one line', async () => {
    await assert.rejects(loadThresholdsFile(file('bad.json', '{"global": {"latency": "1ms",}}')), usageError(/bad\.json: invalid JSON: /));
    await assert.rejects(loadThresholdsFile(file('bad.yaml', 'global:\n  latency: [1ms\n')), usageError(/bad\.yaml: invalid YAML: /));
    await assert.rejects(loadThresholdsFile(file('dup.yaml', 'global:\n  latency: 1ms\n  latency: 2ms\n')), usageError(/dup\.yaml: invalid YAML: .*unique/i));
    await assert.rejects(loadThresholdsFile(join(dir, 'missing.yaml')), usageError(/cannot read .*missing\.yaml: ENOENT \(no such file or directory\)$/));
    await assert.rejects(loadThresholdsFile(file('list.yaml', '- 1\n- 2\n')), usageError(/list\.yaml: expected a mapping/));
    await assert.rejects(loadThresholdsFile(file('empty.yaml', '')), usageError(/empty\.yaml: expected a mapping/));
  });

  it('every problem is named by its path in the file', () => {
    const check = (data: unknown) => () => thresholdsFromData(data, 'f.yaml');
    assert.throws(check({ fd: { 3: { latency: 'soon' } } }), usageError(/^f\.yaml: fd\.3\.latency: "soon" is not a duration/));
    assert.throws(check({ fd: { 3: { latency: 200 } } }), usageError(/^f\.yaml: fd\.3\.latency: 200 needs a unit; write it as a string such as "200ms", or give latency_us/));
    assert.throws(check({ global: { latency_us: 1.5 } }), usageError(/^f\.yaml: global\.latency_us: expected an integer number of us, got 1\.5/));
    assert.throws(check({ global: { latency_us: -3 } }), usageError(/^f\.yaml: global\.latency_us: -3 is negative/));
    assert.throws(check({ global: { bandwidth: '20Tbit/s' } }), usageError(/^f\.yaml: global\.bandwidth: "20Tbit\/s" is above the maximum/));
    assert.throws(check({ global: { speed: '1' } }), usageError(/^f\.yaml: global\.speed: unknown threshold "speed"/));
    assert.throws(check({ fd: { 3: { interval: '2s' } } }), usageError(/^f\.yaml: fd\.3\.interval: the interval is global only/));
    assert.throws(check({ fd: { x: {} } }), usageError(/^f\.yaml: fd\.x: not a context id/));
    assert.throws(check({ fd: { '0': {} } }), usageError(/^f\.yaml: fd\.0: not a context id/));
    assert.throws(check({ fd: { '3': {}, '03': {} } }), usageError(/^f\.yaml: fd\.03: context 3 is already given \(fd\.3\)/));
    assert.throws(check({ fd: { 3: 'fast' } }), usageError(/^f\.yaml: fd\.3: expected a mapping of thresholds/));
    assert.throws(check({ global: { disabled: [1] } }), usageError(/^f\.yaml: global\.disabled: expected alert types/));
    assert.throws(check({ globals: {} }), usageError(/^f\.yaml: globals: unknown section/));
    assert.throws(check({}), usageError(/^f\.yaml: nothing to apply/));
  });

  it('parseFileText keeps YAML strings as strings', async () => {
    assert.deepEqual(await parseFileText('x.yml', 'global: {latency: 200ms, error-rate: 2.5%}'), { global: { latency: '200ms', 'error-rate': '2.5%' } });
  });
});

describe('thresholds apply: the diff', () => {
  const file = (data: unknown) => thresholdsFromData(data, 'f.yaml');

  it('one line per changed field; unchanged ones left out; inherited values marked', async () => {
    const kernel = await thresholdsKernel({ contexts: { 3: { latency_us: 100_000n }, 5: {} } });
    const plans = await planFile(
      kernel.client,
      file({
        global: { latency: '200ms', 'error-rate': '10%', disabled: ['packet-drop'], interval: '1s' },
        fd: { 3: { latency: '100ms', bandwidth: '50Mbit/s' }, 5: { 'drop-rate': '5%' } },
      }),
    );
    assert.deepEqual(kernel.requests.map((request) => request.operation), ['thresholds-get', 'thresholds-get', 'thresholds-get']);
    assert.deepEqual(plans.flatMap((plan) => plan.changes).map(describeChange), [
      'global latency: 500 ms -> 200 ms',
      'global disabled: none -> packet_drop',
      'fd 3 bandwidth: 1 Gbit/s (global) -> 50 Mbit/s',
      'fd 5 drop-rate: 5 % (global) -> 5 %',
    ]);
    assert.deepEqual(plans.map((plan) => plan.request), [
      { latency_us: 200_000n, disabled: 0b10000 },
      { fd_id: 3, bandwidth_bps: 50_000_000n },
      { fd_id: 5, drop_rate_ppm: 50_000 },
    ]);
  });

  it('JSON and CSV of the changes', () => {
    const plan = planScope({ ...SEED }, { settings: { values: { latency: 200_000n }, disabled: 1, disable: 0, enable: 0 } });
    const rows = plan.changes.map(thresholdChangeRow);
    const json = JSON.parse(renderView(thresholdChangesView(), rows, { format: 'json', shape: 'list', header: true, color: false })) as unknown;
    assert.deepEqual(json, [
      { scope: 'global', field: 'latency_us', from: 500000, to: 200000 },
      { scope: 'global', field: 'disabled', from: [], to: ['high_latency'] },
    ]);
    assert.equal(
      renderView(thresholdChangesView(), rows, { format: 'csv', shape: 'list', header: true, color: false }),
      'scope,fd_id,field,from,to\r\nglobal,,latency_us,500000,200000\r\nglobal,,disabled,,high_latency\r\n',
    );
  });

  it('a context that does not exist fails before anything is applied', async () => {
    const kernel = await thresholdsKernel();
    await assert.rejects(planFile(kernel.client, file({ global: { latency: '1ms' }, fd: { 7: { latency: '1ms' } } })), /no context with id 7/);
    assert.equal(kernel.sets.length, 0);
  });
});

describe('thresholds apply: all or nothing', () => {
  const data = {
    global: { latency: '200ms', disabled: ['packet-drop'] },
    fd: { 3: { bandwidth: '50Mbit/s', disable: 'latency' }, 5: { latency: '1ms' } },
  };
  const contexts = { 3: { latency_us: 100_000n, conn_rate: 50 }, 5: {} };

  it('applies global first, then each context by id', async () => {
    const kernel = await thresholdsKernel({ contexts });
    const plans = await planFile(kernel.client, thresholdsFromData(data, 'f'));
    await applyPlans(kernel.client, plans);
    assert.deepEqual(kernel.sets, [
      { latency_us: 200_000n, disabled: 0b10000 },
      { fd_id: 3, bandwidth_bps: 50_000_000n, disabled: 0b10001 },
      { fd_id: 5, latency_us: 1000n },
    ]);
  });

  it('the 2nd request fails: the 1st is reverted, the kernel message shown, exit 1', async () => {
    const kernel = await thresholdsKernel({
      contexts,
      failSet: (n) => (n === 2 ? { errno: 22, extack: { message: 'bandwidth-bps too low for this context', offset: 28 } } : undefined),
    });
    const initial = snapshot(kernel.state);
    const plans = await planFile(kernel.client, thresholdsFromData(data, 'f'));
    await assert.rejects(applyPlans(kernel.client, plans), (error: unknown) => {
      assert.ok(error instanceof ApplyError);
      assert.equal(error.exitCode, ExitCode.failure);
      assert.match(error.message, /^fd 3: kernel: bandwidth-bps too low for this context.*; rolled back global$/);
      assert.deepEqual(error.rolledBack, ['global']);
      return true;
    });
    assert.deepEqual(kernel.sets, [
      { latency_us: 200_000n, disabled: 0b10000 },
      { fd_id: 3, bandwidth_bps: 50_000_000n, disabled: 0b10001 },
      { latency_us: 500_000n, disabled: 0 },
    ]);
    assert.deepEqual(snapshot(kernel.state), initial);
  });

  it('the 3rd request fails: the context is reset to its old overrides, then global is reverted', async () => {
    const kernel = await thresholdsKernel({ contexts, failSet: (n) => (n === 3 ? { errno: 22, extack: { message: 'no' } } : undefined) });
    const initial = snapshot(kernel.state);
    const plans = await planFile(kernel.client, thresholdsFromData(data, 'f'));
    await assert.rejects(applyPlans(kernel.client, plans), /^ApplyError: fd 5: kernel: no; rolled back fd 3, global$/);
    assert.deepEqual(kernel.sets.slice(3), [
      { fd_id: 3, reset: true, latency_us: 100_000n, conn_rate: 50 },
      { latency_us: 500_000n, disabled: 0 },
    ]);
    assert.deepEqual(snapshot(kernel.state), initial);
  });

  it('the 1st request fails: nothing was changed', async () => {
    const kernel = await thresholdsKernel({ contexts, failSet: (n) => (n === 1 ? { errno: 1 } : undefined) });
    const plans = await planFile(kernel.client, thresholdsFromData(data, 'f'));
    await assert.rejects(applyPlans(kernel.client, plans), /^ApplyError: global: permission denied: this operation needs CAP_NET_ADMIN \(run as root\); nothing was changed$/);
    assert.equal(kernel.sets.length, 1);
  });

  it('a rollback that fails too is said plainly', async () => {
    const kernel = await thresholdsKernel({ contexts, failSet: (n) => (n >= 2 ? { errno: 16 } : undefined) });
    const plans = await planFile(kernel.client, thresholdsFromData(data, 'f'));
    await assert.rejects(applyPlans(kernel.client, plans), /^ApplyError: fd 3: kernel: EBUSY .*; could not roll back global \(kernel: EBUSY .*\): those thresholds are left as the file set them$/);
  });

  it('rollback of a context that overrode nothing is a bare reset', () => {
    const plan = planScope({ fd_id: 5, ...SEED, overridden: 0 }, { fdId: 5, settings: { values: { latency: 1n }, disable: 0, enable: 0 } });
    assert.deepEqual(rollbackRequest(plan), { fd_id: 5, reset: true });
  });

  it('re-reading after set gives the thresholds object', async () => {
    const kernel = await thresholdsKernel({ contexts: { 3: { latency_us: 1n, alertsActive: 1 } } });
    const attrs = await thresholdsGet(kernel.client, 3);
    const defaults: Partial<GlobalValues> = { ...SEED };
    delete defaults.interval_ms;
    assert.deepEqual(attrs, { fd_id: 3, ...defaults, latency_us: 1n, overridden: 1, alerts_active: 1 });
  });
});
