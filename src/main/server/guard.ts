// The browser-mode doors: a random token on every data request, and Host / Origin pinned to our
// own loopback address so a page on another site (or a DNS-rebound name) cannot talk to us.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_HEADER = 'x-facet-token';
/** WebSocket subprotocol carrying the token: "facet-token.<hex>". */
export const WS_TOKEN_PROTOCOL_PREFIX = 'facet-token.';
export const WS_PROTOCOL = 'facet';

export function newToken(): string {
  return randomBytes(32).toString('hex');
}

export function sameToken(expected: string, given: string | undefined | null): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The token of a request: Authorization: Bearer or x-facet-token; ?token= only where the caller
 * allows it (GET of thumbnails and images, which <img> cannot send headers for). A token in a URL
 * ends up in history and logs, so the API never takes it from there.
 */
export function requestToken(req: IncomingMessage, url: URL, allowQuery: boolean): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim();
  const header = req.headers[TOKEN_HEADER];
  if (typeof header === 'string') return header;
  return allowQuery ? url.searchParams.get('token') : null;
}

/** The token offered in Sec-WebSocket-Protocol, if any. */
export function websocketToken(req: IncomingMessage): string | null {
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const entry = offered.find((p) => p.startsWith(WS_TOKEN_PROTOCOL_PREFIX));
  return entry ? entry.slice(WS_TOKEN_PROTOCOL_PREFIX.length) : null;
}

/** Host must name our loopback port; Origin, when sent, must be our own origin (DNS-rebinding guard). */
export function trustedHostAndOrigin(req: IncomingMessage, port: number): boolean {
  const allowed = [`127.0.0.1:${port}`, `localhost:${port}`];
  const host = req.headers.host;
  if (typeof host !== 'string' || !allowed.includes(host.toLowerCase())) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return allowed.some((h) => origin.toLowerCase() === `http://${h}`);
}
