// Reading the pixels the checks measure: the import's thumbnail (≤ 192 px a side, already in the
// workspace cache), so a check costs one small JPEG decode instead of a second full decode.
import sharp from 'sharp';
import { measure, type ImageMeasures } from './metrics.js';

/**
 * The checks measure at most this many pixels a side: a JPEG thumbnail is then decoded at half its
 * size by libjpeg's DCT scaling (shrink-on-load), which with the smaller picture to measure keeps the
 * checks within a fifth of the import's time (bench:import).
 */
export const MEASURE_SIDE = 192;

/** RGB pixels of a (small) image file or buffer, at most MEASURE_SIDE a side, flattened on white. */
export async function rgbPixels(input: string | Buffer): Promise<{ data: Uint8Array; width: number; height: number; channels: 3 }> {
  const { data, info } = await sharp(input, { failOn: 'error' })
    .resize(MEASURE_SIDE, MEASURE_SIDE, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels, decoded ${info.channels}`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: 3 };
}

export async function measureFile(input: string | Buffer): Promise<ImageMeasures> {
  return measure(await rgbPixels(input));
}
