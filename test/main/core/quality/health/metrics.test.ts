import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { colourfulness, measure, type Pixels } from '../../../../../src/main/core/quality/health/metrics.js';
import { measureFile, measureThumbnail } from '../../../../../src/main/core/quality/health/read.js';
import { mulberry32 } from '../../../../../src/main/core/platform/random.js';
import { withProblem } from './synthetic.js';

/** An RGB picture whose pixel i is colour(i). */
function rgb(width: number, height: number, colour: (i: number) => [number, number, number]): Pixels {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(colour(i), 3 * i);
  return { data, width, height, channels: 3 };
}

function noise(seed: number, width: number, height: number): Pixels {
  const rand = mulberry32(seed);
  return rgb(width, height, () => [Math.floor(rand() * 256), Math.floor(rand() * 256), Math.floor(rand() * 256)]);
}

describe('per-picture measures', () => {
  it('luma percentiles and entropy of a gray ramp: 100 levels, one pixel each', () => {
    const ramp: Pixels = { data: Uint8Array.from({ length: 100 }, (_, i) => i), width: 10, height: 10, channels: 1 };
    const m = measure(ramp);
    expect(m.lumaP5).toBe(4); // the 5th of 100 pixels
    expect(m.lumaP99).toBe(98);
    expect(m.entropy).toBeCloseTo(Math.log2(100), 12);
    expect(m.colourfulness).toBe(0);
  });

  it('luma is Rec. 601 rounded to the nearest level: pure red is 76, pure green 150, pure blue 29', () => {
    for (const [colour, level] of [
      [[255, 0, 0], 76],
      [[0, 255, 0], 150],
      [[0, 0, 255], 29],
      [[128, 128, 128], 128],
    ] as const) {
      const m = measure(rgb(30, 30, () => [...colour]));
      expect([m.lumaP5, m.lumaP99], `${colour}`).toEqual([level, level]);
      expect(m.entropy).toBe(0);
    }
  });

  it('colourfulness is the mean max − min channel spread: 0 for gray saved as RGB, 255 for pure colours', () => {
    expect(colourfulness(rgb(8, 8, (i) => [i * 3, i * 3, i * 3]))).toBe(0);
    expect(colourfulness(rgb(8, 8, (i) => (i % 2 ? [255, 0, 0] : [0, 0, 255])))).toBe(255);
    // Half the pixels spread 100, half 0.
    expect(colourfulness(rgb(8, 8, (i) => (i % 2 ? [10, 110, 60] : [50, 50, 50])))).toBe(50);
    expect(measure(rgb(8, 8, (i) => (i % 2 ? [10, 110, 60] : [50, 50, 50]))).colourfulness).toBe(50);
  });

  it('gives a picture the same measures whatever was measured before it (its working buffer is reused)', () => {
    const small = noise(1, 64, 48);
    const first = measure(small);
    measure(noise(2, 192, 192));
    expect(measure(small)).toEqual(first);
    expect(measure(noise(1, 64, 48))).toEqual(first);
  });
});

describe('measuring an import thumbnail', () => {
  it('the short path (decode only) gives exactly what the whole path gives, for colour, grey, small and wide thumbnails', async () => {
    const thumbnail = (input: Buffer) => sharp(input).rotate().resize(192, 192, { fit: 'inside', withoutEnlargement: true }).flatten({ background: '#ffffff' }).jpeg({ quality: 82 }).toBuffer();
    const noisy = noise(7, 300, 120);
    const inputs = [
      await sharp(Buffer.from(noisy.data), { raw: { width: 300, height: 120, channels: 3 } }).png().toBuffer(),
      await withProblem('blurry', 1),
      await withProblem('grayscale', 2),
      await sharp(Buffer.from(noise(8, 40, 30).data), { raw: { width: 40, height: 30, channels: 3 } }).jpeg().toBuffer(),
      await sharp(Buffer.from(noise(9, 64, 64).data), { raw: { width: 64, height: 64, channels: 3 } }).greyscale().png().toBuffer(),
    ];
    for (const input of inputs) {
      const thumb = await thumbnail(input);
      expect(await measureThumbnail(thumb)).toEqual(await measureFile(thumb));
    }
    // A picture larger than a thumbnail is brought to the measured size first, as measureFile does.
    const large = await sharp(Buffer.from(noise(10, 400, 300).data), { raw: { width: 400, height: 300, channels: 3 } }).jpeg().toBuffer();
    expect(await measureThumbnail(large)).toEqual(await measureFile(large));
  });
});
