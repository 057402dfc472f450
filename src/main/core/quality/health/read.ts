// Reading the pixels the checks measure: the import's thumbnail (≤ 192 px a side, already in the
// workspace cache), so a check costs one small JPEG decode instead of a second full decode.
import sharp from 'sharp';
import { measure, type ImageMeasures } from './metrics.js';

/** RGB pixels of a (small) image file or buffer, flattened on white. */
export async function rgbPixels(input: string | Buffer): Promise<{ data: Uint8Array; width: number; height: number; channels: 3 }> {
  const { data, info } = await sharp(input, { failOn: 'error' }).flatten({ background: '#ffffff' }).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels, decoded ${info.channels}`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: 3 };
}

export async function measureFile(input: string | Buffer): Promise<ImageMeasures> {
  return measure(await rgbPixels(input));
}
