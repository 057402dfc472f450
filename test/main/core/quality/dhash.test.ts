// dHash: bit layout, invariance to resizing and re-encoding, Hamming distances.
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { dHash, dHashFromGray, hamming, hashHalves } from '../../../../src/main/core/quality/dhash.js';

/** A smooth picture with structure: a diagonal gradient and a bright disc. */
async function picture(size: number, shift = 0): Promise<Buffer> {
  const px = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const u = x / size;
      const v = y / size;
      const disc = (u - 0.6 - shift) ** 2 + (v - 0.4) ** 2 < 0.04 ? 120 : 0;
      const g = Math.min(255, Math.round(40 + 120 * u * v + disc));
      px.set([g, Math.max(0, g - 20), Math.min(255, g + 10)], (y * size + x) * 3);
    }
  return sharp(px, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
}

describe('dHash', () => {
  it('sets a bit where a pixel is brighter than its right neighbour, row by row from the top bit', () => {
    const gray = new Array<number>(72).fill(0);
    gray[0] = 10; // row 0: pixel 0 > pixel 1 → top bit of the first byte
    for (let x = 0; x < 9; x++) gray[7 * 9 + x] = 100 - x; // row 7: strictly decreasing → all ones
    expect(dHashFromGray(gray)).toBe('80000000000000ff');
  });

  it('is 16 hex digits and unchanged by resizing and JPEG re-encoding', async () => {
    const png = await picture(256);
    const a = await dHash(png);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    const small = await sharp(png).resize(97, 97).jpeg({ quality: 70 }).toBuffer();
    expect(hamming(a, await dHash(small))).toBeLessThanOrEqual(3);
  });

  it('puts different pictures far apart', async () => {
    const a = await dHash(await picture(128));
    const flipped = await dHash(await sharp(await picture(128)).flop().toBuffer());
    expect(hamming(a, flipped)).toBeGreaterThan(10);
  });

  it('counts differing bits across both 32-bit halves', () => {
    expect(hamming('0000000000000000', '0000000000000000')).toBe(0);
    expect(hamming('ffffffffffffffff', '0000000000000000')).toBe(64);
    expect(hamming('8000000000000001', '0000000000000000')).toBe(2);
    expect(hamming('00000000f0000000', '0000000000000000')).toBe(4);
    expect(() => hashHalves('xyz')).toThrow(/64-bit/);
  });
});
