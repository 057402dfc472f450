// Augmented views for a frozen backbone: stored per (content hash, backbone, recipe, view index), a
// stopped pass resumes with only the missing views, a changed recipe makes new ones, and a transfer
// run embeds views of its training images only (never val or test), inside its job, resumable.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../../../src/main/core/index.js';
import { BACKBONE_SPECS, type Backbone } from '../../../../src/main/core/embeddings/backbones.js';
import { decodeSquare } from '../../../../src/main/core/embeddings/embed.js';
import { augmentedView, embedViews, viewMatrix, viewRecipe, type ViewSource } from '../../../../src/main/core/training/augmented-views.js';
import { createRunRow, finishRun, getRunDetail } from '../../../../src/main/core/training/run-store.js';
import { createSnapshot } from '../../../../src/main/core/training/snapshots.js';
import { trainRun } from '../../../../src/main/core/training/trainer.js';
import { CheckedHyperparametersSchema, DEFAULT_HYPERPARAMETERS, HyperparametersSchema, type Augmentation } from '../../../../src/shared/hyperparameters.js';
import type { TrainProgress } from '../../../../src/shared/runs.js';
import { toyCore } from './helpers.js';

/** A stand-in backbone (centernet's shape): each vector folds the pixels it is given, so any change of a picture changes it. */
function foldingBackbone(): Backbone & { embedded: number } {
  const dims = BACKBONE_SPECS.centernet.dimensions;
  const b = {
    spec: BACKBONE_SPECS.centernet,
    backend: 'test',
    threads: 1,
    embedded: 0,
    async embed(pixels: Uint8Array, n: number) {
      b.embedded += n;
      const per = pixels.length / n;
      return Array.from({ length: n }, (_, i) => {
        const v = new Float32Array(dims);
        for (let j = 0; j < per; j++) v[j % dims]! += pixels[i * per + j]! / 255;
        return v;
      });
    },
    dispose() {},
  };
  return b;
}

const AUG: Augmentation = { flip: true, rotation: 0.1, zoom: 0.1, contrast: 0 };

let ctx: Awaited<ReturnType<typeof toyCore>>;
let items: ViewSource[];
const db = () => ctx.core.workspace.db;
const viewRows = (recipe: string) => viewRowsIn(db(), recipe);

beforeAll(async () => {
  ctx = await toyCore(6, 32);
  const rows = db().prepare('SELECT hash, path FROM images WHERE dataset_id = ? ORDER BY path').all(ctx.datasetId) as { hash: string; path: string }[];
  items = rows.map((r) => ({ hash: r.hash, path: r.path, absPath: path.join(ctx.root, r.path) }));
}, 60_000);
afterAll(async () => {
  await ctx.core.close();
  fs.rmSync(ctx.dir, { recursive: true, force: true });
});

describe('augmented-view cache', () => {
  it('stores views 1..N of each picture under its recipe, each unlike the picture and the other views, the same every time', async () => {
    const model = foldingBackbone();
    const pass = await embedViews(db(), items, { backbone: 'centernet', augmentation: AUG, views: 2, model, batchSize: 5 });
    expect(pass).toMatchObject({ status: 'completed', embedded: items.length * 2, failed: [] });
    expect(model.embedded).toBe(items.length * 2);
    expect(viewRows(viewRecipe(AUG))).toEqual(items.map((i) => i.hash).sort().flatMap((hash) => [{ hash, view: 1 }, { hash, view: 2 }]));

    const first = items[0]!;
    const pixels = await decodeSquare(first.absPath, 224);
    const [original] = await model.embed(pixels, 1);
    const stored = viewMatrix(db(), 'centernet', AUG, 2, [{ ...first, classIndex: 1 }]);
    expect(stored.labels).toEqual([1, 1]);
    const view1 = stored.vectors.subarray(0, 480);
    const view2 = stored.vectors.subarray(480);
    expect(view1).not.toEqual(original);
    expect(view2).not.toEqual(view1);
    // A view is a function of the picture, the recipe and its index: drawn again, it is the same.
    const [again] = await model.embed(augmentedView(pixels, 224, AUG, first.hash, 1), 1);
    expect(again).toEqual(Float32Array.from(view1));
  });

  it('a stopped pass keeps its batches; the next embeds only the views still missing, and only view 3 when the count grows', async () => {
    const aug = { ...AUG, contrast: 0.2 };
    const controller = new AbortController();
    const cut = foldingBackbone();
    const stopped = await embedViews(db(), items, { backbone: 'centernet', augmentation: aug, views: 2, model: cut, batchSize: 4, signal: controller.signal, onProgress: (done) => done >= 4 && controller.abort() });
    expect(stopped.status).toBe('cancelled');
    const kept = viewRows(viewRecipe(aug)).length;
    expect(kept).toBeGreaterThanOrEqual(4);
    expect(kept).toBeLessThan(items.length * 2);

    const rest = foldingBackbone();
    const resumed = await embedViews(db(), items, { backbone: 'centernet', augmentation: aug, views: 2, model: rest });
    expect(resumed).toMatchObject({ status: 'completed', embedded: items.length * 2 - kept });
    expect(rest.embedded).toBe(items.length * 2 - kept);

    const more = foldingBackbone();
    expect((await embedViews(db(), items, { backbone: 'centernet', augmentation: aug, views: 3, model: more })).embedded).toBe(items.length);
    expect(new Set(viewRows(viewRecipe(aug)).filter((r) => r.view === 3).map((r) => r.hash))).toEqual(new Set(items.map((i) => i.hash)));
  });

  it('a changed recipe makes new views and keeps the old ones; the same recipe again embeds nothing', async () => {
    const other = { ...AUG, rotation: 0.05 };
    expect(viewRecipe(other)).not.toBe(viewRecipe(AUG));
    const model = foldingBackbone();
    await embedViews(db(), items, { backbone: 'centernet', augmentation: other, views: 2, model });
    expect(model.embedded).toBe(items.length * 2);
    expect(viewRows(viewRecipe(AUG))).toHaveLength(items.length * 2);
    const idle = foldingBackbone();
    expect((await embedViews(db(), items, { backbone: 'centernet', augmentation: AUG, views: 2, model: idle })).embedded).toBe(0);
    expect(idle.embedded).toBe(0);
  });

  it('names a picture whose view is missing, and what to do', () => {
    const unseen = { hash: 'no-such-hash', path: 'bright/gone.png', classIndex: 0 };
    expect(() => viewMatrix(db(), 'centernet', AUG, 2, [unseen])).toThrow(expect.objectContaining({ code: 'conflict', field: 'augmentedViews', message: expect.stringContaining('bright/gone.png') }));
  });

  it('refuses views without any augmentation: they would be copies of the originals', () => {
    const hp = { ...DEFAULT_HYPERPARAMETERS, preset: 'transfer' as const, augmentedViews: 2, augmentation: { flip: false, rotation: 0, zoom: 0, contrast: 0 } };
    const parsed = CheckedHyperparametersSchema.safeParse(hp);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]).toMatchObject({ path: ['augmentedViews'], message: expect.stringContaining('turn on flip, rotation, zoom or contrast') });
    expect(CheckedHyperparametersSchema.safeParse({ ...hp, augmentedViews: 0 }).success).toBe(true);
  });
});

describe('a transfer run with augmented views (real centernet from node_modules)', () => {
  it('embeds views of its training images only, inside its job; stopped in the views pass, it resumes without redoing them', async () => {
    const run = await toyCore(10, 32);
    try {
      const rdb = run.core.workspace.db;
      const snapshot = createSnapshot(rdb, run.datasetId);
      const hp = HyperparametersSchema.parse({ preset: 'transfer', backbone: 'centernet', epochs: 3, batchSize: 8, denseUnits: 16, augmentedViews: 2 });
      const runId = createRunRow(rdb, run.datasetId, snapshot.id, 'views', hp);
      const opts = { workspaceDir: run.core.workspace.dir, cacheDir: run.core.workspace.cacheDir };
      const controller = new AbortController();
      const first: TrainProgress[] = [];
      const stopped = await trainRun(rdb, runId, { ...opts, signal: controller.signal, onProgress: (p) => {
        first.push(p);
        if (p.task === 'views' && (p.prepared ?? 0) > 0) controller.abort();
      } });
      expect(stopped.status).toBe('cancelled');
      const recipe = viewRecipe(hp.augmentation);
      const keptHere = viewRowsIn(rdb, recipe).length;
      const train = snapshot.items.filter((i) => i.split === 'train');
      expect(keptHere).toBeGreaterThan(0);
      expect(keptHere).toBeLessThan(train.length * 2);
      expect(first.find((p) => p.task === 'views' && p.toPrepare)?.toPrepare).toBe(train.length * 2);
      finishRun(rdb, runId, 'interrupted', 'simulated crash');

      const second: TrainProgress[] = [];
      expect((await trainRun(rdb, runId, { ...opts, resume: true, onProgress: (p) => second.push(p) })).status).toBe('completed');
      // The resumed run embeds only the views the stopped one had not saved.
      expect(second.filter((p) => p.task === 'views').at(-1)).toMatchObject({ prepared: train.length * 2 - keptHere, toPrepare: train.length * 2 - keptHere });
      // Views of the training images only: val and test are measured on the pictures as they are.
      const rows = viewRowsIn(rdb, recipe);
      expect(rows).toHaveLength(train.length * 2);
      expect(new Set(rows.map((r) => r.hash))).toEqual(new Set(train.map((t) => t.hash)));
      // The head trained on the originals and their views: three rows per training image.
      const training = second.find((p) => p.phase === 'training')!;
      expect(training.batches).toBe(Math.ceil((train.length * 3) / 8));
      const engine = JSON.parse((rdb.prepare('SELECT engine FROM runs WHERE id = ?').get(runId) as { engine: string }).engine) as Record<string, unknown>;
      expect(engine).toMatchObject({ preset: 'transfer', augmentedViews: 2, trainingVectors: train.length * 3 });
      expect(getRunDetail(rdb, runId).test).not.toBeNull();
    } finally {
      await run.core.close();
      fs.rmSync(run.dir, { recursive: true, force: true });
    }
  }, 180_000);
});

function viewRowsIn(d: Core['workspace']['db'], recipe: string): { hash: string; view: number }[] {
  return d.prepare('SELECT hash, view FROM view_embeddings WHERE backbone = ? AND recipe = ? ORDER BY hash, view').all('centernet', recipe) as { hash: string; view: number }[];
}
