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
export function writeOutput(text: string | Uint8Array, stream: NodeJS.WritableStream = process.stdout): Promise<void> {
  watchForBrokenPipe(stream);
  if (brokenPipes.has(stream) || text.length === 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    stream.write(text, (error) => {
      if (!error) return resolve();
      if (!isBrokenPipe(error)) return reject(error);
      brokenPipes.add(stream);
      resolve();
    });
  });
}

/** Whether a write to `stream` already found its reader gone (EPIPE). */
export function outputClosed(stream: NodeJS.WritableStream = process.stdout): boolean {
  return brokenPipes.has(stream);
}

/**
 * Calls `onClosed` once when `stream` can take no more output: an EPIPE (or
 * other) 'error' or a 'close'. For streams (`--follow`) that would otherwise
 * only notice on their next write. Returns the function that stops watching.
 */
export function watchOutputClosed(stream: NodeJS.WritableStream, onClosed: () => void): () => void {
  watchForBrokenPipe(stream);
  let fired = false;
  const fire = (): void => {
    if (fired) return;
    fired = true;
    onClosed();
  };
  const onError = (error: unknown): void => {
    if (isBrokenPipe(error)) brokenPipes.add(stream);
    fire();
  };
  stream.on('error', onError);
  stream.on('close', fire);
  return () => {
    stream.off('error', onError);
    stream.off('close', fire);
  };
}
