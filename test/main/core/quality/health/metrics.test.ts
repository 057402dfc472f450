import { describe, expect, it } from 'vitest';
import { colourfulness, measure, type Pixels } from '../../../../../src/main/core/quality/health/metrics.js';
import { mulberry32 } from '../../../../../src/main/core/platform/random.js';

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
