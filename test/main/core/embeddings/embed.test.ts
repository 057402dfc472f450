// Embedding passes with a real backbone from node_modules: one vector per content hash, resumable,
// cancelable, and a picture closer to its own slightly changed copy than to a different picture.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedDataset } from '../../../../src/main/core/embeddings/embed.js';
import { loadBackbone, type Backbone } from '../../../../src/main/core/embeddings/backbones.js';
import { pixelEmbeddings } from '../../../../src/main/core/embeddings/embedding-store.js';
import { tempCore } from '../datasets/helpers.js';

let env: Awaited<ReturnType<typeof tempCore>>;
let model: Backbone;
let datasetId: number;

/** Stripes (a, a-bright: the same picture brightened) or a checkerboard (b). */
async function picture(file: string, kind: 'stripes' | 'stripes-bright' | 'checks'): Promise<void> {
  const size = 64;
  const raw = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const on = kind === 'checks' ? (Math.floor(x / 8) + Math.floor(y / 8)) % 2 === 0 : Math.floor(x / 8) % 2 === 0;
    const v = on ? (kind === 'stripes-bright' ? 255 : 230) : kind === 'stripes-bright' ? 60 : 30;
    raw.fill(v, (y * size + x) * 3, (y * size + x) * 3 + 3);
  }
  await sharp(raw, { raw: { width: size, height: size, channels: 3 } }).png().toFile(file);
}

beforeAll(async () => {
  env = await tempCore();
  const root = path.join(env.dir, 'pics');
  await mkdir(root);
  await picture(path.join(root, 'a.png'), 'stripes');
  await picture(path.join(root, 'a-bright.png'), 'stripes-bright');
  await picture(path.join(root, 'b.png'), 'checks');
  datasetId = (await env.core.call('datasets/import', { folder: root })).datasetId;
  model = await loadBackbone('centernet');
}, 120_000);
afterAll(async () => {
  model?.dispose();
  await env?.cleanup();
});

describe('embedding pass', () => {
  it('stops at once when cancelled before the first batch and saves nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const s = await embedDataset(env.ws.db, datasetId, { backbone: 'centernet', model, signal: controller.signal });
    expect(s).toMatchObject({ status: 'cancelled', newlyEmbedded: 0, embeddedImages: 0 });
  });

  it('embeds every image once with the backbone dimensions, then resumes with nothing left to do', async () => {
    const progress: string[] = [];
    const s = await embedDataset(env.ws.db, datasetId, { backbone: 'centernet', model, batchSize: 2, onProgress: (p) => progress.push(p.phase) });
    expect(s).toMatchObject({ status: 'completed', images: 3, embeddedImages: 3, newlyEmbedded: 3, dimensions: 480, failed: [] });
    expect(progress).toContain('embedding');
    const again = await embedDataset(env.ws.db, datasetId, { backbone: 'centernet', model });
    expect(again).toMatchObject({ newlyEmbedded: 0, embeddedImages: 3 });
    expect((await env.core.call('embeddings/status', { datasetId })).backbones.find((b) => b.name === 'centernet')?.embedded).toBe(3);
  });

  it('puts a brightened copy nearer its original than a different picture', () => {
    const v = new Map(pixelEmbeddings(env.ws.db, datasetId, 'centernet').map((e) => [e.path, e.vector]));
    const cos = (p: Float32Array, q: Float32Array) => {
      let d = 0, a = 0, b = 0;
      for (let i = 0; i < p.length; i++) {
        d += p[i]! * q[i]!;
        a += p[i]! ** 2;
        b += q[i]! ** 2;
      }
      return d / Math.sqrt(a * b);
    };
    expect(v.get('a.png')!.length).toBe(480);
    expect(cos(v.get('a.png')!, v.get('a-bright.png')!)).toBeGreaterThan(cos(v.get('a.png')!, v.get('b.png')!));
  });
});
