// Reading the pixels the checks measure: the import's thumbnail (≤ 192 px a side, already in the
// workspace cache), so a check costs one small JPEG decode instead of a second full decode.
import sharp from 'sharp';
import { measure, type ImageMeasures } from './metrics.js';

/**
 * The checks measure at most this many pixels a side: the import's thumbnail size, so a thumbnail is
 * measured as it is and any larger picture is first brought to that size (the thresholds hold there).
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

/**
 * Measures an import thumbnail (an sRGB JPEG of at most THUMBNAIL_SIZE a side, alpha flattened):
 * decoded as it is, without rgbPixels' resize and colour steps, which change nothing for such a file
 * but cost a third of the measuring (health job after an import). Any other picture (a grey
 * thumbnail, one larger than MEASURE_SIDE) goes the whole way, with the same result.
 */
export async function measureThumbnail(bytes: Buffer): Promise<ImageMeasures> {
  const { data, info } = await sharp(bytes, { failOn: 'error' }).raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width > MEASURE_SIDE || info.height > MEASURE_SIDE) return measureFile(bytes);
  return measure({ data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: 3 });
}
