// The face-crop thumbnail a media request names (by content hash), under the same path rules as every
// media file (platform/media): made on first request, served by the HTTP server and facet-media://.
import path from 'node:path';
import type { ImageDecoder } from '../platform/media/decoder.js';
import { checkHash, originalFilesOfHash, realFile, thumbnailFile, type MediaFile } from '../platform/media/media-files.js';
import type { Workspace } from '../platform/workspace.js';
import { faceThumbnail, type FaceThumbnail } from './face-thumbs.js';

/** What a face-crop thumbnail request got: the crop, or the whole-picture thumbnail and why. */
export type FaceThumbnailKind = 'crop' | 'none' | 'unavailable';

/**
 * The face-crop thumbnail of a content hash, made on first request. When the picture has no analysed
 * face ('none') or the crop cannot be made ('unavailable': original gone or unreadable, or the
 * decoder process crashed or hung on it), the whole-picture thumbnail instead, so a grid of face
 * crops never shows a broken image.
 */
export async function faceThumbnailFile(ws: Workspace, decoder: ImageDecoder, hash: string): Promise<MediaFile & { face: FaceThumbnailKind }> {
  checkHash(hash);
  let made: FaceThumbnail | null;
  try {
    made = await faceThumbnail(ws, decoder, hash, (h) => originalFilesOfHash(ws, h));
  } catch {
    made = null;
  }
  if (made?.face) {
    const found = realFile(made.file, path.join(ws.cacheDir, 'face-thumbs'), 'The face thumbnail');
    return { file: found.file, size: found.size, contentType: 'image/jpeg', face: 'crop' };
  }
  return { ...thumbnailFile(ws, hash), face: made ? 'none' : 'unavailable' };
}
