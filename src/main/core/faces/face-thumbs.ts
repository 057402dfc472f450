// Face-crop thumbnails for the labeller's "Face crops" view: a picture's most confident face, aligned
// (eyes level) and framed with the crop-to-face margin as training frames it. Made on first request
// by the image decoder process (face-thumb-decode.ts: the original is never decoded here) and cached
// by content hash, margin and face box.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CropToFaceSchema } from '../../../shared/hyperparameters.js';
import { writeFileAtomic } from '../platform/files/atomic.js';
import type { ImageDecoder } from '../platform/media/decoder.js';
import type { Workspace } from '../platform/workspace.js';
import type { faceThumbnailRequest } from './face-thumb-decode.js';
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

/** Two requests for one thumbnail share one render (the decoder limits how many run at once). */
const inFlight = new Map<string, Promise<void>>();

export async function faceThumbnail(ws: Workspace, decoder: ImageDecoder, hash: string, originalsOf: OriginalsOf, margin = FACE_THUMB_MARGIN): Promise<FaceThumbnail> {
  const box = topFaceBoxes(ws.db, [hash]).get(hash);
  if (!box) return { face: false };
  const file = faceThumbnailPath(ws.cacheDir, hash, box, margin);
  if (await isFile(file)) return { face: true, file };
  let pending = inFlight.get(file);
  if (!pending) {
    pending = (async () => {
      const jpeg = await decoder.request<typeof faceThumbnailRequest>('face-thumbnail', { hash, candidates: originalsOf(hash), box, margin });
      await writeFileAtomic(file, jpeg, 'a face thumbnail into the workspace cache');
    })().finally(() => inFlight.delete(file));
    inFlight.set(file, pending);
  }
  await pending;
  return { face: true, file };
}

async function isFile(file: string): Promise<boolean> {
  return (await fs.stat(file).catch(() => null))?.isFile() ?? false;
}

