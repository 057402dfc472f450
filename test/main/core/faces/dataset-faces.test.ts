// Face analysis of a dataset end to end: stored faces, resume, filters, identity groups, leakage,
// crop to face and the face-embedding preset, on face crops of real photos (see photos.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core } from '../../../../src/main/core/index.js';
import { Workspace } from '../../../../src/main/core/platform/workspace.js';
import { analyseDataset } from '../../../../src/main/core/faces/analyse.js';
import { FaceCropCache } from '../../../../src/main/core/faces/crop.js';
import { createSnapshot } from '../../../../src/main/core/training/snapshots.js';
import { createRunRow, getRunDetail } from '../../../../src/main/core/training/run-store.js';
import { trainRun } from '../../../../src/main/core/training/trainer.js';
import { exportEmbeddingHead } from '../../../../src/main/core/export/index.js';
import { predictWithRun } from '../../../../src/main/core/training/predict.js';
import { exportRun } from '../../../../src/main/core/export/export-run.js';
import { predictWithModelDir } from '../../../../src/main/core/export/predict-model.js';
import { HyperparametersSchema } from '../../../../src/shared/hyperparameters.js';
import { samplePhotos, writePeopleDataset } from './photos.js';

let dir: string;
let core: Core;
let datasetId: number;
let root: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facet-faces-'));
  root = path.join(dir, 'people');
  await writePeopleDataset(root, 3, 8);
  // A picture with no face, and a group photo with three.
  const noise = Buffer.alloc(96 * 96 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 37) % 251;
  await sharp(noise, { raw: { width: 96, height: 96, channels: 3 } }).png().toFile(path.join(root, 'person1', 'no-face.png'));
  await sharp(samplePhotos()[0]!).resize(960).jpeg().toFile(path.join(root, 'person2', 'group.jpg'));
  // A near-duplicate: the group photo again, smaller and recompressed.
  await sharp(samplePhotos()[0]!).resize(800).jpeg({ quality: 70 }).toFile(path.join(root, 'person2', 'group-copy.jpg'));
  core = new Core(Workspace.open(path.join(dir, 'ws')));
  datasetId = (await core.call('datasets/import', { folder: root })).datasetId;
}, 120_000);

afterAll(async () => {
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('face analysis of a dataset', () => {
  it('stores faces, flags no-face and multi-face images, and resumes by content hash', async () => {
    const events: string[] = [];
    const first = await analyseDataset(core.workspace.db, datasetId, { onProgress: (p) => events.push(p.phase) });
    expect(first).toMatchObject({ images: 27, analysedImages: 27, newlyAnalysed: 27, noFace: 1, multiFace: 2, status: 'completed', failed: [] });
    expect(first.faces).toBe(24 + 3 + 3);
    expect(events).toContain('analysing');
    const again = await analyseDataset(core.workspace.db, datasetId);
    expect(again.newlyAnalysed).toBe(0);
    expect(again.faces).toBe(first.faces);
  }, 240_000);

  it('filters images/list by face analysis', async () => {
    const noFace = await core.call('images/list', { datasetId, faces: 'no-face' });
    expect(noFace.items.map((i) => i.path)).toEqual(['person1/no-face.png']);
    const multi = await core.call('images/list', { datasetId, faces: 'multi-face' });
    expect(multi.items.map((i) => i.path)).toEqual(['person2/group-copy.jpg', 'person2/group.jpg']);
    expect((await core.call('images/list', { datasetId, faces: 'one-face' })).total).toBe(24);
    expect((await core.call('images/list', { datasetId, faces: 'not-analysed' })).total).toBe(0);
    // The labeller's buckets, in one call, agree with the filters.
    const total = async (faces?: 'analysed') => (await core.call('images/list', { datasetId, ...(faces ? { faces } : {}) })).total;
    expect(await core.call('faces/counts', { datasetId })).toEqual({ images: await total(), analysed: await total('analysed'), noFace: 1, oneFace: 24, multiFace: 2 });
    const group = multi.items[1]!;
    const detail = await core.call('faces/image', { imageId: group.id });
    expect(detail.faces).toHaveLength(3);
    expect(detail.faces[0]!.landmarks).toHaveLength(68);
    expect(detail.width).toBe(960);
  });

  it('groups images by identity without touching existing splits, and re-splits only when asked', async () => {
    const before = (await core.call('images/list', { datasetId })).items.map((i) => [i.path, i.split]);
    const groups = await core.call('faces/group', { datasetId });
    // The three people (the group photos' most confident face joins one of them or pairs up).
    expect(groups.sharedGroups).toBeGreaterThanOrEqual(3);
    expect(groups.keysWritten).toBe(26);
    expect(groups.moved).toBe(0);
    expect((await core.call('images/list', { datasetId })).items.map((i) => [i.path, i.split])).toEqual(before);
    const items = (await core.call('images/list', { datasetId })).items.filter((i) => i.path.startsWith('person3/'));
    expect(new Set(items.map((i) => i.groupKey)).size).toBe(1);

    const resplit = await core.call('faces/group', { datasetId, resplit: true });
    expect(resplit.straddling).toBe(0);
    const after = (await core.call('images/list', { datasetId })).items;
    for (const p of ['person1/', 'person2/v', 'person3/']) {
      expect(new Set(after.filter((i) => i.path.startsWith(p) && i.groupKey !== null).map((i) => i.split)).size).toBe(1);
    }
  });

  it('reports near-duplicate faces across splits as leakage', async () => {
    const images = (await core.call('images/list', { datasetId })).items;
    const byPath = (p: string) => images.find((i) => i.path === p)!;
    expect((await core.call('faces/leaks', { datasetId })).leaks).toEqual([]);
    // Put the original in train and its copy in test by hand: a leak.
    core.workspace.db.prepare(`UPDATE images SET split = 'train' WHERE id = ?`).run(byPath('person2/group.jpg').id);
    core.workspace.db.prepare(`UPDATE images SET split = 'test' WHERE id = ?`).run(byPath('person2/group-copy.jpg').id);
    const report = await core.call('faces/leaks', { datasetId });
    expect(report.threshold).toBe(0.25);
    expect(report.leaks.map((l) => [l.a.path, l.b.path])).toContainEqual(['person2/group.jpg', 'person2/group-copy.jpg']);
    expect(report.leaks.every((l) => l.a.split !== l.b.split && l.distance < 0.25)).toBe(true);
  });

  it('crops training pixels to the face, in a cache apart from whole images', async () => {
    const cache = new FaceCropCache(core.workspace.db, core.workspace.cacheDir, 32, 'rgb', 0.2);
    expect(cache.dir).toContain(path.join('face-crop', 'margin-0.2'));
    const image = (await core.call('images/list', { datasetId, faces: 'multi-face' })).items[1]!;
    await cache.ensure([{ hash: image.hash!, absPath: path.join(root, image.path) }]);
    const pixels = new Uint8Array(cache.bytesPerImage);
    await cache.read(image.hash!, pixels);
    expect(pixels.some((v) => v !== pixels[0])).toBe(true);
  });

  it('trains the face-embedding preset in seconds and evaluates it like any run', async () => {
    const snapshot = createSnapshot(core.workspace.db, datasetId);
    const hp = HyperparametersSchema.parse({ preset: 'face-embedding', epochs: 30, batchSize: 8, denseUnits: 32, learningRate: 0.01 });
    const runId = createRunRow(core.workspace.db, datasetId, snapshot.id, 'embedding', hp);
    const outcome = await trainRun(core.workspace.db, runId, { workspaceDir: core.workspace.dir, cacheDir: core.workspace.cacheDir });
    expect(outcome.status).toBe('completed');
    const detail = getRunDetail(core.workspace.db, runId);
    expect(detail.status).toBe('completed');
    expect(detail.epochs).toHaveLength(30);
    expect(detail.test).not.toBeNull();
    expect(detail.epochs.at(-1)!.accuracy).toBeGreaterThan(0.8);
    const predictions = await core.call('runs/predictions', { runId });
    expect(predictions.length).toBe(detail.test!.images);

    const out = path.join(dir, 'head');
    const exported = await exportEmbeddingHead(core.workspace.db, core.workspace.dir, runId, out);
    expect(exported.files).toContain('model.json');
    expect(fs.readFileSync(path.join(out, 'MODEL_CARD.md'), 'utf8')).toContain('faceRecognitionNet');
  });

  it('predicts new photos of a crop-to-face run through the same aligned crop, as does its export', async () => {
    // Every third image to the test split, so the run's stored test predictions cover all people.
    core.workspace.db.prepare(`UPDATE images SET split = CASE WHEN id % 3 = 0 THEN 'test' ELSE 'train' END WHERE dataset_id = ?`).run(datasetId);
    const snapshot = createSnapshot(core.workspace.db, datasetId);
    const hp = HyperparametersSchema.parse({ imageSize: 32, epochs: 2, filters: [4, 8], denseUnits: 8, batchSize: 8, cropToFace: { enabled: true, margin: 0.2 } });
    const runId = createRunRow(core.workspace.db, datasetId, snapshot.id, 'cropped', hp);
    const outcome = await trainRun(core.workspace.db, runId, { workspaceDir: core.workspace.dir, cacheDir: core.workspace.cacheDir });
    expect(outcome.status).toBe('completed');
    // The test images' predictions were made from the face-crop cache; predicting their files anew
    // (analysis, crop, resize) must give the same answers.
    const stored = (await core.call('runs/predictions', { runId })).filter((p) => p.path !== 'person1/no-face.png');
    expect(stored.length).toBeGreaterThanOrEqual(6);
    const files = stored.map((p) => path.join(root, p.path));
    const fresh = await predictWithRun(core.workspace.db, core.workspace.dir, runId, files);
    expect(fresh.failed).toEqual([]);
    fresh.predictions.forEach((p, i) => {
      expect(p.class).toBe(stored[i]!.predictedClass);
      expect(Math.abs(p.confidence - stored[i]!.confidence)).toBeLessThan(1e-4);
      expect(p.face?.used).not.toBeNull();
    });

    const out = path.join(dir, 'cropped-tfjs');
    await exportRun(core.workspace.db, core.workspace.dir, { runId, format: 'tfjs', out, check: 0 });
    const pre = JSON.parse(fs.readFileSync(path.join(out, 'preprocessing.json'), 'utf8')) as { faceCrop?: { margin: number; detector: string } };
    expect(pre.faceCrop).toMatchObject({ margin: 0.2, detector: 'ssd' });
    expect(fs.readFileSync(path.join(out, 'MODEL_CARD.md'), 'utf8')).toMatch(/face crops/);
    const viaExport = await predictWithModelDir(out, files);
    viaExport.predictions.forEach((p, i) => {
      expect(p.class).toBe(fresh.predictions[i]!.class);
      expect(Math.abs(p.confidence - fresh.predictions[i]!.confidence)).toBeLessThan(1e-5);
      expect(p.face).toEqual(fresh.predictions[i]!.face);
    });
  });
});
