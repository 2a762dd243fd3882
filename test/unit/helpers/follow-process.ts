// `alerts --follow` (runFollow) in a process of its own against a fake kernel
// that raises an alert every 20 ms, so tests can see how the process ends: on
// SIGINT/SIGTERM, or when the reader of its stdout goes away. Acts only when
// run as `node follow-process.js run json|table|csv`.
import { runFollow } from '../../../src/app/alerts.js';
import { mutexCodec } from '../../../src/netlink/codec.js';
import { operations, type AlertAttrs } from '../../../src/spec/generated.js';
import { genlReply } from './fake-kernel.js';
import { MUTEX_FAMILY_ID, mutexKernel } from './mutex-kernel.js';

function alert(seq: number): AlertAttrs {
  return {
    seq: BigInt(seq),
    time_ns: BigInt(Date.now()) * 1_000_000n,
    type: 0,
    severity: 5,
    state: 0,
    fd_id: 3,
    value: 600_000n,
    threshold: 500_000n,
    message: `alert ${seq}`,
  };
}

if (process.argv[2] === 'run') {
  const format = (process.argv[3] ?? 'json') as 'json' | 'table' | 'csv';
  const ring = [alert(1), alert(2)];
  const kernel = await mutexKernel((request) =>
    request.operation === 'alert-get' ? { items: ring as Record<string, unknown>[] } : { errno: 95 },
  );
  let seq = ring.length;
  const timer = setInterval(() => {
    const next = alert(++seq);
    ring.push(next);
    kernel.fake.notify(genlReply(MUTEX_FAMILY_ID, operations['alert-ntf']!.value, 0, mutexCodec.encode('alert', next)));
  }, 20);
  try {
    await runFollow(kernel.client, {}, { format, header: true, color: false, bin: 'mutexctl' });
  } finally {
    clearInterval(timer);
  }
}
