import { describe, expect, it } from 'vitest';
import { augmentImage } from '../../../../src/main/core/training/augment.js';
import { mulberry32 } from '../../../../src/main/core/platform/random.js';

const size = 8;
function gradient(channels: number): Float32Array {
  const img = new Float32Array(size * size * channels);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < channels; c++) img[(y * size + x) * channels + c] = x * 10 + y + c * 100;
  return img;
}
const none = { flip: false, rotation: 0, zoom: 0, contrast: 0 };

describe('augmentImage', () => {
  it('leaves the image unchanged when every augmentation is off', () => {
    const img = gradient(3);
    const copy = img.slice();
    augmentImage(img, size, 3, none, mulberry32(1), new Float32Array(img.length));
    expect(img).toEqual(copy);
  });

  it('mirrors rows exactly when a flip is drawn', () => {
    const channels = 1;
    // Find a seed whose first draw flips (< 0.5).
    let seed = 0;
    while (mulberry32(seed)() >= 0.5) seed++;
    const img = gradient(channels);
    const original = img.slice();
    augmentImage(img, size, channels, { ...none, flip: true }, mulberry32(seed), new Float32Array(img.length));
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) expect(img[y * size + x]).toBeCloseTo(original[y * size + (size - 1 - x)]!, 4);
  });

  it('is deterministic for a seed and different across seeds', () => {
    const aug = { flip: true, rotation: 0.1, zoom: 0.1, contrast: 0.2 };
    const run = (seed: number) => {
      const img = gradient(3);
      augmentImage(img, size, 3, aug, mulberry32(seed), new Float32Array(img.length));
      return img;
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('keeps values inside the 0..255 range under contrast changes', () => {
    const img = new Float32Array(size * size).map((_, i) => (i % 2 ? 255 : 0));
    augmentImage(img, size, 1, { ...none, contrast: 1 }, mulberry32(3), new Float32Array(img.length));
    for (const v of img) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(255);
    }
  });

  it('rotates a quarter turn when asked for exactly that (reflect fill is never needed)', () => {
    // rotation factor 0.25 with a draw of 1.0 would be +90°; instead use a generator returning fixed values.
    const draws = [1, 1]; // rotation draw → +1 × 0.25 turn; no flip (flip off)
    const random = () => draws.shift() ?? 0.5;
    const img = gradient(1);
    const original = img.slice();
    augmentImage(img, size, 1, { ...none, rotation: 0.25 }, random, new Float32Array(img.length));
    // Output (x, y) samples input at (cx + cos·dx + sin·dy, cy − sin·dx + cos·dy) with θ = 90°: (cx + dy, cy − dx).
    const c = (size - 1) / 2;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const sx = Math.round(c + (y - c));
        const sy = Math.round(c - (x - c));
        expect(img[y * size + x]).toBeCloseTo(original[sy * size + sx]!, 3);
      }
    }
  });
});
