// Face-crop thumbnails for the labeller's "Face crops" view: a picture's most confident face, aligned
// (eyes level) and framed with the crop-to-face margin as training frames it. Made on first request
// from the original file and cached by content hash, margin and face box.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import sharp, { type OutputInfo } from 'sharp';
import { FacetError } from '../../../shared/errors.js';
import { CropToFaceSchema } from '../../../shared/hyperparameters.js';
import { hashBytes, MAX_INPUT_PIXELS, THUMBNAIL_SIZE } from '../datasets/probe.js';
import type { Workspace } from '../workspace.js';
import { faceCropRect, rotatedPoint } from './crop.js';
import { topFaceBoxes, type StoredFaceBox } from './face-store.js';

/** The crop-to-face hyperparameter's default margin: the thumbnails frame a face as training does. */
export const FACE_THUMB_MARGIN = CropToFaceSchema.parse({}).margin;

/** A face-crop thumbnail on disk, or `face: false` when the picture has no analysed face. */
export type FaceThumbnail = { face: true; file: string } | { face: false };

/** The files that may hold a content hash (already checked against the dataset roots by the caller). */
export type OriginalsOf = (hash: string) => string[];

/** Same rule as crop.ts: below this roll the picture is not rotated (resampling blurs more than it levels). */
const MIN_ROLL_DEGREES = 1;

/** The box is part of the name, so analysing again (another detector) makes a new thumbnail. */
export function faceThumbnailPath(cacheDir: string, hash: string, box: StoredFaceBox, margin: number): string {
  const key = createHash('sha256')
    .update([box.x, box.y, box.width, box.height, box.imageWidth, box.imageHeight, box.roll.toFixed(3)].join(','))
    .digest('hex')
    .slice(0, 8);
  return path.join(cacheDir, 'face-thumbs', hash.slice(0, 2), `${hash}-m${Math.round(margin * 100)}-${key}.jpg`);
}

/** Two requests for one thumbnail share one render; renders are few at a time (each holds decoded pixels). */
const inFlight = new Map<string, Promise<void>>();
const renderLimit = pLimit(4);

export async function faceThumbnail(ws: Workspace, hash: string, originalsOf: OriginalsOf, margin = FACE_THUMB_MARGIN): Promise<FaceThumbnail> {
  const box = topFaceBoxes(ws.db, [hash]).get(hash);
  if (!box) return { face: false };
  const file = faceThumbnailPath(ws.cacheDir, hash, box, margin);
  if (await isFile(file)) return { face: true, file };
  let pending = inFlight.get(file);
  if (!pending) {
    pending = renderLimit(async () => writeAtomically(file, await faceThumbnailJpeg(await originalBytes(hash, originalsOf(hash)), box, margin))).finally(() =>
      inFlight.delete(file),
    );
    inFlight.set(file, pending);
  }
  await pending;
  return { face: true, file };
}

/**
 * The aligned face crop as a JPEG thumbnail: the geometry of decodeFaceCrop (rotate by −roll about the
 * picture's centre, carry the box along, square it with the margin), done on a copy decoded at about
 * twice the thumbnail's size instead of full size, which JPEG shrink-on-load makes cheap for big photos.
 */
export async function faceThumbnailJpeg(input: Buffer | string, box: StoredFaceBox, margin: number): Promise<Buffer> {
  const side = Math.max(box.width, box.height) * (1 + 2 * margin);
  const scale = Math.min(1, (2 * THUMBNAIL_SIZE) / side);
  let pipeline = sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' }).rotate();
  if (scale < 1) pipeline = pipeline.resize({ width: Math.max(1, Math.round(box.imageWidth * scale)) });
  const upright = await pipeline.flatten({ background: '#ffffff' }).raw().toBuffer({ resolveWithObject: true });
  const raw = (info: OutputInfo) => ({ raw: { width: info.width, height: info.height, channels: info.channels } });
  const sx = upright.info.width / box.imageWidth;
  const sy = upright.info.height / box.imageHeight;
  let scaled = { x: box.x * sx, y: box.y * sy, width: box.width * sx, height: box.height * sy };
  let source = sharp(upright.data, raw(upright.info));
  let width = upright.info.width;
  let height = upright.info.height;
  if (Math.abs(box.roll) >= MIN_ROLL_DEGREES) {
    const centre = rotatedPoint(scaled.x + scaled.width / 2, scaled.y + scaled.height / 2, width, height, -box.roll);
    const rotated = await source.rotate(-box.roll, { background: { r: 128, g: 128, b: 128, alpha: 1 } }).raw().toBuffer({ resolveWithObject: true });
    source = sharp(rotated.data, raw(rotated.info));
    width = rotated.info.width;
    height = rotated.info.height;
    scaled = { x: centre.x - scaled.width / 2, y: centre.y - scaled.height / 2, width: scaled.width, height: scaled.height };
  }
  return source
    .extract(faceCropRect(scaled, width, height, margin))
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 82, optimiseCoding: false })
    .toBuffer();
}

/** The bytes of the first candidate whose content still has this hash (a file edited since import does not). */
async function originalBytes(hash: string, candidates: string[]): Promise<Buffer> {
  for (const file of candidates) {
    const bytes = await fs.readFile(file).catch(() => null);
    if (bytes && hashBytes(bytes) === hash) return bytes;
  }
  throw new FacetError('not-found', `No original file with content ${hash.slice(0, 12)}… is left to crop the face from.`, {
    hint: 'Rescan the dataset: its files were moved, deleted or changed since the import.',
  });
}

async function isFile(file: string): Promise<boolean> {
  return (await fs.stat(file).catch(() => null))?.isFile() ?? false;
}

/** A temp file renamed into place: a reader never sees half a JPEG, even with another process writing. */
async function writeAtomically(file: string, data: Buffer): Promise<void> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (error) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw new FacetError('io', `Cannot write a face thumbnail into the workspace cache: ${(error as Error).message}`, {
      file,
      hint: 'Check that the workspace folder is writable and the disk is not full.',
    });
  }
}
