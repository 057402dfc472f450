// Reads one image file: content hash, format, oriented dimensions, a decode that proves the file is
// whole, and the thumbnail written to the workspace cache. Failures come back as a SkippedFile.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Metadata } from 'sharp';
import type { SkippedFile } from '../../../shared/domain.js';

/** Decompression-bomb guard: larger images are refused before any pixel is decoded (~ 16k × 16k). */
export const MAX_INPUT_PIXELS = 268_402_689;
export const THUMBNAIL_SIZE = 192;

export interface ProbedImage {
  hash: string;
  format: string;
  /** After EXIF orientation. */
  width: number;
  height: number;
}

export type ProbeResult = { ok: true; image: ProbedImage } | { ok: false; skip: SkippedFile };

export function hashBytes(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function formatName(meta: Metadata): string {
  if (meta.format === 'heif') return meta.compression === 'av1' ? 'avif' : 'heif';
  return meta.format ?? 'unknown';
}

/** Maps a sharp / libvips failure to a reason a user understands. */
export function classifyDecodeError(rel: string, error: unknown): SkippedFile {
  const message = (error as Error).message ?? String(error);
  if (/pixel limit/i.test(message)) {
    return {
      path: rel,
      code: 'too-many-pixels',
      reason: `Image is larger than ${MAX_INPUT_PIXELS.toLocaleString('en')} pixels (a possible decompression bomb): downscale it first.`,
    };
  }
  if (/unsupported image format/i.test(message)) {
    return { path: rel, code: 'not-an-image', reason: 'The content is not a supported image, whatever its extension says.' };
  }
  if (/heif|hevc|compression format/i.test(message)) {
    return { path: rel, code: 'unsupported-format', reason: 'HEIC/HEVC images are not supported: convert to JPEG or PNG.' };
  }
  return { path: rel, code: 'corrupt', reason: `Truncated or corrupt image: ${message.split('\n')[0]}` };
}

export async function probeImage(absPath: string, rel: string, thumbnailPath: (hash: string) => string): Promise<ProbeResult> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(absPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      return { ok: false, skip: { path: rel, code: 'permission-denied', reason: 'Permission denied: give your user read access to this file.' } };
    }
    return { ok: false, skip: { path: rel, code: 'unreadable', reason: `Cannot read the file: ${(error as Error).message}` } };
  }
  if (bytes.length === 0) return { ok: false, skip: { path: rel, code: 'empty-file', reason: 'The file is empty (0 bytes).' } };

  const hash = hashBytes(bytes);
  try {
    // failOn 'error' rejects truncated and corrupt data; 'warning' would also reject merely quirky files.
    const image = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error', animated: false });
    const meta = await image.metadata();
    const swap = (meta.orientation ?? 1) >= 5;
    const width = (swap ? meta.height : meta.width) ?? 0;
    const height = (swap ? meta.width : meta.height) ?? 0;
    const thumb = await image
      .rotate()
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 82 })
      .toBuffer();
    await writeFileAtomic(thumbnailPath(hash), thumb);
    return { ok: true, image: { hash, format: formatName(meta), width, height } };
  } catch (error) {
    return { ok: false, skip: classifyDecodeError(rel, error) };
  }
}

async function writeFileAtomic(file: string, data: Buffer): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, file);
}
