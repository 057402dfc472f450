// The transfer preset's run on stored embeddings (synthetic 480-d centernet vectors, so no backbone
// runs here): it trains on the stored vectors, a resumed run continues where it stopped and ends as an
// uninterrupted one, and an image with no vector that the embedding pass cannot make is named.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../../../src/main/core/index.js';
import { saveEmbeddings } from '../../../../src/main/core/embeddings/embedding-store.js';
import { createRunRow, finishRun, getRunDetail, listEpochs } from '../../../../src/main/core/training/run-store.js';
import { createSnapshot } from '../../../../src/main/core/training/snapshots.js';
import { trainRun } from '../../../../src/main/core/training/trainer.js';
import { HyperparametersSchema } from '../../../../src/shared/hyperparameters.js';
import { toyCore } from './helpers.js';

let ctx: { core: Core; datasetId: number; dir: string };
const DIMS = 480;

beforeAll(async () => {
  ctx = await toyCore(20, 32);
  const db = ctx.core.workspace.db;
  let s = 7;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  const centres = new Map<string, Float32Array>();
  const rows = db.prepare('SELECT i.hash, c.name FROM images i JOIN classes c ON c.id = i.class_id WHERE i.dataset_id = ?').all(ctx.datasetId) as { hash: string; name: string }[];
  saveEmbeddings(db, 'centernet', rows.map((r) => {
    if (!centres.has(r.name)) centres.set(r.name, Float32Array.from({ length: DIMS }, () => rand() * 0.4));
    return { hash: r.hash, vector: Float32Array.from(centres.get(r.name)!, (v) => v + rand() * 0.5) };
  }));
}, 60_000);
afterAll(async () => {
  await ctx.core.close();
  fs.rmSync(ctx.dir, { recursive: true, force: true });
});

const HP = { preset: 'transfer', backbone: 'centernet', epochs: 6, batchSize: 4, denseUnits: 16, learningRate: 0.01, seed: 3 };
const opts = () => ({ workspaceDir: ctx.core.workspace.dir, cacheDir: ctx.core.workspace.cacheDir });
const newRun = () => {
  const db = ctx.core.workspace.db;
  return createRunRow(db, ctx.datasetId, createSnapshot(db, ctx.datasetId).id, 'transfer', HyperparametersSchema.parse(HP));
};

describe('transfer training on stored embeddings', () => {
  it('trains, evaluates above chance, and a resumed run ends as an uninterrupted one', async () => {
    const db = ctx.core.workspace.db;
    const reference = newRun();
    expect((await trainRun(db, reference, opts())).status).toBe('completed');
    const ref = getRunDetail(db, reference);
    expect(ref.test!.accuracy).toBeGreaterThan(0.75);
    expect(JSON.parse((db.prepare('SELECT engine FROM runs WHERE id = ?').get(reference) as { engine: string }).engine)).toMatchObject({ preset: 'transfer', backbone: 'centernet' });

    const resumed = newRun();
    const controller = new AbortController();
    await trainRun(db, resumed, { ...opts(), signal: controller.signal, afterBatch: (epoch) => epoch === 4 && controller.abort() });
    finishRun(db, resumed, 'interrupted', 'simulated crash');
    expect(listEpochs(db, resumed).map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect((await trainRun(db, resumed, { ...opts(), resume: true })).status).toBe('completed');
    expect(listEpochs(db, resumed).map((e) => e.accuracy)).toEqual(listEpochs(db, reference).map((e) => e.accuracy));
    expect(getRunDetail(db, resumed).test!.confusion).toEqual(ref.test!.confusion);
  }, 120_000);

  it('names an image the embedding pass cannot embed (unreadable file)', async () => {
    const db = ctx.core.workspace.db;
    const row = db.prepare('SELECT i.hash, i.path, d.root FROM images i JOIN datasets d ON d.id = i.dataset_id LIMIT 1').get() as { hash: string; path: string; root: string };
    db.prepare("DELETE FROM embeddings WHERE hash = ? AND backbone = 'centernet'").run(row.hash);
    fs.writeFileSync(path.join(row.root, row.path), 'not an image');
    const runId = newRun();
    await expect(trainRun(db, runId, opts())).rejects.toMatchObject({ code: 'conflict', field: 'backbone' });
    const detail = getRunDetail(db, runId);
    expect(detail.status).toBe('failed');
    expect(detail.error).toMatch(/have no centernet embedding/);
    expect(detail.error).toContain(row.path);
  }, 120_000);
});
