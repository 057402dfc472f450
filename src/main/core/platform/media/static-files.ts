// The built renderer (dist/renderer) as static files. These are the app's own public code, so they
// need no token (the page reads the token from the URL fragment, which browsers never send).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isInside } from './media-files.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** The file under rendererDir a URL path names ("/" is index.html); null when there is none. */
export function staticFile(rendererDir: string, pathname: string): { file: string; contentType: string } | null {
  const rel = pathname === '/' ? 'index.html' : pathname.replace(/^\/+/, '');
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, rel);
  if (!isInside(root, file) || file === root) return null;
  let real: string;
  try {
    real = fs.realpathSync(file);
    if (!isInside(fs.realpathSync(root), real) || !fs.statSync(real).isFile()) return null;
  } catch {
    return null;
  }
  return { file: real, contentType: TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream' };
}

/** dist/renderer, whether this module runs from dist/ (built) or from src/ (tests, tsx). */
export function defaultRendererDir(): string {
  const here = new URL(import.meta.url);
  const fromDist = new URL('../../../../renderer/', here);
  return here.pathname.endsWith('.ts') ? fileURLToPath(new URL('../../../../../dist/renderer/', here)) : fileURLToPath(fromDist);
}
