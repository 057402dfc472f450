// Reads one image file: content hash, format, oriented dimensions, a decode that proves the file is
// whole, and the thumbnail written to the workspace cache. Failures come back as a SkippedFile.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { imageSize } from 'image-size';
import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
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
    bytes = readFileSync(absPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      return { ok: false, skip: { path: rel, code: 'permission-denied', reason: 'Permission denied: give your user read access to this file.' } };
    }
    return { ok: false, skip: { path: rel, code: 'unreadable', reason: `Cannot read the file: ${reasonInWords(error)}.` } };
  }
  if (bytes.length === 0) return { ok: false, skip: { path: rel, code: 'empty-file', reason: 'The file is empty (0 bytes).' } };

  const hash = hashBytes(bytes);
  const markers = jpegMarkers(bytes);
  let header: Header | null;
  let thumb: Buffer;
  try {
    // failOn 'error' rejects truncated and corrupt data; 'warning' would also reject merely quirky files.
    const open = () => sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error', animated: false });
    // An upright JPEG (no EXIF orientation, or 1, its markers say) skips sharp's auto-orientation,
    // which copies the decoded pixels once more even when there is nothing to turn (~3% of an import).
    // rotate() without an angle only applies the EXIF orientation, which keeps libjpeg's shrink-on-load
    // (decoding a 2000 px photo at 1/8 its size): 12 ms instead of 55 ms for a rotation by an angle.
    const upright = markers !== null && markers.orientation === 1;
    let out = await thumbnailOf(upright ? open() : open().rotate());
    header = markers && agreeing(markers, out.info);
    // The thumbnail disagrees with the markers: they were misread, so the picture is oriented by
    // sharp after all and its header read by sharp.
    if (!header && upright) out = await thumbnailOf(open().rotate());
    thumb = out.data;
    header ??= headerOf(await open().metadata());
  } catch (error) {
    return { ok: false, skip: classifyDecodeError(rel, error) };
  }
  // A failure to write into the workspace cache is the workspace's fault, not the image's: it must
  // fail the import with a clear message rather than mark every image corrupt.
  writeThumbnail(thumbnailPath(hash), thumb);
  return { ok: true, image: { hash, ...header } };
}

type Header = Pick<ProbedImage, 'format' | 'width' | 'height'>;

/**
 * One pipeline: decode, orient (where asked), shrink, encode. The health measures are taken later,
 * from this thumbnail, by the health job (measure-dataset.ts); this is the only full decode.
 */
function thumbnailOf(image: Sharp): Promise<{ data: Buffer; info: OutputInfo }> {
  // Huffman optimisation would make thumbnails ~5% smaller for ~25% more encode time; mozjpeg
  // (trellis quantisation) costs 10×; 4:2:0 chroma (the default) is the cheapest.
  return image
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 82, optimiseCoding: false })
    .toBuffer({ resolveWithObject: true });
}

function headerOf(meta: Metadata): Header {
  const swap = (meta.orientation ?? 1) >= 5;
  return { format: formatName(meta), width: (swap ? meta.height : meta.width) ?? 0, height: (swap ? meta.width : meta.height) ?? 0 };
}

/** A JPEG's stored size and EXIF orientation (1 where it has none), read from its markers. */
interface JpegMarkers {
  width: number;
  height: number;
  orientation: number;
}

/**
 * The SOF segment and the EXIF orientation tag read in JavaScript (image-size), which costs
 * microseconds where sharp's separate header read, metadata(), costs ~0.35 ms of CPU per image (6% of
 * an import of 256-px JPEGs). Null for anything that is not a JPEG whose markers it can read.
 */
function jpegMarkers(bytes: Buffer): JpegMarkers | null {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  try {
    const size = imageSize(bytes);
    if (size.type !== 'jpg' || !size.width || !size.height) return null;
    return { width: size.width, height: size.height, orientation: size.orientation ?? 1 };
  } catch {
    return null;
  }
}

/**
 * The oriented size the markers give, if the thumbnail just made agrees: each of its sides must be the
 * header's side times one scale (it fits inside THUMBNAIL_SIZE without enlarging), give or take
 * sharp's rounding. Otherwise null, and the header is read by sharp.
 */
function agreeing(markers: JpegMarkers, thumbnail: { width: number; height: number }): Header | null {
  const swap = markers.orientation >= 5;
  const width = swap ? markers.height : markers.width;
  const height = swap ? markers.width : markers.height;
  const scale = Math.min(1, THUMBNAIL_SIZE / Math.max(width, height));
  const agrees = Math.abs(thumbnail.width - width * scale) <= 1 && Math.abs(thumbnail.height - height * scale) <= 1;
  return agrees ? { format: 'jpeg', width, height } : null;
}

/** A JPEG's oriented size from its markers, checked against its thumbnail (null: ask sharp). */
export function jpegHeader(bytes: Buffer, thumbnail: { width: number; height: number }): Header | null {
  const markers = jpegMarkers(bytes);
  return markers && agreeing(markers, thumbnail);
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
