// Browser mode: the contract over HTTP (POST /api/<domain>/<verb>) and a WebSocket for events,
// plus thumbnails, originals and the built renderer, on 127.0.0.1 only, behind a random token.
import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { isCallName } from '../../shared/contract.js';
import { FacetError, toErrorPayload, type ErrorCode, type ErrorPayload } from '../../shared/errors.js';
import type { Core } from '../core/index.js';
import { newToken, requestToken, sameToken, trustedHostAndOrigin, websocketToken, WS_PROTOCOL } from './guard.js';
import { faceThumbnailFile } from '../core/faces/face-media.js';
import { originalFile, thumbnailFile, type MediaFile } from '../core/platform/media/media-files.js';
import { contentSecurityPolicy } from '../core/platform/media/csp.js';
import { staticFile } from '../core/platform/media/static-files.js';

/** Browser mode's CSP: the page may open a WebSocket to this server's own port and nowhere else. */
export function browserContentSecurityPolicy(port: number): string {
  return contentSecurityPolicy({ connect: [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`] });
}

export const MAX_BODY_BYTES = 1024 * 1024;

export interface ServerOptions {
  core: Core;
  /** 0 or undefined: any free port. */
  port?: number;
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  /** Fixed token for tests; a random one otherwise. */
  token?: string;
}

export interface RunningServer {
  /** http://127.0.0.1:PORT/#token=… : what a person opens. */
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const STATUS: Record<ErrorCode, number> = {
  'invalid-argument': 400,
  'not-found': 404,
  conflict: 409,
  busy: 409,
  cancelled: 409,
  io: 500,
  workspace: 500,
  engine: 500,
  internal: 500,
};

type Headers = Record<string, string>;

function baseHeaders(port: number): Headers {
  return {
    'Content-Security-Policy': browserContentSecurityPolicy(port),
    ...STATIC_HEADERS,
  };
}

const STATIC_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly payload: ErrorPayload,
  ) {
    super(payload.message);
  }
}

function sendJson(res: ServerResponse, base: Headers, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...base, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, base: Headers, status: number, payload: ErrorPayload): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, base, status, { error: payload });
}

async function sendFile(res: ServerResponse, base: Headers, media: Pick<MediaFile, 'file' | 'contentType'>, cache: string, head: boolean): Promise<void> {
  // Asynchronous, and only regular files: an image path in a dataset folder could have become a pipe.
  const stat = await fs.promises.stat(media.file).catch(() => null);
  if (!stat?.isFile()) throw new HttpError(404, { code: 'not-found', message: 'No such file.' });
  res.writeHead(200, { ...base, 'Content-Type': media.contentType, 'Content-Length': stat.size, 'Cache-Control': cache });
  if (head) {
    res.end();
    return;
  }
  const stream = fs.createReadStream(media.file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(new HttpError(413, { code: 'invalid-argument', message: `The request body is larger than ${MAX_BODY_BYTES} bytes.` }));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, { code: 'invalid-argument', message: `The request body is larger than ${MAX_BODY_BYTES} bytes.` }));
        req.pause();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * The request target as a URL on our own origin, or null when it is not a plain path. Resolving it
 * against a base would read "//x/y" as another host (or throw on "//%25", which in the upgrade
 * handler would take the whole server down).
 */
function requestUrl(raw: string, port: number): URL | null {
  if (!raw.startsWith('/')) return null;
  try {
    return new URL(`http://127.0.0.1:${port}${raw}`);
  } catch {
    return null;
  }
}

/** A malformed escape (%E0%A4%A) is the caller's mistake: 400, not a URIError and a 500. */
function decodeCallName(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new HttpError(400, { code: 'invalid-argument', message: 'The call name in the URL is not valid percent-encoding.', field: 'call' });
  }
}

async function handleCall(core: Core, req: IncomingMessage, res: ServerResponse, base: Headers, name: string): Promise<void> {
  if (req.method !== 'POST') throw new HttpError(405, { code: 'invalid-argument', message: 'Calls are POST requests with a JSON body.' });
  if (!isCallName(name)) throw new HttpError(404, { code: 'not-found', message: `Unknown call "${name}".`, field: 'call' });
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/json')) {
    // Also keeps "simple" cross-site form posts out: they cannot send application/json.
    throw new HttpError(415, { code: 'invalid-argument', message: 'Send the arguments as application/json.' });
  }
  const text = await readBody(req);
  let args: unknown = {};
  if (text.trim() !== '') {
    try {
      args = JSON.parse(text);
    } catch {
      throw new HttpError(400, { code: 'invalid-argument', message: 'The request body is not valid JSON.' });
    }
  }
  const result = await core.dispatch(name, args);
  sendJson(res, base, 200, result ?? null);
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { core, rendererDir } = options;
  const token = options.token ?? newToken();
  let port = 0;
  let base: Headers = baseHeaders(0);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = req.url ?? '/';
    if (!trustedHostAndOrigin(req, port)) {
      throw new HttpError(403, { code: 'invalid-argument', message: 'This server only answers pages it served itself on 127.0.0.1.' });
    }
    // Refuse dot segments and backslashes before any decoding or normalisation can hide them.
    if (/\.\.|%2e|%5c|\\|%00/i.test(raw)) throw new HttpError(400, { code: 'invalid-argument', message: 'The path may not contain dot segments or backslashes.' });
    const url = requestUrl(raw, port);
    if (!url) throw new HttpError(400, { code: 'invalid-argument', message: 'The request target must be a path such as /api/datasets/list.' });
    const pathname = url.pathname;
    const isMedia = pathname.startsWith('/thumbs/') || pathname.startsWith('/face-thumbs/') || pathname.startsWith('/images/');
    const isData = pathname.startsWith('/api/') || isMedia;
    const mediaRead = isMedia && (req.method === 'GET' || req.method === 'HEAD');
    if (isData && !sameToken(token, requestToken(req, url, mediaRead))) {
      throw new HttpError(401, { code: 'invalid-argument', message: 'Missing or wrong token.', hint: 'Open the URL that `facet serve` printed, including its #token=… part.' });
    }
    if (pathname.startsWith('/api/')) {
      await handleCall(core, req, res, base, decodeCallName(pathname.slice('/api/'.length)));
      return;
    }
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) throw new HttpError(405, { code: 'invalid-argument', message: 'Only GET is allowed here.' });
    const thumb = /^\/thumbs\/([^/]+)\.jpg$/.exec(pathname);
    if (thumb) {
      await sendFile(res, base, thumbnailFile(core.workspace, thumb[1]!), 'private, max-age=31536000, immutable', head);
      return;
    }
    const faceThumb = /^\/face-thumbs\/([^/]+)\.jpg$/.exec(pathname);
    if (faceThumb) {
      // Not immutable: the answer changes when faces are analysed (again); X-Facet-Face says which it is.
      const media = await faceThumbnailFile(core.workspace, core.decoder, faceThumb[1]!);
      res.setHeader('X-Facet-Face', media.face);
      await sendFile(res, base, media, 'private, no-cache', head);
      return;
    }
    const original = /^\/images\/([^/]+)$/.exec(pathname);
    if (original) {
      await sendFile(res, base, originalFile(core.workspace, original[1]!), 'private, no-cache', head);
      return;
    }
    if (isData) throw new HttpError(404, { code: 'not-found', message: 'No such file.' });
    const file = staticFile(rendererDir, pathname) ?? (pathname.includes('.') ? null : staticFile(rendererDir, '/'));
    if (!file) throw new HttpError(404, { code: 'not-found', message: 'No such file.', hint: 'Run `npm run build` if the app page is missing.' });
    await sendFile(res, base, file, file.file.endsWith('.html') ? 'no-store' : 'no-cache', head);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) sendError(res, base, error.status, error.payload);
      else if (error instanceof FacetError) sendError(res, base, STATUS[error.code], error.toPayload());
      else sendError(res, base, 500, toErrorPayload(error));
      // A refused oversized body is not read to the end; closing keeps the connection from hanging.
      if (error instanceof HttpError && error.status === 413) res.on('finish', () => req.destroy());
    });
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, handleProtocols: () => WS_PROTOCOL });
  server.on('upgrade', (req, socket, head) => {
    const url = requestUrl(req.url ?? '/', port);
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!url) return refuse(400, 'Bad Request');
    if (!trustedHostAndOrigin(req, port)) return refuse(403, 'Forbidden');
    if (url.pathname !== '/events') return refuse(404, 'Not Found');
    if (!sameToken(token, websocketToken(req))) return refuse(401, 'Unauthorized');
    sockets.handleUpgrade(req, socket, head, (ws) => sockets.emit('connection', ws, req));
  });
  sockets.on('connection', (ws: WebSocket) => {
    // The page only listens; anything it sends is ignored.
    ws.on('message', () => undefined);
  });
  const unsubscribe = core.events.subscribe((event, payload) => {
    const text = JSON.stringify({ event, payload });
    for (const client of sockets.clients) if (client.readyState === client.OPEN) client.send(text);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  base = baseHeaders(port);
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/#token=${token}`,
    origin,
    port,
    token,
    close: async () => {
      unsubscribe();
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
