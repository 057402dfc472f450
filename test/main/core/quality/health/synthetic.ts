// Synthetic pictures made to have exactly one problem each (blurry, dark, …) and ordinary pictures
// that must not be flagged, for the label-free checks' tests and for `npm run bench:audit`.
// An ordinary picture: a lit gradient backdrop, a few coloured ellipses with soft shading and some
// sensor noise, 320×240 like a small photo, saved as JPEG.
import sharp from 'sharp';
import { DEFAULT_HEALTH_THRESHOLDS } from '../../../../../src/shared/health.js';
import { findIssues, type CheckedImage } from '../../../../../src/main/core/quality/health/checks.js';
import { measureFile } from '../../../../../src/main/core/quality/health/read.js';
import { mulberry32 } from '../../../../../src/main/core/platform/random.js';

export const WIDTH = 320;
export const HEIGHT = 240;

export function scene(seed: number, width = WIDTH, height = HEIGHT): Buffer {
  const rand = mulberry32(seed * 7919 + 17);
  const raw = Buffer.alloc(width * height * 3);
  const base = [40 + rand() * 160, 40 + rand() * 160, 40 + rand() * 160];
  const tilt = [rand() - 0.5, rand() - 0.5, rand() - 0.5];
  const blobs = Array.from({ length: 4 + Math.floor(rand() * 5) }, () => ({
    x: rand() * width,
    y: rand() * height,
    rx: 15 + rand() * width * 0.25,
    ry: 15 + rand() * height * 0.25,
    c: [rand() * 255, rand() * 255, rand() * 255],
  }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let px = [0, 1, 2].map((c) => base[c]! + tilt[c]! * ((x - width / 2) * 0.5 + (y - height / 2) * 0.3));
      for (const b of blobs) {
        const d = ((x - b.x) / b.rx) ** 2 + ((y - b.y) / b.ry) ** 2;
        if (d < 1) px = b.c.map((c) => c * (1 - 0.35 * d));
      }
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) raw[o + c] = Math.max(0, Math.min(255, px[c]! + (rand() - 0.5) * 12));
    }
  }
  return raw;
}

export const jpeg = (raw: Buffer, width = WIDTH, height = HEIGHT, quality = 88) =>
  sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality }).toBuffer();

export type Problem = 'blurry' | 'dark' | 'overexposed' | 'low-information' | 'grayscale' | 'odd-aspect-ratio' | 'odd-size';

/** An ordinary picture given exactly `problem`. */
export async function withProblem(problem: Problem, seed: number): Promise<Buffer> {
  const raw = scene(seed);
  const img = () => sharp(raw, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } });
  const rand = mulberry32(seed + 99);
  switch (problem) {
    case 'blurry':
      // Out of focus / motion: a Gaussian blur of 3–6 px on a 320 px picture.
      return img().blur(3 + rand() * 3).jpeg({ quality: 88 }).toBuffer();
    case 'dark':
      // Under-exposed: everything scaled into the bottom 15–25% of the range.
      return img().linear(0.15 + rand() * 0.1, 0).jpeg({ quality: 88 }).toBuffer();
    case 'overexposed':
      // Blown out: compressed into the top of the range.
      return img().linear(0.15, 215 + rand() * 20).jpeg({ quality: 88 }).toBuffer();
    case 'low-information': {
      // A blank frame: one flat colour with a faint noise (lens cap, wall, blank scan).
      const flat = Buffer.alloc(WIDTH * HEIGHT * 3);
      const c = [rand() * 255, rand() * 255, rand() * 255];
      for (let i = 0; i < flat.length; i++) flat[i] = Math.max(0, Math.min(255, c[i % 3]! + (rand() - 0.5) * 3));
      return jpeg(flat);
    }
    case 'grayscale':
      return img().grayscale().toColourspace('srgb').jpeg({ quality: 88 }).toBuffer();
    case 'odd-aspect-ratio':
      // A panorama / strip: 3:1 instead of the set's 4:3.
      return img().resize(WIDTH, Math.round(WIDTH / 3), { fit: 'cover' }).jpeg({ quality: 88 }).toBuffer();
    case 'odd-size':
      // A tiny icon-sized copy in a set of 320×240 pictures.
      return img().resize(48, 36).jpeg({ quality: 88 }).toBuffer();
  }
}

/** A burst of `count` near-identical shots: the same scene, shifted a pixel or two, re-encoded, re-noised. */
export async function burst(seed: number, count: number): Promise<Buffer[]> {
  const raw = scene(seed, WIDTH + 8, HEIGHT + 8);
  const rand = mulberry32(seed + 5);
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const dx = Math.floor(rand() * 5);
    const dy = Math.floor(rand() * 5);
    const shot = sharp(raw, { raw: { width: WIDTH + 8, height: HEIGHT + 8, channels: 3 } }).extract({ left: dx, top: dy, width: WIDTH, height: HEIGHT });
    out.push(await shot.modulate({ brightness: 0.97 + rand() * 0.06 }).jpeg({ quality: 80 + Math.floor(rand() * 15) }).toBuffer());
  }
  return out;
}

/** The import's thumbnail of a picture (probe.ts: ≤ 192 px inside, JPEG 82), which the checks read. */
export const thumbnail = (file: Buffer) =>
  sharp(file).rotate().resize(192, 192, { fit: 'inside', withoutEnlargement: true }).flatten({ background: '#ffffff' }).jpeg({ quality: 82, optimiseCoding: false }).toBuffer();

export interface SetScore {
  type: string;
  recall: number;
  precision: number;
  flagged: number;
  planted: number;
}

/**
 * Each problem's own set — `planted` pictures with the problem among `ordinary` ordinary ones (all
 * the same size, in colour) — checked with the default thresholds through the import's thumbnail;
 * recall and precision of that problem's flag.
 */
export async function scoreSyntheticSets(planted: number, ordinary: number): Promise<SetScore[]> {
  const problems: Problem[] = ['blurry', 'dark', 'overexposed', 'low-information', 'grayscale', 'odd-aspect-ratio', 'odd-size'];
  const normal = await Promise.all(Array.from({ length: ordinary }, async (_, i) => jpeg(scene(10_000 + i))));
  const scores: SetScore[] = [];
  for (const [p, problem] of problems.entries()) {
    const bad = await Promise.all(Array.from({ length: planted }, (_, i) => withProblem(problem, 20_000 + p * 1000 + i)));
    const files = [...bad.map((b, i) => ({ name: `bad${i}`, b })), ...normal.map((b, i) => ({ name: `ok${i}`, b }))];
    const images = await Promise.all(files.map((f, i) => checkedImage(i + 1, f.name, f.b)));
    const flagged = findIssues(images, DEFAULT_HEALTH_THRESHOLDS).filter((issue) => issue.type === problem).map((issue) => issue.path);
    const hits = flagged.filter((name) => name.startsWith('bad')).length;
    scores.push({ type: problem, recall: hits / planted, precision: flagged.length ? hits / flagged.length : 0, flagged: flagged.length, planted });
  }
  return scores;
}


/** A picture as the checks see it after an import: its size, its content hash, its thumbnail's measures. */
export async function checkedImage(imageId: number, path: string, file: Buffer, label: string | null = null): Promise<CheckedImage> {
  const meta = await sharp(file).metadata();
  return { imageId, path, label, hash: `h${imageId}:${file.length}`, width: meta.width!, height: meta.height!, measures: await measureFile(await thumbnail(file)) };
}
