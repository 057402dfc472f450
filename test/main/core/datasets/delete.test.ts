// Deleting a dataset: a dry run names what would go and changes nothing; the delete removes its rows,
// runs (with their folders) and the cached files of contents no other dataset holds, and never an
// original image file; another dataset sharing a picture keeps that picture's caches.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../../../src/main/core/index.js';
import { runDir } from '../../../../src/main/core/training/checkpoint.js';
import { createRunRow } from '../../../../src/main/core/training/run-store.js';
import { createSnapshot } from '../../../../src/main/core/training/snapshots.js';
import { trainRun } from '../../../../src/main/core/training/trainer.js';
import { HyperparametersSchema } from '../../../../src/shared/hyperparameters.js';
import { toyCore } from '../training/helpers.js';

let ctx: { core: Core; datasetId: number; dir: string; root: string };
let otherId: number;
let runId: number;
const sharedFile = 'bright/img000.png';

const hp = HyperparametersSchema.parse({ imageSize: 16, batchSize: 8, filters: [4], denseUnits: 8, epochs: 1, augmentation: { flip: false, rotation: 0 } });

function filesUnder(dir: string): string[] {
  return fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort() : [];
}
const hashesOf = (datasetId: number) =>
  (ctx.core.workspace.db.prepare('SELECT path, hash FROM images WHERE dataset_id = ?').all(datasetId) as { path: string; hash: string }[]);

beforeAll(async () => {
  ctx = await toyCore(6, 16);
  const ws = ctx.core.workspace;
  const snap = createSnapshot(ws.db, ctx.datasetId);
  runId = createRunRow(ws.db, ctx.datasetId, snap.id, 'doomed', hp);
  expect((await trainRun(ws.db, runId, { workspaceDir: ws.dir, cacheDir: ws.cacheDir, threads: 1 })).status).toBe('completed');
  // A second dataset holding a copy of one picture: its content is shared.
  const otherRoot = path.join(ctx.dir, 'other');
  fs.mkdirSync(path.join(otherRoot, 'kept'), { recursive: true });
  fs.copyFileSync(path.join(ctx.root, sharedFile), path.join(otherRoot, 'kept', 'copy.png'));
  otherId = (await ctx.core.call('datasets/import', { folder: otherRoot })).datasetId;
}, 120_000);
afterAll(async () => ctx.core.close());

describe('deleting a dataset', () => {
  it('a dry run names what would go and changes nothing', async () => {
    const plan = await ctx.core.call('datasets/delete', { datasetId: ctx.datasetId, dryRun: true });
    expect(plan).toMatchObject({ datasetId: ctx.datasetId, root: ctx.root, images: 12, labelled: 12, classes: 2, runs: ['doomed'], audits: 0, cachedContents: 11, deleted: false });
    expect((await ctx.core.call('datasets/list', {})).map((d) => d.id)).toContain(ctx.datasetId);
    expect(fs.existsSync(runDir(ctx.core.workspace.dir, runId))).toBe(true);
  });

  it('removes rows, runs and caches it alone used; the originals and the other dataset stay', async () => {
    const ws = ctx.core.workspace;
    const originals = filesUnder(ctx.root);
    const own = hashesOf(ctx.datasetId);
    const shared = own.find((r) => r.path === sharedFile)!.hash;
    const cacheBefore = filesUnder(ws.cacheDir);
    expect(cacheBefore.some((f) => f.includes(shared))).toBe(true);
    expect(cacheBefore.filter((f) => f.startsWith('pixels')).length).toBeGreaterThan(0);

    const done = await ctx.core.call('datasets/delete', { datasetId: ctx.datasetId });
    expect(done).toMatchObject({ deleted: true, runs: ['doomed'] });

    expect((await ctx.core.call('datasets/list', {})).map((d) => d.id)).toEqual([otherId]);
    await expect(ctx.core.call('runs/get', { runId })).rejects.toMatchObject({ code: 'not-found' });
    expect(fs.existsSync(runDir(ws.dir, runId))).toBe(false);
    for (const table of ['images', 'classes', 'class_folders', 'edits', 'snapshots', 'runs', 'audits']) {
      expect((ws.db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE dataset_id = ?`).get(ctx.datasetId) as { n: number }).n, table).toBe(0);
    }
    // Caches: every own content's files are gone (thumbnails and decoded pixels), the shared one stays.
    const cacheAfter = filesUnder(ws.cacheDir);
    for (const { hash } of own.filter((r) => r.hash !== shared)) expect(cacheAfter.filter((f) => f.includes(hash))).toEqual([]);
    expect(cacheAfter.some((f) => f.includes(shared) && f.startsWith('thumbs'))).toBe(true);
    // Never the originals.
    expect(filesUnder(ctx.root)).toEqual(originals);
    // The other dataset is whole: its class, its image, its thumbnail.
    const classes = await ctx.core.call('classes/list', { datasetId: otherId });
    expect(classes.map((c) => [c.name, c.count])).toEqual([['kept', 1]]);
    await expect(ctx.core.call('datasets/delete', { datasetId: ctx.datasetId })).rejects.toMatchObject({ code: 'not-found' });
  });
});
