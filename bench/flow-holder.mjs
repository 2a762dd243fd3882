// Shared by the bench scripts that list many flows: a /dev/mutex context, and
// a python process holding established loopback TCP connections (one flow each).
import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

export const PYTHON = '/usr/bin/python3';

/** A context with `selector`; close() destroys it. */
export function openContext(selector) {
  const fd = openSync('/dev/mutex', 'r+');
  writeSync(fd, selector);
  const buf = Buffer.alloc(4096);
  const text = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString();
  return { fd, id: Number(/^id (\d+)$/m.exec(text)?.[1]), close: () => closeSync(fd) };
}

// Reads target counts on stdin, one per line; holds that many connections
// (both ends open) and answers each with the count it holds.
export const HOLD_CONNECTIONS = `
import resource, socket, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (400000, 400000))
ports = [int(p) for p in sys.argv[1].split(',')]
listeners = []
for p in ports:
    l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(('127.0.0.1', p)); l.listen(4096); listeners.append(l)
held = []
total = 0
for line in sys.stdin:
    want = int(line)
    while total < want:
        c = socket.socket(); c.connect(('127.0.0.1', ports[total % len(ports)]))
        a, _ = listeners[total % len(ports)].accept()
        held.append(c); held.append(a); total += 1
    print(total, flush=True)
`;

/** A holder of `n` connections to `ports`, resolved once they are all up. */
export async function holdConnections(ports, n) {
  const holder = spawn(PYTHON, ['-c', HOLD_CONNECTIONS, ports.join(',')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const answered = new Promise((resolve) => holder.stdout.once('data', resolve));
  holder.stdin.write(`${n}\n`);
  const answer = String(await answered).trim();
  if (Number(answer) !== n) throw new Error(`connection holder: ${answer}`);
  return holder;
}

/**
 * A holder that grows on demand: `grow(n)` resolves once it holds n
 * connections to `ports`; `stop()` ends it (and with it the connections).
 */
export function growingHolder(ports) {
  const holder = spawn(PYTHON, ['-c', HOLD_CONNECTIONS, ports.join(',')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const answers = [];
  holder.stdout.on('data', (d) => answers.push(...d.toString().trim().split('\n')));
  const exited = new Promise((resolve) => holder.on('exit', resolve));
  return {
    async grow(n) {
      const seen = answers.length;
      holder.stdin.write(`${n}\n`);
      while (answers.length === seen) await new Promise((resolve) => setTimeout(resolve, 50));
      if (Number(answers.at(-1)) !== n) throw new Error(`holder: ${answers.at(-1)}`);
    },
    async stop() {
      holder.kill();
      await exited;
    },
  };
}
