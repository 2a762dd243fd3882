// Posting JSON over HTTP(S) (Alertmanager's API): one request, a timeout,
// and a failure put in words. Retrying is the caller's business.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { UsageError } from '../errors.js';

export class HttpError extends Error {
  constructor(
    message: string,
    /** The status of a reply that came, undefined when none did. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** An http:// or https:// URL without credentials in it, or a usage error naming `what`. */
export function parseHttpUrl(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${what}: "${text}" is not a URL (e.g. http://alertmanager:9093)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${what}: "${text}" is not an http:// or https:// URL`);
  if (url.search !== '' || url.hash !== '') throw new UsageError(`${what}: "${text}" has a query or fragment; give the server's base URL`);
  return url;
}

export interface PostOptions {
  readonly timeoutMs: number;
}

function readBody(response: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      if (text.length < limit) text += chunk;
    });
    response.on('end', () => resolve(text.slice(0, limit)));
    response.on('error', () => resolve(text.slice(0, limit)));
  });
}

/** POSTs `body` as JSON; resolves on a 2xx reply, rejects with an HttpError otherwise. */
export function postJson(url: URL, body: unknown, options: PostOptions): Promise<void> {
  const data = Buffer.from(JSON.stringify(body));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<void>((resolve, reject) => {
    const request = send(
      url,
      {
        method: 'POST',
        // A connection per POST: one kept alive would be stale after the server restarts.
        agent: false,
        headers: { 'Content-Type': 'application/json', 'Content-Length': data.length },
        timeout: options.timeoutMs,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        void readBody(response, 300).then((text) => {
          if (status >= 200 && status < 300) resolve();
          else reject(new HttpError(`HTTP ${status}${text.trim() ? `: ${text.trim().replace(/\s+/g, ' ')}` : ''}`, status));
        });
      },
    );
    request.on('timeout', () => request.destroy(new HttpError(`no answer within ${options.timeoutMs} ms`)));
    request.on('error', (error: NodeJS.ErrnoException) => {
      reject(error instanceof HttpError ? error : new HttpError(error.message));
    });
    request.end(data);
  });
}
