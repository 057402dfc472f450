// Embedding on worker threads (one backbone each): the same vectors as one thread, stored in file
// order, and a cancel that stops the pass and its workers. Needs the built workers
// (npx tsc -p tsconfig.build.json; `npm test` builds before running vitest).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddingThreads, EMBED_THREADS_ENV, MAX_EMBED_THREADS, openBackbone, runningEmbeddingWorkers } from '../../../../src/main/core/embeddings/backbone-pool.js';
import type { PixelBackboneName } from '../../../../src/main/core/embeddings/backbones.js';
import { embedDataset } from '../../../../src/main/core/embeddings/embed.js';
import { pixelEmbeddings } from '../../../../src/main/core/embeddings/embedding-store.js';
import { tempCore, writeImage } from '../datasets/helpers.js';

let env: Awaited<ReturnType<typeof tempCore>>;
let datasetId: number;
const IMAGES = 10;

beforeAll(async () => {
  env = await tempCore();
  const root = path.join(env.dir, 'pics');
  for (let i = 0; i < IMAGES; i++) await writeImage(path.join(root, `img${String(i).padStart(2, '0')}.png`), { width: 40 + i, height: 32, seed: i + 1, format: 'png' });
  datasetId = (await env.core.call('datasets/import', { folder: root })).datasetId;
}, 60_000);
afterAll(async () => {
  await env?.cleanup();
});

const clear = () => env.ws.db.prepare('DELETE FROM embeddings').run();
const vectors = (backbone: PixelBackboneName) => new Map(pixelEmbeddings(env.ws.db, datasetId, backbone).map((e) => [e.path, e.vector]));

describe('embedding on worker threads', () => {
  it.each(['centernet', 'mobilenet'] as const)('gives %s vectors equal to one thread\'s (within 1e-6)', async (backbone) => {
    clear();
    // Batches of 3: four batches over two workers, so both embed and a later batch can finish first.
    const two = await embedDataset(env.ws.db, datasetId, { backbone, threads: 2, batchSize: 3 });
    expect(two).toMatchObject({ status: 'completed', newlyEmbedded: IMAGES, threads: 2 });
    const parallel = vectors(backbone);
    clear();
    const one = await embedDataset(env.ws.db, datasetId, { backbone, threads: 1, batchSize: 3 });
    expect(one).toMatchObject({ status: 'completed', newlyEmbedded: IMAGES, threads: 1 });
    const single = vectors(backbone);
    expect(parallel.size).toBe(IMAGES);
    let worst = 0;
    for (const [file, v] of single) {
      const w = parallel.get(file)!;
      expect(w.length).toBe(v.length);
      for (let i = 0; i < v.length; i++) worst = Math.max(worst, Math.abs(v[i]! - w[i]!));
    }
    expect(worst).toBeLessThan(1e-6);
    // Different pictures, different vectors: the comparison above is not between constants.
    expect(single.get('img00.png')).not.toEqual(single.get('img05.png'));
    expect(runningEmbeddingWorkers()).toBe(0);
  }, 120_000);

  it('stops at a cancel with a prefix of the files stored and no worker left running, then resumes', async () => {
    clear();
    const controller = new AbortController();
    const stopped = await embedDataset(env.ws.db, datasetId, {
      backbone: 'centernet', threads: 2, batchSize: 2, signal: controller.signal,
      onProgress: (p) => p.phase === 'embedding' && controller.abort(),
    });
    expect(stopped.status).toBe('cancelled');
    expect(runningEmbeddingWorkers()).toBe(0);
    const stored = [...vectors('centernet').keys()].sort();
    const files = pixelEmbeddings(env.ws.db, datasetId, 'centernet').length;
    expect(files).toBeGreaterThan(0);
    expect(files).toBeLessThan(IMAGES);
    // Stored in file order: the files done are the first ones, with no gap.
    expect(stored).toEqual(Array.from({ length: files }, (_, i) => `img${String(i).padStart(2, '0')}.png`));
    const resumed = await embedDataset(env.ws.db, datasetId, { backbone: 'centernet', threads: 2, batchSize: 2 });
    expect(resumed).toMatchObject({ status: 'completed', newlyEmbedded: IMAGES - files, embeddedImages: IMAGES });
  }, 120_000);

  it('rejects a batch in flight and every later one once disposed', async () => {
    const pool = await openBackbone('centernet', { threads: 2 });
    expect(pool.threads).toBe(2);
    const size = pool.spec.inputSize;
    // Its outcome is taken at once: an unhandled rejection ends a process that loaded the wasm engine.
    const inFlight = pool.embed(new Uint8Array(4 * size * size * 3), 4).then(() => 'embedded', (e: Error) => e.message);
    await pool.dispose();
    expect(await inFlight).toMatch(/stopped/);
    await expect(pool.embed(new Uint8Array(size * size * 3), 1)).rejects.toThrow(/stopped/);
    expect(runningEmbeddingWorkers()).toBe(0);
  }, 60_000);
});

describe('embedding threads', () => {
  it('uses the request, else FACET_EMBED_THREADS, else the cores up to the ceiling, and names a bad setting', () => {
    expect(embeddingThreads(3, {})).toBe(3);
    expect(embeddingThreads(undefined, { [EMBED_THREADS_ENV]: '1' })).toBe(1);
    expect(embeddingThreads(2, { [EMBED_THREADS_ENV]: '1' })).toBe(2);
    const auto = embeddingThreads(undefined, {});
    expect(auto).toBeGreaterThanOrEqual(1);
    expect(auto).toBeLessThanOrEqual(MAX_EMBED_THREADS);
    expect(() => embeddingThreads(undefined, { [EMBED_THREADS_ENV]: 'all' })).toThrow(/FACET_EMBED_THREADS must be a whole number/);
    expect(() => embeddingThreads(undefined, { [EMBED_THREADS_ENV]: '0' })).toThrow(/from 1 to 64/);
  });
});
