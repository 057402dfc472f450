// Two custom schemes: facet-app:// serves the built renderer, facet-media:// serves thumbnails and
// originals under the same rules as browser mode (workspace cache by hash, dataset roots by id).
import fs from 'node:fs/promises';
import { protocol } from 'electron';
import { FacetError } from '../../shared/errors.js';
import type { Workspace } from '../core/platform/workspace.js';
import { faceThumbnailFile } from '../core/faces/face-media.js';
import { originalFile, thumbnailFile } from '../core/platform/media/media-files.js';
import { staticFile } from '../core/platform/media/static-files.js';
import { DESKTOP_CSP } from './security.js';

/** Must run before app 'ready'. */
export function registerSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: 'facet-app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    { scheme: 'facet-media', privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

function refuse(status: number, message: string): Response {
  return new Response(message, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

/** facet-media://thumbs/<hash>.jpg, face-thumbs/<hash>.jpg and images/<id>; everything else is refused. */
export async function mediaResponse(ws: Workspace, rawUrl: string, method = 'GET'): Promise<Response> {
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
      const media = await faceThumbnailFile(ws, thumb[1]!);
      const headers = { 'content-type': media.contentType, 'cache-control': 'private, no-cache', 'x-facet-face': media.face };
      return new Response(await fs.readFile(media.file), { status: 200, headers });
    }
    let media;
    if (url.host === 'thumbs' && thumb) media = thumbnailFile(ws, thumb[1]!);
    else if (url.host === 'images' && original) media = originalFile(ws, original[1]!);
    else return refuse(404, 'not found');
    const body = await fs.readFile(media.file);
    return new Response(body, { status: 200, headers: { 'content-type': media.contentType, 'cache-control': 'private, max-age=3600' } });
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

export function handleProtocols(ws: Workspace, rendererDir: string): void {
  protocol.handle('facet-media', (request) => mediaResponse(ws, request.url, request.method));
  protocol.handle('facet-app', (request) => appResponse(rendererDir, request.url));
}
