// Two custom schemes: facet-app:// serves the built renderer, facet-media:// serves thumbnails and
// originals under the same rules as browser mode (workspace cache by hash, dataset roots by id).
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import { protocol } from 'electron';
import { FacetError } from '../../shared/errors.js';
import type { ImageDecoder } from '../core/platform/media/decoder.js';
import type { Workspace } from '../core/platform/workspace.js';
import { faceThumbnailFile } from '../core/faces/face-media.js';
import { originalFile, thumbnailFile } from '../core/platform/media/media-files.js';
import { staticFile } from '../core/platform/media/static-files.js';
import { DESKTOP_CSP } from './security.js';

/** Must run before app 'ready'. */
export function registerSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    // The page's module scripts are fetched from facet-app:// itself.
    { scheme: 'facet-app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    // Pictures are only ever <img> sources: no fetch() or XHR may read them (no supportFetchAPI).
    { scheme: 'facet-media', privileges: { standard: true, secure: true } },
  ]);
}

/**
 * Headers on every facet-media:// answer. nosniff: an image is never reinterpreted as HTML or
 * script; the CSP forbids everything and sandboxes it should the file ever be opened as a document.
 * CORP is cross-origin because the one reader, the app page at facet-app://app, is another origin
 * than facet-media:// (same-origin or same-site would block the app's own <img>); no other origin
 * exists in the app (navigation is locked) and nothing can fetch() the scheme.
 */
export const MEDIA_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; sandbox",
  'cross-origin-resource-policy': 'cross-origin',
  'referrer-policy': 'no-referrer',
};

/** Streams a file (never read whole into memory); only regular files, so a pipe cannot hang the handler. */
async function fileResponse(file: string, headers: Record<string, string>): Promise<Response> {
  const stat = await fs.stat(file);
  if (!stat.isFile()) return refuse(404, 'not found');
  const body = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
  return new Response(body, { status: 200, headers: { ...MEDIA_HEADERS, ...headers, 'content-length': String(stat.size) } });
}

function refuse(status: number, message: string): Response {
  return new Response(message, { status, headers: { ...MEDIA_HEADERS, 'content-type': 'text/plain; charset=utf-8' } });
}

/** What facet-media:// reads from: the workspace, and the decoder process that makes face crops (the Core has both). */
export interface MediaSources {
  readonly workspace: Workspace;
  readonly decoder: ImageDecoder;
}

/** facet-media://thumbs/<hash>.jpg, face-thumbs/<hash>.jpg and images/<id>; everything else is refused. */
export async function mediaResponse(media: MediaSources, rawUrl: string, method = 'GET'): Promise<Response> {
  const ws = media.workspace;
  if (method !== 'GET') return refuse(405, 'GET only');
  // Dot segments and backslashes are refused before URL parsing could normalise them away.
  if (/\.\.|%2e|%5c|\\|%00/i.test(rawUrl)) return refuse(400, 'bad path');
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return refuse(400, 'bad url');
  }
  if (url.protocol !== 'facet-media:') return refuse(400, 'bad scheme');
  try {
    const thumb = /^\/([^/]+)\.jpg$/.exec(url.pathname);
    const original = /^\/([^/]+)$/.exec(url.pathname);
    if (url.host === 'face-thumbs' && thumb) {
      // Not cached: the answer changes when faces are analysed (again); x-facet-face says which it is.
      const crop = await faceThumbnailFile(ws, media.decoder, thumb[1]!);
      return await fileResponse(crop.file, { 'content-type': crop.contentType, 'cache-control': 'private, no-cache', 'x-facet-face': crop.face });
    }
    let file;
    if (url.host === 'thumbs' && thumb) file = thumbnailFile(ws, thumb[1]!);
    else if (url.host === 'images' && original) file = originalFile(ws, original[1]!);
    else return refuse(404, 'not found');
    return await fileResponse(file.file, { 'content-type': file.contentType, 'cache-control': 'private, max-age=3600' });
  } catch (error) {
    return refuse(error instanceof FacetError && error.code === 'invalid-argument' ? 400 : 404, 'not found');
  }
}

/** facet-app://app/<file> from the built renderer, with the CSP header. */
export async function appResponse(rendererDir: string, rawUrl: string): Promise<Response> {
  const url = new URL(rawUrl);
  if (url.host !== 'app' || /\.\.|%2e|%5c|\\/i.test(rawUrl)) return refuse(404, 'not found');
  const file = staticFile(rendererDir, url.pathname);
  if (!file) return refuse(404, 'not found');
  return new Response(await fs.readFile(file.file), {
    status: 200,
    headers: { 'content-type': file.contentType, 'content-security-policy': DESKTOP_CSP, 'x-content-type-options': 'nosniff' },
  });
}

export function handleProtocols(media: MediaSources, rendererDir: string): void {
  protocol.handle('facet-media', (request) => mediaResponse(media, request.url, request.method));
  protocol.handle('facet-app', (request) => appResponse(rendererDir, request.url));
}
