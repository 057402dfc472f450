// Reads one image file: content hash, format, oriented dimensions, a decode that proves the file is
// whole, and the thumbnail written to the workspace cache. Failures come back as a SkippedFile.
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { imageSize } from 'image-size';
import sharp, { type Metadata } from 'sharp';
import type { SkippedFile } from '../../../shared/domain.js';
import { FacetError } from '../../../shared/errors.js';
import { MAX_INPUT_PIXELS } from '../platform/engine/pixel-cache.js';
import { reasonInWords } from '../../../shared/user-words.js';

export { MAX_INPUT_PIXELS };
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

const capitalFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

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
  // libvips's error buffer is shared by its threads, so under load the detail is sometimes lost.
  const detail = message.split('\n')[0]?.trim();
  const known = detail && !/^unknown error$/i.test(detail);
  return { path: rel, code: 'corrupt', reason: known ? `${capitalFirst(reasonInWords(error))}.` : 'The image file is cut short or damaged: the decoder could not read it to the end.' };
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
    return { ok: false, skip: { path: rel, code: 'unreadable', reason: `Cannot read the file: ${reasonInWords(error)}.` } };
  }
  if (bytes.length === 0) return { ok: false, skip: { path: rel, code: 'empty-file', reason: 'The file is empty (0 bytes).' } };

  const hash = hashBytes(bytes);
  let header: Header;
  let thumb: Buffer;
  try {
    // failOn 'error' rejects truncated and corrupt data; 'warning' would also reject merely quirky files.
    const image = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error', animated: false });
    // rotate() without an angle only applies the EXIF orientation, which keeps libjpeg's shrink-on-load
    // (decoding a 2000 px photo at 1/8 its size): 12 ms instead of 55 ms for a rotation by an angle.
    const small = image.rotate().resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true }).flatten({ background: '#ffffff' });
    // Huffman optimisation would make thumbnails ~5% smaller for ~25% more encode time; mozjpeg
    // (trellis quantisation) costs 10×; 4:2:0 chroma (the default) is the cheapest.
    const jpeg = { quality: 82, optimiseCoding: false };
    // One pipeline: decode, orient, shrink, encode (the health measures are taken later, from this
    // thumbnail, by the health job: measure-dataset.ts). It is the only full decode.
    const out = await small.jpeg(jpeg).toBuffer({ resolveWithObject: true });
    thumb = out.data;
    header = jpegHeader(bytes, out.info) ?? headerOf(await image.metadata());
  } catch (error) {
    return { ok: false, skip: classifyDecodeError(rel, error) };
  }
  // A failure to write into the workspace cache is the workspace's fault, not the image's: it must
  // fail the import with a clear message rather than mark every image corrupt.
  writeThumbnail(thumbnailPath(hash), thumb);
  return { ok: true, image: { hash, ...header } };
}

type Header = Pick<ProbedImage, 'format' | 'width' | 'height'>;

function headerOf(meta: Metadata): Header {
  const swap = (meta.orientation ?? 1) >= 5;
  return { format: formatName(meta), width: (swap ? meta.height : meta.width) ?? 0, height: (swap ? meta.width : meta.height) ?? 0 };
}

/**
 * A JPEG's oriented size read from its markers in JavaScript (image-size: the SOF segment and the
 * EXIF orientation tag), which costs microseconds where sharp's separate header read, metadata(),
 * costs ~0.35 ms of CPU per image (6% of an import of 256-px JPEGs). The thumbnail the decoder
 * has just made is the check: its shape must agree with the header's (each side the header's side times
 * one scale), or the header is read by sharp instead. Other formats always go to sharp.
 */
export function jpegHeader(bytes: Buffer, thumbnail: { width: number; height: number }): Header | null {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let size: ReturnType<typeof imageSize>;
  try {
    size = imageSize(bytes);
  } catch {
    return null;
  }
  if (size.type !== 'jpg' || !size.width || !size.height) return null;
  const swap = (size.orientation ?? 1) >= 5;
  const width = swap ? size.height : size.width;
  const height = swap ? size.width : size.height;
  // The thumbnail fits inside THUMBNAIL_SIZE without enlarging: each side is the header's side times
  // one scale, give or take sharp's rounding.
  const scale = Math.min(1, THUMBNAIL_SIZE / Math.max(width, height));
  const agrees = Math.abs(thumbnail.width - width * scale) <= 1 && Math.abs(thumbnail.height - height * scale) <= 1;
  return agrees ? { format: 'jpeg', width, height } : null;
}

/** Cache folders already created by this process: one mkdir per folder, not one per image. */
const madeDirs = new Set<string>();

/**
 * Writes a thumbnail (a few KB, into the workspace's own cache) synchronously: the asynchronous
 * calls would each wait for a libuv thread, and during an import all of them are busy decoding.
 */
function writeThumbnail(file: string, data: Buffer): void {
  const dir = path.dirname(file);
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    if (!madeDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      madeDirs.add(dir);
    }
    try {
      writeFileSync(tmp, data);
    } catch (error) {
      // The folder may have been removed since (a cleared cache): make it again, once.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      mkdirSync(dir, { recursive: true });
      writeFileSync(tmp, data);
    }
    renameSync(tmp, file);
  } catch (error) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Nothing to clean up, or nothing more to do about it.
    }
    throw new FacetError('io', `Cannot write a thumbnail into the workspace cache: ${reasonInWords(error)}.`, {
      file,
      hint: 'Check that the workspace folder is writable and the disk is not full.',
    });
  }
}
