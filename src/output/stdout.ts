// Writing output so that `mutexctl ... | head -1` ends quietly with exit 0 and
// nothing is cut short: each write resolves once its data is handed to the OS.

const brokenPipes = new WeakSet<NodeJS.WritableStream>();
const watched = new WeakSet<NodeJS.WritableStream>();

function isBrokenPipe(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null | undefined)?.code === 'EPIPE';
}

function watchForBrokenPipe(stream: NodeJS.WritableStream): void {
  if (watched.has(stream)) return;
  watched.add(stream);
  // Without a listener an EPIPE 'error' event would crash the process; other
  // errors also reach the pending write's callback, which rejects.
  stream.on('error', (error) => {
    if (isBrokenPipe(error)) brokenPipes.add(stream);
  });
}

/** Writes `text`; a reader that went away (EPIPE) ends output quietly, not with an error. */
export function writeOutput(text: string, stream: NodeJS.WritableStream = process.stdout): Promise<void> {
  watchForBrokenPipe(stream);
  if (brokenPipes.has(stream) || text === '') return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    stream.write(text, (error) => {
      if (!error) return resolve();
      if (!isBrokenPipe(error)) return reject(error);
      brokenPipes.add(stream);
      resolve();
    });
  });
}
