// Perceptual "difference hash" (dHash): a 64-bit fingerprint that survives resizing, recompression
// and small edits, so near-identical pictures have hashes a few bits apart (Hamming distance).
// The picture is reduced to 9×8 grayscale; each bit says whether a pixel is brighter than its right
// neighbour (8 comparisons per row × 8 rows). N. Krawetz, "Kind of Like That", Hacker Factor, 2013.
import sharp from 'sharp';
import { MAX_INPUT_PIXELS } from '../datasets/probe.js';

/** dHash of an image file as 16 hex digits (row-major, first pixel pair is the top bit). */
export async function dHash(file: string | Buffer): Promise<string> {
  const { data, info } = await sharp(file, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
    .rotate()
    .flatten({ background: '#ffffff' })
    .grayscale()
    .resize(9, 8, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== 9 || info.height !== 8 || info.channels !== 1) throw new Error(`dHash: decoded to ${info.width}×${info.height}×${info.channels}`);
  return dHashFromGray(data);
}

/** dHash of a 9×8 single-channel image, row-major. */
export function dHashFromGray(gray: ArrayLike<number>): string {
  let hex = '';
  for (let y = 0; y < 8; y++) {
    let byte = 0;
    for (let x = 0; x < 8; x++) byte = (byte << 1) | (gray[y * 9 + x]! > gray[y * 9 + x + 1]! ? 1 : 0);
    hex += byte.toString(16).padStart(2, '0');
  }
  return hex;
}

/** A 64-bit hash as two unsigned 32-bit halves, for fast Hamming distances. */
export function hashHalves(hex: string): [number, number] {
  if (!/^[0-9a-f]{16}$/i.test(hex)) throw new Error(`not a 64-bit hex hash: ${hex}`);
  return [parseInt(hex.slice(0, 8), 16) >>> 0, parseInt(hex.slice(8), 16) >>> 0];
}

export function popcount32(v: number): number {
  let x = v >>> 0;
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Number of differing bits between two 64-bit hashes given as halves. */
export function hammingHalves(a: readonly [number, number], b: readonly [number, number]): number {
  return popcount32(a[0] ^ b[0]) + popcount32(a[1] ^ b[1]);
}

/** Number of differing bits between two 16-hex-digit hashes. */
export function hamming(a: string, b: string): number {
  return hammingHalves(hashHalves(a), hashHalves(b));
}
