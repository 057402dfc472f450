// "Crop to face": the training pixels of an image are its most confident face's box, widened by a
// margin and made square, instead of the whole picture. Cached apart from whole-image pixels.
import path from 'node:path';
import sharp from 'sharp';
import { FacetError } from '../../../shared/errors.js';
import type { FaceBox } from '../../../shared/faces.js';
import { MAX_INPUT_PIXELS } from '../datasets/probe.js';
import type { Database } from '../store/db.js';
import { decodeForModel, PixelCache, type ColorMode, type PixelSource } from '../training/pixel-cache.js';
import { topFaceBoxes } from './face-store.js';

/**
 * The square crop around a face: the box grown by `margin` × its size on every side, squared on its
 * longer side, shifted (then clipped) to stay inside the image. Integer pixels, never empty.
 */
export function faceCropRect(box: FaceBox, imageWidth: number, imageHeight: number, margin: number): { left: number; top: number; width: number; height: number } {
  const side = Math.max(box.width, box.height) * (1 + 2 * margin);
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const w = Math.max(1, Math.min(imageWidth, Math.round(side)));
  const h = Math.max(1, Math.min(imageHeight, Math.round(side)));
  const left = Math.min(Math.max(0, Math.round(cx - w / 2)), imageWidth - w);
  const top = Math.min(Math.max(0, Math.round(cy - h / 2)), imageHeight - h);
  return { left, top, width: w, height: h };
}

/** Pixels of an image cropped to a face (upright coordinates), as decodeForModel returns them. */
export async function decodeFaceCrop(file: string, box: FaceBox, imageWidth: number, imageHeight: number, margin: number, size: number, colorMode: ColorMode): Promise<Buffer> {
  const upright = await sharp(file, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' }).rotate().toBuffer({ resolveWithObject: true });
  // The analysis may have seen a downscaled copy of a huge picture: boxes are in original pixels.
  const sx = upright.info.width / imageWidth;
  const sy = upright.info.height / imageHeight;
  const scaled = { x: box.x * sx, y: box.y * sy, width: box.width * sx, height: box.height * sy };
  const rect = faceCropRect(scaled, upright.info.width, upright.info.height, margin);
  const crop = await sharp(upright.data).extract(rect).png().toBuffer();
  return decodeForModel(crop, size, colorMode);
}

/**
 * A PixelCache whose entries are face crops (images with no face found keep the whole picture).
 * Its folder is cache/face-crop/margin-M/pixels/SxS-MODE, so crops never mix with whole images.
 */
export class FaceCropCache extends PixelCache {
  constructor(
    private readonly db: Database,
    cacheRoot: string,
    size: number,
    colorMode: ColorMode,
    readonly margin: number,
  ) {
    super(path.join(cacheRoot, 'face-crop', `margin-${margin}`), size, colorMode);
  }

  protected override async decoderFor(missing: PixelSource[], all: PixelSource[]): Promise<(s: PixelSource) => Promise<Buffer>> {
    const boxes = topFaceBoxes(this.db, missing.map((s) => s.hash));
    if (missing.length > 0 && !anyAnalysed(this.db, all.map((s) => s.hash))) {
      throw new FacetError('conflict', 'Crop to face needs the face analysis of the dataset, and none of its images has one.', {
        field: 'cropToFace',
        hint: 'Run `facet faces DATASET` first (or turn crop to face off).',
      });
    }
    return (s) => {
      const box = boxes.get(s.hash);
      return box
        ? decodeFaceCrop(s.absPath, box, box.imageWidth, box.imageHeight, this.margin, this.size, this.colorMode)
        : decodeForModel(s.absPath, this.size, this.colorMode);
    };
  }
}

function anyAnalysed(db: Database, hashes: string[]): boolean {
  const stmt = db.prepare('SELECT 1 FROM face_analyses WHERE hash = ?');
  return hashes.some((h) => stmt.get(h) !== undefined);
}
