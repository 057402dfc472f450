// The transfer run's estimate: what it will embed (the dataset's images without a vector when any
// image it trains or tests on lacks one; views not stored yet), the arithmetic and the wording, and
// runs/estimate measuring the embedding and head speeds once, then using the cached or last pass's
// figures. Calibrations run on the built workers (npm test builds first).
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../../../src/main/core/index.js';
import { embedSpeedKey, recordEmbedSpeed } from '../../../../src/main/core/embeddings/embed-speed.js';
import { saveEmbeddings, saveViewEmbeddings } from '../../../../src/main/core/embeddings/embedding-store.js';
import { embeddingThreads } from '../../../../src/main/core/embeddings/backbone-pool.js';
import { SpeedCache } from '../../../../src/main/core/platform/engine/index.js';
import { viewRecipe } from '../../../../src/main/core/training/augmented-views.js';
import { RunEstimator } from '../../../../src/main/core/training/estimate.js';
import { embeddingSeconds, HEAD_RUN_OVERHEAD_SECONDS, headSeconds, transferText, transferWork } from '../../../../src/main/core/training/transfer-estimate.js';
import { HyperparametersSchema, type Hyperparameters } from '../../../../src/shared/hyperparameters.js';
import { toyCore } from './helpers.js';

let core: Core;
let datasetId: number;
let dir: string;
const db = () => core.workspace.db;
const hp = (over: Partial<Hyperparameters> = {}): Hyperparameters => HyperparametersSchema.parse({ preset: 'transfer', backbone: 'centernet', epochs: 10, ...over });
const images = () => db().prepare('SELECT id, hash, split FROM images WHERE dataset_id = ? ORDER BY path').all(datasetId) as { id: number; hash: string; split: string | null }[];
const vector = () => new Float32Array(480).fill(0.5);

beforeAll(async () => {
  ({ core, datasetId, dir } = await toyCore(10, 24));
}, 120_000);
afterAll(async () => {
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the arithmetic and the words', () => {
  const work = { images: 600, views: 0, epochs: 30, trainVectors: 480, valVectors: 60, testVectors: 60 };

  it('embeds at the measured speed after loading the backbone once per pass', () => {
    expect(embeddingSeconds(work, { imagesPerSecond: 20, loadSeconds: 2 })).toBeCloseTo(32, 9);
    expect(embeddingSeconds({ images: 600, views: 480 }, { imagesPerSecond: 20, loadSeconds: 2 })).toBeCloseTo(2 + 2 + 54, 9);
    expect(embeddingSeconds({ images: 0, views: 0 }, { imagesPerSecond: 20, loadSeconds: 2 })).toBe(0);
  });

  it('trains the head for every epoch, validation and checkpoint included, then tests it', () => {
    const s = headSeconds(work, { trainPerSecond: 4800, predictPerSecond: 60_000, epochSeconds: 0.01 });
    expect(s).toBeCloseTo(HEAD_RUN_OVERHEAD_SECONDS + 30 * (0.1 + 0.001 + 0.01) + 0.001, 9);
    // Twice the epochs, twice the epoch part.
    const twice = headSeconds({ ...work, epochs: 60 }, { trainPerSecond: 4800, predictPerSecond: 60_000, epochSeconds: 0.01 });
    expect(twice - HEAD_RUN_OVERHEAD_SECONDS - 0.001).toBeCloseTo(2 * (s - HEAD_RUN_OVERHEAD_SECONDS - 0.001), 9);
  });

  it('says what is embedded, with which backbone, then the training; or that the embeddings are ready', () => {
    expect(transferText({ backbone: 'mobilenet', images: 600, views: 0, seconds: 34 }, 6)).toBe('~40 s: 600 images to embed with mobilenet on this machine, then ~5 s of training');
    expect(transferText({ backbone: 'centernet', images: 1200, views: 960, seconds: 170 }, 12)).toBe('~3 min: 1,200 images and 960 augmented views to embed with centernet on this machine, then ~10 s of training');
    expect(transferText({ backbone: 'centernet', images: 0, views: 1, seconds: 3 }, 4)).toBe('~5 s: 1 augmented view to embed with centernet on this machine, then ~5 s of training');
    expect(transferText({ backbone: 'mobilenet', images: 0, views: 0, seconds: 0 }, 4.4)).toBe('~5 s, embeddings are ready');
  });
});

describe('what a transfer run will embed', () => {
  it('counts every image of the dataset without a vector while a split image lacks one, and nothing once they all have one', () => {
    db().prepare('DELETE FROM embeddings').run();
    const all = images();
    const train = all.filter((i) => i.split === 'train').length;
    expect(transferWork(db(), datasetId, hp())).toMatchObject({ images: all.length, views: 0, trainVectors: train, epochs: 10 });
    // An unlabelled image (in no split) is embedded with the rest, but only lacking it starts no pass.
    db().prepare('UPDATE images SET class_id = NULL, split = NULL WHERE id = ?').run(all[0]!.id);
    saveEmbeddings(db(), 'centernet', all.slice(1).map((i) => ({ hash: i.hash, vector: vector() })));
    expect(transferWork(db(), datasetId, hp()).images).toBe(0);
    db().prepare('DELETE FROM embeddings WHERE hash = ?').run(all[1]!.hash);
    expect(transferWork(db(), datasetId, hp()).images).toBe(2);
    // Another backbone's vectors do not count.
    expect(transferWork(db(), datasetId, hp({ backbone: 'mobilenet' })).images).toBe(all.length);
  });

  it('counts the views of the training images not stored under the augmentation recipe', () => {
    const h = hp({ augmentedViews: 2 });
    const train = images().filter((i) => i.split === 'train');
    expect(transferWork(db(), datasetId, h)).toMatchObject({ views: 2 * train.length, trainVectors: 3 * train.length });
    saveViewEmbeddings(db(), 'centernet', viewRecipe(h.augmentation), train.map((t) => ({ hash: t.hash, view: 1, vector: vector() })));
    expect(transferWork(db(), datasetId, h).views).toBe(train.length);
    // Other augmentation settings are other views.
    expect(transferWork(db(), datasetId, hp({ augmentedViews: 2, augmentation: { ...h.augmentation, rotation: 0.2 } })).views).toBe(2 * train.length);
  });
});

describe('runs/estimate for the transfer preset', () => {
  it('measures the embedding and head speeds once, then uses the cached figures; a real pass\'s figure replaces the calibration', async () => {
    db().prepare('DELETE FROM embeddings').run();
    const estimator = new RunEstimator(db(), { workspaceDir: core.workspace.dir, budgetMs: 300 });
    const first = await estimator.estimate({ datasetId, hyperparameters: hp() });
    const toEmbed = images().length;
    expect(first.embedding).toMatchObject({ backbone: 'centernet', images: toEmbed, views: 0, measured: 'now', source: 'calibration' });
    expect(first.embedding!.imagesPerSecond).toBeGreaterThan(0);
    expect(first.measured).toBe('now');
    expect(first.seconds).toBeCloseTo(first.embedding!.seconds + first.trainingSeconds!, 9);
    expect(first.text).toMatch(new RegExp(`^~.*: ${toEmbed} images to embed with centernet on this machine, then ~.* of training$`));

    const again = await estimator.estimate({ datasetId, hyperparameters: hp({ epochs: 20 }) });
    expect(again.embedding).toMatchObject({ measured: 'cached', imagesPerSecond: first.embedding!.imagesPerSecond });
    expect(again.measured).toBe('cached');
    expect(again.trainingSeconds!).toBeGreaterThan(first.trainingSeconds!);

    // A real pass on this machine measured its speed: the estimate uses that figure from then on.
    const backend = 'wasm';
    const threads = Math.min(embeddingThreads(), Math.ceil(toEmbed / 8));
    recordEmbedSpeed(core.workspace.dir, 'centernet', backend, { imagesPerSecond: 10, loadSeconds: 1, threads, images: 64 });
    expect(new SpeedCache(core.workspace.dir).get(embedSpeedKey('centernet', backend, threads))).toMatchObject({ imagesPerSecond: 10, source: 'pass' });
    const afterPass = await estimator.estimate({ datasetId, hyperparameters: hp() });
    expect(afterPass.embedding).toMatchObject({ imagesPerSecond: 10, source: 'pass', measured: 'cached' });
    expect(afterPass.embedding!.seconds).toBeCloseTo(1 + toEmbed / 10, 9);
  }, 120_000);

  it('says the embeddings are ready when every image has a vector, and measures no embedding', async () => {
    saveEmbeddings(db(), 'centernet', images().map((i) => ({ hash: i.hash, vector: vector() })));
    const e = await core.call('runs/estimate', { datasetId, hyperparameters: hp() });
    expect(e.embedding).toMatchObject({ images: 0, views: 0, seconds: 0, imagesPerSecond: null, measured: 'not needed' });
    expect(e.seconds).toBe(e.trainingSeconds);
    expect(e.text).toMatch(/^~\d+ s, embeddings are ready$/);
  }, 120_000);
});
