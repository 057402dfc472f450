// Per-image augmentation on raw pixel values, as the seed's Keras layers do it: RandomFlip
// ('horizontal'), RandomRotation(factor), RandomZoom(factor), RandomContrast(factor); fill mode
// 'reflect' and bilinear sampling. Deterministic: the caller passes a seeded generator.
import type { Augmentation } from '../../../shared/hyperparameters.js';

/** Reflects an index into [0, n): d c b a | a b c d | d c b a (Keras 'reflect'). */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n;
  let m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - 1 - m;
}

export function isIdentity(aug: Augmentation): boolean {
  return !aug.flip && aug.rotation === 0 && aug.zoom === 0 && aug.contrast === 0;
}

/**
 * Augments one image (h×w×c floats, 0..255) in place. `scratch` must hold h·w·c floats.
 * Draws from `random` in a fixed order so a seed reproduces the same batch.
 */
export function augmentImage(img: Float32Array, size: number, channels: number, aug: Augmentation, random: () => number, scratch: Float32Array): void {
  const flip = aug.flip && random() < 0.5;
  const angle = aug.rotation > 0 ? (random() * 2 - 1) * aug.rotation * 2 * Math.PI : 0;
  const zoom = aug.zoom > 0 ? 1 + (random() * 2 - 1) * aug.zoom : 1;
  const contrast = aug.contrast > 0 ? 1 + (random() * 2 - 1) * aug.contrast : 1;

  if (angle !== 0 || zoom !== 1 || flip) {
    // Inverse map: for every output pixel, where it comes from in the input.
    const c = (size - 1) / 2;
    const cos = Math.cos(angle) * zoom;
    const sin = Math.sin(angle) * zoom;
    scratch.set(img);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const dx = (flip ? size - 1 - x : x) - c;
        const dy = y - c;
        const sx = cos * dx + sin * dy + c;
        const sy = -sin * dx + cos * dy + c;
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const fx = sx - x0;
        const fy = sy - y0;
        const xa = reflect(x0, size);
        const xb = reflect(x0 + 1, size);
        const ya = reflect(y0, size);
        const yb = reflect(y0 + 1, size);
        const o = (y * size + x) * channels;
        const p00 = (ya * size + xa) * channels;
        const p01 = (ya * size + xb) * channels;
        const p10 = (yb * size + xa) * channels;
        const p11 = (yb * size + xb) * channels;
        for (let k = 0; k < channels; k++) {
          const top = scratch[p00 + k]! + (scratch[p01 + k]! - scratch[p00 + k]!) * fx;
          const bottom = scratch[p10 + k]! + (scratch[p11 + k]! - scratch[p10 + k]!) * fx;
          img[o + k] = top + (bottom - top) * fy;
        }
      }
    }
  }

  if (contrast !== 1) {
    // Keras RandomContrast: (x - mean) * factor + mean, per channel, then clipped to the value range.
    const n = size * size;
    for (let k = 0; k < channels; k++) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += img[i * channels + k]!;
      mean /= n;
      for (let i = 0; i < n; i++) {
        const v = (img[i * channels + k]! - mean) * contrast + mean;
        img[i * channels + k] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
}
