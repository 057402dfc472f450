// Face-crop thumbnails for the labeller's "Face crops" view: a picture's most confident face, aligned
// (eyes level) and framed with the crop-to-face margin as training frames it. Made on first request
// from the original file and cached by content hash, margin and face box.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { FacetError } from '../../../shared/errors.js';
import { CropToFaceSchema } from '../../../shared/hyperparameters.js';
import { hashBytes, THUMBNAIL_SIZE } from '../datasets/probe.js';
import { writeFileAtomic } from '../platform/files/atomic.js';
import type { Workspace } from '../platform/workspace.js';
import { alignedFaceRegion } from './crop.js';
import { topFaceBoxes, type StoredFaceBox } from './face-store.js';

/** The crop-to-face hyperparameter's default margin: the thumbnails frame a face as training does. */
export const FACE_THUMB_MARGIN = CropToFaceSchema.parse({}).margin;

/** A face-crop thumbnail on disk, or `face: false` when the picture has no analysed face. */
export type FaceThumbnail = { face: true; file: string } | { face: false };

/** The files that may hold a content hash (already checked against the dataset roots by the caller). */
export type OriginalsOf = (hash: string) => string[];

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
    pending = renderLimit(async () => writeFileAtomic(file, await faceThumbnailJpeg(await originalBytes(hash, originalsOf(hash)), box, margin), 'a face thumbnail into the workspace cache')).finally(() =>
      inFlight.delete(file),
    );
    inFlight.set(file, pending);
  }
  await pending;
  return { face: true, file };
}

/** The aligned face crop (the region training sees) as a JPEG thumbnail. */
export async function faceThumbnailJpeg(input: Buffer | string, box: StoredFaceBox, margin: number): Promise<Buffer> {
  const region = await alignedFaceRegion(input, box, box.imageWidth, box.imageHeight, margin, 2 * THUMBNAIL_SIZE);
  return region.resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 82, optimiseCoding: false }).toBuffer();
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

