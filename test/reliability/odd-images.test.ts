// The valid odd images of the bad-file corpus (grayscale, alpha, EXIF-rotated, CMYK, 16-bit, animated)
// as training and the thumbnails see them: always 3 channels of 8-bit sRGB, alpha flattened onto white,
// EXIF orientation applied, the first frame of an animation. Import verdicts are in
// test/main/core/datasets/bad-files.test.ts; this file checks the pixels.
import fs from 'node:fs';
import path from 'node:path';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageItem } from '../../src/shared/domain.js';
import { decodeForModel, PixelCache } from '../../src/main/core/platform/engine/pixel-cache.js';
import { pictureOf, writeBadCorpus } from '../fixtures/bad-files.js';
import { tempCore, tempDir } from '../main/core/datasets/helpers.js';

const SIZE = 32;
let env: Awaited<ReturnType<typeof tempCore>>;
let cleanupData: () => Promise<void>;
let root: string;
let images: Map<string, ImageItem>;

beforeAll(async () => {
  const t = await tempDir('facet-odd-');
  cleanupData = t.cleanup;
  root = path.join(t.dir, 'corpus');
  await writeBadCorpus(root);
  env = await tempCore();
  const summary = await env.core.call('datasets/import', { folder: root });
  images = new Map((await env.core.call('images/list', { datasetId: summary.datasetId })).items.map((i) => [i.path, i]));
}, 60_000);
afterAll(async () => {
  await env?.cleanup();
  await cleanupData?.();
});

const file = (rel: string) => path.join(root, ...rel.split('/'));
const thumb = (rel: string) => env.ws.thumbnailPath(images.get(rel)!.hash!);

/** Mean of each channel of an interleaved RGB buffer. */
function means(rgb: Buffer): [number, number, number] {
  const sum = [0, 0, 0];
  for (let i = 0; i < rgb.length; i++) sum[i % 3]! += rgb[i]!;
  const n = rgb.length / 3;
  return [sum[0]! / n, sum[1]! / n, sum[2]! / n];
}

function meanAbsDiff(a: Buffer, b: Buffer): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i]! - b[i]!);
  return d / a.length;
}

async function thumbPixels(rel: string): Promise<{ data: Buffer; info: OutputInfo; meta: Metadata }> {
  const meta = await sharp(thumb(rel)).metadata();
  const { data, info } = await sharp(thumb(rel)).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data, info, meta };
}

describe('training input (decodeForModel) of odd but valid images', () => {
  it('gives every odd image exactly size × size × 3 bytes in rgb mode, and × 1 in grayscale mode', async () => {
    for (const rel of ['b/gray.png', 'b/alpha.png', 'a/exif-rotated.jpg', 'b/cmyk.jpg', 'a/rgb16.png', 'b/animated.gif']) {
      expect((await decodeForModel(file(rel), SIZE, 'rgb')).length, rel).toBe(SIZE * SIZE * 3);
      expect((await decodeForModel(file(rel), SIZE, 'grayscale')).length, rel).toBe(SIZE * SIZE);
    }
  });

  it('turns a one-channel grayscale PNG into three equal channels', async () => {
    const rgb = await decodeForModel(file('b/gray.png'), SIZE, 'rgb');
    for (let i = 0; i < rgb.length; i += 3) expect(rgb[i] === rgb[i + 1] && rgb[i] === rgb[i + 2], `pixel ${i / 3}`).toBe(true);
  });

  it('drops the alpha channel by flattening onto white, as Keras does', async () => {
    const flattened = means(await decodeForModel(file('b/alpha.png'), SIZE, 'rgb'));
    const opaque = means(await decodeForModel(await pictureOf(64, 64, [200, 100, 0]).png().toBuffer(), SIZE, 'rgb'));
    // Half transparent over white: each channel moves halfway to 255.
    for (let c = 0; c < 3; c++) expect(flattened[c]!).toBeCloseTo((opaque[c]! + 255) / 2, -1);
  });

  it('applies the EXIF orientation before resizing', async () => {
    const stored = file('a/exif-rotated.jpg');
    const upright = await sharp(stored).rotate().png().toBuffer(); // pixels turned, no EXIF tag left
    const asStored = await sharp(stored).png().toBuffer(); // EXIF dropped, pixels as stored
    const model = await decodeForModel(stored, SIZE, 'rgb');
    expect(meanAbsDiff(model, await decodeForModel(upright, SIZE, 'rgb'))).toBeLessThan(1);
    expect(meanAbsDiff(model, await decodeForModel(asStored, SIZE, 'rgb'))).toBeGreaterThan(5);
  });

  it('converts a CMYK JPEG to sRGB close to the picture it was made from', async () => {
    const fromCmyk = await decodeForModel(file('b/cmyk.jpg'), SIZE, 'rgb');
    const original = await decodeForModel(await pictureOf(64, 64, [30, 120, 200]).png().toBuffer(), SIZE, 'rgb');
    // The trip through a CMYK profile shifts colours a little (~20 levels); a missing or inverted
    // conversion is off by ~100 and turns blue into orange.
    expect(meanAbsDiff(fromCmyk, original)).toBeLessThan(30);
    const [r, g, b] = means(fromCmyk);
    expect(b).toBeGreaterThan(g);
    expect(g).toBeGreaterThan(r);
  });

  it('scales a 16-bit PNG down to 8 bits, not clipping it', async () => {
    const from16 = await decodeForModel(file('a/rgb16.png'), SIZE, 'rgb');
    const original = await decodeForModel(await pictureOf(64, 64, [90, 90, 30]).png().toBuffer(), SIZE, 'rgb');
    expect(meanAbsDiff(from16, original)).toBeLessThan(2);
  });

  it('takes the first frame of an animated GIF (red), not the strip of all frames', async () => {
    const [r, g, b] = means(await decodeForModel(file('b/animated.gif'), SIZE, 'rgb'));
    expect(r).toBeGreaterThan(150);
    expect(g).toBeLessThan(100);
    expect(b).toBeLessThan(100);
  });

  it('fills the training pixel cache with whole entries for every imported image', async () => {
    const cache = new PixelCache(env.ws.cacheDir, SIZE, 'rgb');
    const sources = [...images.values()].filter((i) => i.status === 'ok').map((i) => ({ hash: i.hash!, absPath: file(i.path) }));
    await cache.ensure(sources);
    for (const s of sources) expect(fs.statSync(cache.fileFor(s.hash)).size).toBe(SIZE * SIZE * 3);
  });
});

describe('thumbnails of odd but valid images (the workspace cache)', () => {
  it('are 8-bit JPEGs without alpha, at most 192 px, for every odd image', async () => {
    for (const rel of ['b/gray.png', 'b/alpha.png', 'a/exif-rotated.jpg', 'b/cmyk.jpg', 'a/rgb16.png', 'b/animated.gif']) {
      const { meta } = await thumbPixels(rel);
      expect(meta.format, rel).toBe('jpeg');
      expect(meta.hasAlpha, rel).toBe(false);
      expect(meta.depth, rel).toBe('uchar');
      expect(meta.space === 'srgb' || meta.space === 'b-w', `${rel}: ${meta.space}`).toBe(true);
      expect(Math.max(meta.width!, meta.height!), rel).toBeLessThanOrEqual(192);
    }
  });

  it('show the EXIF-rotated photo upright (80 × 120) with no orientation tag left to apply twice', async () => {
    const { meta } = await thumbPixels('a/exif-rotated.jpg');
    expect([meta.width, meta.height]).toEqual([80, 120]);
    expect(meta.orientation ?? 1).toBe(1);
  });

  it('show a CMYK JPEG in sRGB and a half-transparent PNG on white', async () => {
    expect((await thumbPixels('b/cmyk.jpg')).meta.space).toBe('srgb');
    const [r, g, b] = means((await thumbPixels('b/alpha.png')).data);
    expect(b).toBeGreaterThan(110); // the opaque picture has almost no blue; white shows through
    expect(r).toBeGreaterThan(g);
  });

  it('show the first frame of an animated GIF at its own size (40 × 30)', async () => {
    const { meta, data } = await thumbPixels('b/animated.gif');
    expect([meta.width, meta.height]).toEqual([40, 30]);
    expect(means(data)[0]).toBeGreaterThan(150);
  });
});
