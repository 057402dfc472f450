// The three "media" of the demo data set. Each one leaves a cue that survives the downscale to the
// training size (32–128 px), where sensor noise and JPEG blocks average away: phone = warm/green cast,
// flat contrast and blur; social = oversaturated, contrasty, posterized, blocky; camera = neutral and crisp.
import sharp from 'sharp';
import { gaussian, uniform, type Random } from './random.js';

export const MEDIA = ['camera', 'phone', 'social'] as const;
export type Medium = (typeof MEDIA)[number];

/** Turns a rendered face (raw RGB, size×size) into the JPEG bytes of a photo taken with `medium`. */
export async function photograph(rgb: Buffer, size: number, medium: Medium, rand: Random): Promise<Buffer> {
  switch (medium) {
    case 'camera':
      return cameraPhoto(rgb, size, rand);
    case 'phone':
      return phonePhoto(rgb, size, rand);
    case 'social':
      return socialPhoto(rgb, size, rand);
  }
}

const raw = (size: number, channels: 3 = 3) => ({ raw: { width: size, height: size, channels } });

async function cameraPhoto(rgb: Buffer, size: number, rand: Random): Promise<Buffer> {
  // Slight contrast and a touch of sharpening: a good lens, a neutral white balance.
  const a = uniform(rand, 1.04, 1.14);
  return sharp(rgb, raw(size))
    .linear(a, 128 * (1 - a))
    .sharpen({ sigma: Math.max(0.5, size / 256), m1: 1.5, m2: 3 })
    .jpeg({ quality: 92, chromaSubsampling: '4:4:4' })
    .toBuffer();
}

async function phonePhoto(rgb: Buffer, size: number, rand: Random): Promise<Buffer> {
  // Optics first (blur), then the sensor (cast, lifted blacks, noise), then the phone's JPEG encoder.
  const blurred = await sharp(rgb, raw(size))
    .blur(uniform(rand, 1.2, 2.0) * (size / 256) + 0.3)
    .raw()
    .toBuffer();
  const contrast = uniform(rand, 0.7, 0.82);
  const warmth = uniform(rand, 0.5, 0.9);
  const gain = [1.0 + 0.08 * warmth, 1.0 + 0.1 * warmth, 1.0 - 0.28 * warmth] as const;
  const lift = [16 * warmth, 18 * warmth, 0] as const;
  const noise = uniform(rand, 5, 10);
  const out = Buffer.allocUnsafe(blurred.length);
  for (let i = 0; i < blurred.length; i++) {
    const c = i % 3;
    const v = ((blurred[i] ?? 0) - 128) * contrast + 128 + 12;
    out[i] = clamp(v * (gain[c] ?? 1) + (lift[c] ?? 0) + gaussian(rand) * noise);
  }
  return sharp(out, raw(size)).jpeg({ quality: 80 }).toBuffer();
}

async function socialPhoto(rgb: Buffer, size: number, rand: Random): Promise<Buffer> {
  // Re-shared at a fraction of its size with filters on, then blown back up and recompressed hard.
  const small = Math.max(8, Math.round(size / uniform(rand, 4.5, 6.5)));
  const contrast = uniform(rand, 1.4, 1.7);
  const shrunk = await sharp(rgb, raw(size))
    .resize(small, small)
    .modulate({ saturation: uniform(rand, 2.0, 2.6) })
    .linear(contrast, 128 * (1 - contrast))
    .raw()
    .toBuffer();
  const levels = Math.round(uniform(rand, 3, 5));
  const step = 255 / (levels - 1);
  for (let i = 0; i < shrunk.length; i++) shrunk[i] = clamp(Math.round((shrunk[i] ?? 0) / step) * step);
  return sharp(shrunk, raw(small))
    .resize(size, size, { kernel: 'nearest' })
    .jpeg({ quality: Math.round(uniform(rand, 18, 30)), chromaSubsampling: '4:2:0' })
    .toBuffer();
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}
