import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../../../src/main/core/index.js';
import { PixelCache } from '../../../../src/main/core/platform/engine/pixel-cache.js';
import { BatchStream } from '../../../../src/main/core/training/pipeline.js';
import { createSnapshot } from '../../../../src/main/core/training/snapshots.js';
import { toyCore } from './helpers.js';

let ctx: { core: Core; datasetId: number; dir: string; root: string };
let cache: PixelCache;
let samples: { hash: string; label: number }[];

beforeAll(async () => {
  ctx = await toyCore(12, 24);
  const snap = createSnapshot(ctx.core.workspace.db, ctx.datasetId);
  cache = new PixelCache(ctx.core.workspace.cacheDir, 24, 'rgb');
  await cache.ensure(snap.items.map((i) => ({ hash: i.hash, absPath: path.join(ctx.root, i.path) })));
  samples = snap.items.map((i) => ({ hash: i.hash, label: i.classIndex }));
});
afterAll(async () => ctx.core.close());

async function collect(stream: BatchStream, epoch: number) {
  const out = [];
  for await (const b of stream.epoch(epoch)) out.push(b);
  return out;
}

describe('BatchStream', () => {
  const aug = { flip: true, rotation: 0.1, zoom: 0.1, contrast: 0.1 };

  it('yields every sample exactly once per epoch, in batches of the given size', async () => {
    const stream = new BatchStream(cache, samples, { batchSize: 5, shuffle: true, seed: 42, augmentation: aug });
    const batches = await collect(stream, 1);
    expect(batches.map((b) => b.n)).toEqual([...Array(Math.floor(samples.length / 5)).fill(5), ...(samples.length % 5 ? [samples.length % 5] : [])]);
    const positions = batches.flatMap((b) => b.positions).sort((a, b) => a - b);
    expect(positions).toEqual(samples.map((_, i) => i));
    for (const b of batches) expect(Array.from(b.y)).toEqual(b.positions.map((p) => samples[p]!.label));
  });

  it('reproduces the same batches (order and augmentation) for the same seed and epoch', async () => {
    const a = await collect(new BatchStream(cache, samples, { batchSize: 4, shuffle: true, seed: 7, augmentation: aug }), 3);
    const b = await collect(new BatchStream(cache, samples, { batchSize: 4, shuffle: true, seed: 7, augmentation: aug }), 3);
    expect(a.map((x) => x.positions)).toEqual(b.map((x) => x.positions));
    expect(a.map((x) => Array.from(x.x))).toEqual(b.map((x) => Array.from(x.x)));
  });

  it('shuffles differently across epochs and seeds', async () => {
    const s = new BatchStream(cache, samples, { batchSize: 100, shuffle: true, seed: 7 });
    const e1 = (await collect(s, 1))[0]!.positions;
    const e2 = (await collect(s, 2))[0]!.positions;
    const other = (await collect(new BatchStream(cache, samples, { batchSize: 100, shuffle: true, seed: 8 }), 1))[0]!.positions;
    expect(e1).not.toEqual(e2);
    expect(e1).not.toEqual(other);
  });

  it('serves raw 0..255 pixel values from the cache without augmentation for evaluation', async () => {
    const s = new BatchStream(cache, samples, { batchSize: 3, shuffle: false, seed: 1 });
    const [first] = await collect(s, 0);
    expect(first!.positions).toEqual([0, 1, 2]);
    const raw = new Uint8Array(cache.bytesPerImage);
    await cache.read(samples[0]!.hash, raw);
    expect(Array.from(first!.x.subarray(0, raw.length))).toEqual(Array.from(raw));
    expect(Math.max(...first!.x)).toBeGreaterThan(1); // rescaling happens inside the model
  });

  it('decodes each image once: a second ensure finds everything cached', async () => {
    let decoded = -1;
    await cache.ensure(samples.map((s) => ({ hash: s.hash, absPath: '/nonexistent' })), (_done, total) => (decoded = total));
    expect(decoded).toBe(0);
  });
});
