// Which files the UI may read: thumbnails from the workspace cache (by content hash) and the originals of imported images (inside their dataset root, symlinks resolved).
// Shared by the HTTP server and Electron's facet-media:// protocol so both enforce the same rules.
import fs from 'node:fs';
import path from 'node:path';
import { FacetError } from '../../../../shared/errors.js';
import type { Workspace } from '../workspace.js';

export const HASH_PATTERN = /^[0-9a-f]{64}$/;

export interface MediaFile {
  file: string;
  contentType: string;
  size: number;
}

const CONTENT_TYPES: Record<string, string> = {
  jpeg: 'image/jpeg',
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  bmp: 'image/bmp',
  tiff: 'image/tiff',
  avif: 'image/avif',
};

function notFound(what: string): FacetError {
  return new FacetError('not-found', `${what} does not exist or may not be read.`);
}

/** True when `child` is `parent` itself or lies below it (both already resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export function realFile(file: string, root: string, what: string): MediaFile & { real: string } {
  let real: string;
  let realRoot: string;
  try {
    real = fs.realpathSync(file);
    realRoot = fs.realpathSync(root);
  } catch {
    throw notFound(what);
  }
  if (!isInside(realRoot, real)) throw notFound(what);
  const stat = fs.statSync(real, { throwIfNoEntry: false });
  if (!stat?.isFile()) throw notFound(what);
  return { file: real, real, contentType: 'application/octet-stream', size: stat.size };
}

export function checkHash(hash: string): void {
  if (!HASH_PATTERN.test(hash)) throw new FacetError('invalid-argument', 'A thumbnail name is a 64-digit hex content hash.', { field: 'hash' });
}

/** The cached thumbnail of a content hash; the hash must be 64 lowercase hex digits. */
export function thumbnailFile(ws: Workspace, hash: string): MediaFile {
  checkHash(hash);
  const found = realFile(ws.thumbnailPath(hash), path.join(ws.cacheDir, 'thumbs'), 'The thumbnail');
  return { file: found.file, size: found.size, contentType: 'image/jpeg' };
}

/** The original file of an image row, refused when it resolves outside its dataset root. */
export function originalFile(ws: Workspace, imageIdText: string): MediaFile {
  if (!/^[1-9]\d{0,15}$/.test(imageIdText)) throw new FacetError('invalid-argument', 'An image id is a positive whole number.', { field: 'imageId' });
  const row = ws.db
    .prepare('SELECT i.path, i.format, d.root FROM images i JOIN datasets d ON d.id = i.dataset_id WHERE i.id = ?')
    .get(Number(imageIdText)) as { path: string; format: string | null; root: string } | undefined;
  if (!row) throw notFound(`Image ${imageIdText}`);
  // Relative paths in the DB never start with / or contain ..; checked again here in case one does.
  if (path.isAbsolute(row.path) || row.path.split(/[\\/]/).includes('..')) throw notFound(`Image ${imageIdText}`);
  const lexical = path.resolve(row.root, row.path);
  if (!isInside(path.resolve(row.root), lexical)) throw notFound(`Image ${imageIdText}`);
  const found = realFile(lexical, row.root, `Image ${imageIdText}`);
  const ext = path.extname(found.file).slice(1).toLowerCase();
  const contentType = CONTENT_TYPES[row.format ?? ''] ?? CONTENT_TYPES[ext] ?? 'application/octet-stream';
  return { file: found.file, size: found.size, contentType };
}

/** The files of the image rows holding a content hash, each passing originalFile's rules. */
export function originalFilesOfHash(ws: Workspace, hash: string): string[] {
  const ids = ws.db.prepare('SELECT id FROM images WHERE hash = ? ORDER BY id').all(hash) as { id: number }[];
  const files: string[] = [];
  for (const { id } of ids) {
    try {
      files.push(originalFile(ws, String(id)).file);
    } catch {
      // Moved, deleted or outside its root: another row may still have the picture.
    }
  }
  return files;
}
