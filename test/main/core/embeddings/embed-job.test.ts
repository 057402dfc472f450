// The embedding job in its own process, on worker threads: cancelling it stops the pass with the
// batches done stored (a prefix of the files), the job answers 'cancelled' (not killed after the
// grace), and starting it again embeds only the rest. Needs the built job process and workers.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pixelEmbeddings } from '../../../../src/main/core/embeddings/embedding-store.js';
import { tempCore, writeImage } from '../datasets/helpers.js';

let env: Awaited<ReturnType<typeof tempCore>>;
let datasetId: number;
const IMAGES = 64;

beforeAll(async () => {
  env = await tempCore();
  const root = path.join(env.dir, 'pics');
  for (let i = 0; i < IMAGES; i++) await writeImage(path.join(root, `img${String(i).padStart(2, '0')}.png`), { width: 48, height: 40, seed: i + 1, format: 'png' });
  datasetId = (await env.core.call('datasets/import', { folder: root })).datasetId;
}, 60_000);
afterAll(async () => {
  await env?.cleanup();
});

describe('the embedding job', () => {
  it('stops at a cancel keeping the batches done, answers cancelled, and resumes with the rest', async () => {
    let cancelling: Promise<{ cancelled: boolean }> | undefined;
    const off = env.core.events.on('embeddings/progress', (p) => {
      if (p.phase === 'embedding' && cancelling === undefined) cancelling = env.core.call('embeddings/cancel', { datasetId });
    });
    try {
      const stopped = await env.core.call('embeddings/start', { datasetId, backbone: 'mobilenet' });
      expect(await cancelling).toEqual({ cancelled: true });
      expect(stopped.status).toBe('cancelled');
      const done = pixelEmbeddings(env.ws.db, datasetId, 'mobilenet').map((e) => e.path).sort();
      expect(done.length).toBeGreaterThan(0);
      expect(done.length).toBeLessThan(IMAGES);
      expect(done).toEqual(Array.from({ length: done.length }, (_, i) => `img${String(i).padStart(2, '0')}.png`));
    } finally {
      off();
    }
    const resumed = await env.core.call('embeddings/start', { datasetId, backbone: 'mobilenet' });
    expect(resumed.status).toBe('completed');
    expect(resumed.embeddedImages).toBe(IMAGES);
    expect(resumed.newlyEmbedded).toBeLessThan(IMAGES);
  }, 120_000);
});
