// "Crop to face": the training pixels of an image are its most confident face's box, widened by a
// margin and made square, instead of the whole picture. Cached apart from whole-image pixels.
import path from 'node:path';
import sharp, { type OutputInfo, type Sharp } from 'sharp';
import { FacetError } from '../../../shared/errors.js';
import type { FaceBox } from '../../../shared/faces.js';
import { MAX_INPUT_PIXELS } from '../datasets/probe.js';
import type { Database } from '../platform/store/db.js';
import { decodeForModel, PixelCache, type ColorMode, type PixelSource } from '../platform/engine/pixel-cache.js';
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

/** Where a point lands when sharp rotates a w×h image by `degrees` clockwise (the canvas grows to fit). */
export function rotatedPoint(x: number, y: number, w: number, h: number, degrees: number): { x: number; y: number; width: number; height: number } {
  const a = (degrees * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const width = Math.abs(w * cos) + Math.abs(h * sin);
  const height = Math.abs(w * sin) + Math.abs(h * cos);
  // Clockwise on screen (y down): x' = cos·dx − sin·dy, y' = sin·dx + cos·dy, about the centres.
  const dx = x - w / 2;
  const dy = y - h / 2;
  return { x: width / 2 + cos * dx - sin * dy, y: height / 2 + sin * dx + cos * dy, width, height };
}

/** Below this roll the crop is not rotated: resampling would blur more than it levels. */
const MIN_ROLL_DEGREES = 1;

/**
 * The aligned, squared face region of a picture, as a sharp pipeline over raw pixels. Aligned: when
 * the eye line is tilted (`roll`), the picture is first rotated about its centre so the eyes are
 * level, and the box is carried along, so every crop shows an upright face. With `workingSide` the
 * picture is decoded at about that many pixels across the crop instead of at full size (JPEG
 * shrink-on-load makes that cheap for big photos); transparent pixels become white.
 */
export async function alignedFaceRegion(
  input: string | Buffer,
  box: FaceBox & { roll?: number },
  imageWidth: number,
  imageHeight: number,
  margin: number,
  workingSide?: number,
): Promise<Sharp> {
  const side = Math.max(box.width, box.height) * (1 + 2 * margin);
  const scale = workingSide === undefined ? 1 : Math.min(1, workingSide / side);
  let pipeline = sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' }).rotate();
  if (scale < 1) pipeline = pipeline.resize({ width: Math.max(1, Math.round(imageWidth * scale)) });
  // Raw pixels between the steps: no re-encoding (and no JPEG loss) before the crop.
  const upright = await pipeline.flatten({ background: '#ffffff' }).raw().toBuffer({ resolveWithObject: true });
  const raw = (info: OutputInfo) => ({ raw: { width: info.width, height: info.height, channels: info.channels } });
  // The analysis may have seen a downscaled copy of a huge picture: boxes are in original pixels.
  const sx = upright.info.width / imageWidth;
  const sy = upright.info.height / imageHeight;
  let scaled = { x: box.x * sx, y: box.y * sy, width: box.width * sx, height: box.height * sy };
  let source = sharp(upright.data, raw(upright.info));
  let width = upright.info.width;
  let height = upright.info.height;
  const roll = box.roll ?? 0;
  if (Math.abs(roll) >= MIN_ROLL_DEGREES) {
    // Rotating by −roll levels the eyes; the box centre moves with the picture, its size stays.
    const centre = rotatedPoint(scaled.x + scaled.width / 2, scaled.y + scaled.height / 2, width, height, -roll);
    const rotated = await source.rotate(-roll, { background: { r: 128, g: 128, b: 128, alpha: 1 } }).raw().toBuffer({ resolveWithObject: true });
    source = sharp(rotated.data, raw(rotated.info));
    width = rotated.info.width;
    height = rotated.info.height;
    scaled = { x: centre.x - scaled.width / 2, y: centre.y - scaled.height / 2, width: scaled.width, height: scaled.height };
  }
  return source.extract(faceCropRect(scaled, width, height, margin));
}

/** Pixels of an image cropped to its (aligned) face, as decodeForModel returns them. */
export async function decodeFaceCrop(
  file: string,
  box: FaceBox & { roll?: number },
  imageWidth: number,
  imageHeight: number,
  margin: number,
  size: number,
  colorMode: ColorMode,
): Promise<Buffer> {
  // Decoding at twice the model's size keeps the resize to `size` as sharp as from full size.
  const region = await alignedFaceRegion(file, box, imageWidth, imageHeight, margin, 2 * size);
  return decodeForModel(await region.png().toBuffer(), size, colorMode);
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
