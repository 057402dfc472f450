// The decoding half of a face-crop thumbnail, run in the image decoder process (registered in
// job-kinds.ts), never in the main process or the server: read the original, check it still has
// the imported content, decode, level the eyes, crop and encode. face-thumbs.ts keeps the cache.
import fs from 'node:fs/promises';
import { FacetError } from '../../../shared/errors.js';
import { hashBytes, THUMBNAIL_SIZE } from '../datasets/probe.js';
import { defineRequest } from '../platform/jobs/protocol.js';
import { alignedFaceRegion } from './crop.js';
import type { StoredFaceBox } from './face-store.js';

export interface FaceThumbnailArgs {
  hash: string;
  /** Files that may hold the content (already checked against the dataset roots by the caller). */
  candidates: string[];
  box: StoredFaceBox;
  margin: number;
}

/** The JPEG bytes of the aligned face crop. */
export const faceThumbnailRequest = defineRequest('face-thumbnail', async (args: FaceThumbnailArgs): Promise<Uint8Array> => {
  return faceThumbnailJpeg(await originalBytes(args.hash, args.candidates), args.box, args.margin);
});

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
