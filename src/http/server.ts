// A small HTTP server for `mutexctl serve`: a fixed table of GET routes, gzip
// when the client accepts it, and the address to listen on checked and put
// in words (a bad or taken address is a usage error). It knows nothing of
// metrics or of the kernel.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { UsageError } from '../errors.js';


export interface ListenAddress {
  /** An IPv4 or IPv6 address or a host name; '' listens on every address. */
  readonly host: string;
  readonly port: number;
}

/**
 * `127.0.0.1:9477`, `[::1]:9477`, `localhost:9477`, or `:9477` (every
 * address). Port 0 takes a free port (the server says which one).
 */
export function parseListenAddress(text: string, what = '--listen'): ListenAddress {
  const bracketed = /^\[([^\]]*)\]:([^:]*)$/.exec(text);
  const plain = bracketed ? undefined : /^([^:[\]]*):([^:]*)$/.exec(text);
  const match = bracketed ?? plain;
  if (!match) {
    throw new UsageError(`${what}: "${text}" is not ADDRESS:PORT (e.g. 127.0.0.1:9477, [::1]:9477, :9477 for every address)`);
  }
  const host = match[1]!;
  const portText = match[2]!;
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new UsageError(`${what}: port "${portText}" is not a number from 0 to 65535`);
  }
  if (bracketed && isIP(host) !== 6) throw new UsageError(`${what}: "${host}" in brackets is not an IPv6 address`);
  if (!bracketed && host !== '' && isIP(host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(host)) {
    throw new UsageError(`${what}: "${host}" is neither an IP address nor a host name`);
  }
  return { host, port: Number(portText) };
}

/** `127.0.0.1:9477`, `[::1]:9477`, `*:9477`. */
export function formatListenAddress(address: ListenAddress): string {
  if (address.host === '') return `*:${address.port}`;
  return isIP(address.host) === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

export interface HttpReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
  /** The body gzipped, when it is worth compressing; made at most once by the caller's choice (see gzipOnce). */
  readonly gzipped?: () => Promise<Buffer>;
}

export type Route = (request: IncomingMessage) => Promise<HttpReply>;

/** Memoizes the gzip of `body`: one compression however many clients ask for it. */
export function gzipOnce(body: Buffer): () => Promise<Buffer> {
  let compressed: Promise<Buffer> | undefined;
  return () => (compressed ??= promisify(gzip)(body));
}

/**
 * Whether an Accept-Encoding header admits gzip (RFC 9110 §12.5.3): named
 * or by `*`, with a q-value above 0.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  let gzipQ: number | undefined;
  let anyQ: number | undefined;
  for (const part of header.split(',')) {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (Number.isNaN(q)) continue;
    if (coding === 'gzip' || coding === 'x-gzip') gzipQ = q;
    else if (coding === '*') anyQ = q;
  }
  return (gzipQ ?? anyQ ?? 0) > 0;
}

function plain(status: number, text: string): HttpReply {
  return { status, contentType: 'text/plain; charset=utf-8', body: Buffer.from(`${text}\n`) };
}

async function answer(routes: ReadonlyMap<string, Route>, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const route = routes.get(path);
  let reply: HttpReply;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    reply = plain(405, 'only GET and HEAD');
    response.setHeader('Allow', 'GET, HEAD');
  } else if (!route) {
    reply = plain(404, `not found; try ${[...routes.keys()].join(' ')}`);
  } else {
    reply = await route(request);
  }
  let body = reply.body;
  if (reply.gzipped) {
    response.setHeader('Vary', 'Accept-Encoding');
    if (acceptsGzip(request.headers['accept-encoding'])) {
      body = await reply.gzipped();
      response.setHeader('Content-Encoding', 'gzip');
    }
  }
  response.writeHead(reply.status, { 'Content-Type': reply.contentType, 'Content-Length': body.length });
  response.end(request.method === 'HEAD' ? undefined : body);
}

export interface HttpServer {
  /** Where it listens (the port chosen, for port 0). */
  readonly address: ListenAddress;
  close(): Promise<void>;
}

/** Why listen() failed, as the usage error the user can act on. */
function listenError(error: NodeJS.ErrnoException, address: ListenAddress, what: string): Error {
  const where = `${what} ${formatListenAddress(address)}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return new UsageError(`${where}: the address is already in use (another mutexctl serve, or another exporter?)`);
    case 'EADDRNOTAVAIL':
      return new UsageError(`${where}: no interface of this host has that address`);
    case 'EACCES':
      return new UsageError(`${where}: permission denied (ports below 1024 need CAP_NET_BIND_SERVICE)`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new UsageError(`${where}: cannot resolve host "${address.host}"`);
    default:
      return error;
  }
}

/** Listens on `address` and answers GET/HEAD requests of `routes` (path → handler). */
export function serveHttp(address: ListenAddress, routes: Readonly<Record<string, Route>>, what = '--listen'): Promise<HttpServer> {
  const table = new Map(Object.entries(routes));
  const server: Server = createServer((request, response) => {
    answer(table, request, response).catch((error: unknown) => {
      // A handler that fails: the client gets a 500, the server goes on.
      if (!response.headersSent) {
        const reply = plain(500, `internal error: ${(error as Error).message}`);
        response.writeHead(500, { 'Content-Type': reply.contentType, 'Content-Length': reply.body.length });
        response.end(reply.body);
      } else {
        response.destroy();
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => reject(listenError(error, address, what));
    server.once('error', onError);
    server.listen({ host: address.host === '' ? undefined : address.host, port: address.port }, () => {
      server.off('error', onError);
      const bound = server.address();
      const port = typeof bound === 'object' && bound !== null ? bound.port : address.port;
      resolve({
        address: { host: address.host, port },
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
