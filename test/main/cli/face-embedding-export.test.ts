// A face-embedding run on real faces, end to end: predicting new photos (the face analyser first, then
// the head), `facet export` as tfjs and ONNX (the head, checked), `facet predict --model` on the
// exported head, and `facet export-face-head` as an alias. One analysed workspace of face crops from
// face-api's demo photos (see test/main/core/faces/photos.ts) serves the whole file.
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type * as tfjs from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerExportCommands } from '../../../src/main/cli/export-commands.js';
import { registerFacesCommands } from '../../../src/main/cli/faces-commands.js';
import { registerTrainingCommands } from '../../../src/main/cli/training-commands.js';
import { Core } from '../../../src/main/core/index.js';
import { fileModelHandler, ONNX_VECTOR_INPUT } from '../../../src/main/core/export/index.js';
import { loadRunModel } from '../../../src/main/core/export/run-model.js';
import { analyseDataset } from '../../../src/main/core/faces/analyse.js';
import { embeddingsByHash } from '../../../src/main/core/faces/face-store.js';
import { EMBEDDING_SIZE } from '../../../src/main/core/training/embedding-preset.js';
import { loadEngine, type Tf } from '../../../src/main/core/platform/engine/index.js';
import { predictWithRun } from '../../../src/main/core/training/predict.js';
import { createRunRow } from '../../../src/main/core/training/run-store.js';
import { createSnapshot } from '../../../src/main/core/training/snapshots.js';
import { trainRun } from '../../../src/main/core/training/trainer.js';
import { Workspace } from '../../../src/main/core/platform/workspace.js';
import type { ModelExportResult } from '../../../src/shared/export.js';
import { HyperparametersSchema } from '../../../src/shared/hyperparameters.js';
import type { Prediction } from '../../../src/shared/runs.js';
import { samplePhotos, writePeopleDataset } from '../core/faces/photos.js';
import { tempDir } from '../core/export/helpers.js';
import { runCli } from './harness.js';

let dir: string;
let core: Core;
/** runs/predict on the training and new photos, made once (each photo costs a face analysis). */
let predictions: Prediction[];
let failed: { path: string; reason: string }[];
let runId: number;
let tf: Tf;
/** Photos not in the data set: a mirrored training crop, a whole group photo, a picture with no face, a broken file. */
const extra = { mirrored: '', group: '', noFace: '', broken: '' };

const facet = (...argv: string[]) => runCli(() => core, [registerTrainingCommands, registerExportCommands, registerFacesCommands], argv);

const root = () => path.join(dir, 'people');
const photo = (rel: string) => path.join(root(), rel);

/** The trained head's probabilities on the descriptor stored for a dataset image (what training and evaluation saw). */
async function headOnStoredDescriptor(rel: string): Promise<Float32Array> {
  const db = core.workspace.db;
  const { hash } = db.prepare('SELECT hash FROM images WHERE path = ?').get(rel) as { hash: string };
  const descriptor = embeddingsByHash(db, [hash]).get(hash)!;
  const { model } = await loadRunModel(db, core.workspace.dir, runId);
  try {
    return tf.tidy(() => (model.predict(tf.tensor2d(descriptor, [1, EMBEDDING_SIZE])) as tfjs.Tensor).dataSync() as Float32Array);
  } finally {
    model.dispose();
  }
}

/** Stored descriptors of every dataset image, n × 128, with the in-app head's probabilities on them. */
async function storedDescriptorsAndHead(): Promise<{ x: Float32Array; n: number; probs: Float32Array }> {
  const db = core.workspace.db;
  const hashes = (db.prepare('SELECT hash FROM images ORDER BY path').all() as { hash: string }[]).map((r) => r.hash);
  const byHash = embeddingsByHash(db, hashes);
  const x = new Float32Array(hashes.length * EMBEDDING_SIZE);
  hashes.forEach((h, i) => x.set(byHash.get(h)!, i * EMBEDDING_SIZE));
  const { model } = await loadRunModel(db, core.workspace.dir, runId);
  const probs = tf.tidy(() => (model.predict(tf.tensor2d(x, [hashes.length, EMBEDDING_SIZE])) as tfjs.Tensor).dataSync() as Float32Array);
  model.dispose();
  return { x, n: hashes.length, probs };
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

beforeAll(async () => {
  ({ tf } = await loadEngine());
  dir = tempDir('facet-face-head-');
  await writePeopleDataset(root(), 3, 8);
  core = new Core(Workspace.open(path.join(dir, 'ws')));
  const { datasetId } = await core.call('datasets/import', { folder: root() });
  const analysed = await analyseDataset(core.workspace.db, datasetId);
  expect(analysed.failed).toEqual([]);
  const db = core.workspace.db;
  const hp = HyperparametersSchema.parse({ preset: 'face-embedding', epochs: 30, batchSize: 8, denseUnits: 32, learningRate: 0.01 });
  runId = createRunRow(db, datasetId, createSnapshot(db, datasetId).id, 'face head', hp);
  const outcome = await trainRun(db, runId, { workspaceDir: core.workspace.dir, cacheDir: core.workspace.cacheDir });
  expect(outcome.status).toBe('completed');

  const photos = path.join(dir, 'new-photos');
  fs.mkdirSync(photos);
  extra.mirrored = path.join(photos, 'person2-mirrored.jpg');
  await sharp(photo('person2/v00.jpg')).flop().jpeg().toFile(extra.mirrored);
  // writePeopleDataset took person3 from the most confident face of the second sample photo.
  extra.group = path.join(photos, 'group.jpg');
  await sharp(samplePhotos()[1]!).resize(900).jpeg().toFile(extra.group);
  extra.noFace = path.join(photos, 'no-face.png');
  const noise = Buffer.alloc(96 * 96 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 37) % 251;
  await sharp(noise, { raw: { width: 96, height: 96, channels: 3 } }).png().toFile(extra.noFace);
  extra.broken = path.join(photos, 'broken.jpg');
  fs.writeFileSync(extra.broken, 'not a picture');
  ({ predictions, failed } = await core.call('runs/predict', {
    runId,
    paths: [photo('person1/v00.jpg'), photo('person3/v03.jpg'), extra.mirrored, extra.group, extra.noFace, extra.broken],
  }));
}, 400_000);

afterAll(async () => {
  await core?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('predicting with a face-embedding run', () => {
  const byName = (name: string) => predictions.find((p) => path.basename(p.path) === name || p.path.endsWith(name))!;

  it("classifies training photos as their person, with exactly the probabilities of the stored descriptor's", async () => {
    for (const rel of ['person1/v00.jpg', 'person3/v03.jpg']) {
      const p = byName(rel);
      expect(p.class).toBe(rel.split('/')[0]);
      expect(p.face).toMatchObject({ found: 1, used: { score: expect.any(Number) } });
      // The photo went through the same decode and analysis as `facet faces`: same descriptor, same output.
      const stored = await headOnStoredDescriptor(rel);
      expect(maxDiff(Object.values(p.probabilities), Array.from(stored))).toBeLessThan(1e-5);
    }
  });

  it('classifies a mirrored photo and the most confident face of a whole group photo as the right person', () => {
    expect(byName('person2-mirrored.jpg').class).toBe('person2');
    const group = byName('group.jpg');
    expect(group.class).toBe('person3');
    expect(group.face!.found).toBe(3);
    expect(group.face!.width).toBe(900);
    expect(group.face!.used!.box.width).toBeGreaterThan(20);
  });

  it('classifies a picture with no face on its whole-picture descriptor, as training does, and says so', () => {
    const p = byName('no-face.png');
    expect(p.face).toEqual({ found: 0, used: null, width: 96, height: 96 });
    expect(Object.values(p.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('reports an unreadable file without stopping the others', () => {
    expect(predictions).toHaveLength(5);
    expect(failed).toEqual([{ path: extra.broken, reason: expect.stringContaining('not a readable image') }]);
  });

  it('leaves no tensors behind (predicting in this process; runs/predict uses its own)', async () => {
    const paths = [extra.mirrored, extra.noFace];
    await predictWithRun(core.workspace.db, core.workspace.dir, runId, paths); // loads the face nets once
    const before = tf.memory().numTensors;
    const again = await predictWithRun(core.workspace.db, core.workspace.dir, runId, paths);
    expect(tf.memory().numTensors).toBe(before);
    expect(again.predictions.map((p) => p.class)).toEqual(paths.map((p) => predictions.find((q) => q.path === p)!.class));
  });

  it('facet predict RUN --csv adds the face columns', async () => {
    const r = await facet('predict', String(runId), extra.mirrored, extra.noFace, '--csv');
    const [header, mirrored, noFace] = r.stdout.trim().split(/\r?\n/);
    expect(header).toBe('path,class,confidence,person1,person2,person3,faces_found,face_x,face_y,face_width,face_height,face_score');
    expect(mirrored).toMatch(/,person2,[\d.]+,[\d.e-]+,[\d.e-]+,[\d.e-]+,1,[\d.]+,[\d.]+,[\d.]+,[\d.]+,0\.\d+$/);
    expect(noFace).toMatch(/,0,,,,,$/);
  });

  it('facet predict RUN --json prints the fields scripts rely on plus the face used', async () => {
    const run = await facet('--json', 'predict', String(runId), extra.mirrored, extra.noFace);
    expect(run.code).toBe(0);
    const json = run.json<Prediction[]>();
    expect(json.map((p) => Object.keys(p).sort())).toEqual([
      ['class', 'confidence', 'face', 'path', 'probabilities'],
      ['class', 'confidence', 'face', 'path', 'probabilities'],
    ]);
    expect(json[0]).toMatchObject({ path: extra.mirrored, class: 'person2', face: { found: 1 } });
    expect(Object.keys(json[0]!.probabilities)).toEqual(['person1', 'person2', 'person3']);
    expect(json[1]!.face!.used).toBeNull();
    const table = await facet('predict', String(runId), extra.noFace);
    expect(table.stdout).toContain('no face found: whole picture');
  });
});

describe('facet export of a face-embedding run', () => {
  const out = (name: string) => path.join(dir, 'exports', name);

  it('--format tfjs writes the head, labels, preprocessing naming the embedding net and a model card, checked', async () => {
    const run = await facet('--json', 'export', String(runId), '--format', 'tfjs', '--out', out('tfjs'));
    expect(run.code).toBe(0);
    const r = run.json<ModelExportResult>();
    expect(r).toMatchObject({
      runId,
      format: 'tfjs',
      out: out('tfjs'),
      classes: ['person1', 'person2', 'person3'],
      inputLayout: 'NC',
      preset: 'face-embedding',
      input: { kind: 'face-descriptor', shape: [null, 128], detector: 'ssd', minScore: 0.5, embeddingNet: { package: '@vladmandic/face-api@1.7.15' } },
      check: { passed: true, sameClasses: true, images: 24 },
    });
    expect(r.check!.maxAbsDiff).toBeLessThan(1e-5);
    expect(r.files.sort()).toEqual(['MODEL_CARD.md', 'group1-shard1of1.bin', 'labels.json', 'model.json', 'preprocessing.json']);
    const pre = JSON.parse(fs.readFileSync(path.join(out('tfjs'), 'preprocessing.json'), 'utf8'));
    expect(pre).toMatchObject({ kind: 'face-descriptor', input: { shape: [null, 128] }, detector: 'ssd', minScore: 0.5, embedding: { net: expect.stringContaining('faceRecognitionNet') } });
    expect(pre.embedding.preprocessing).toContain('most confident face');
    const card = fs.readFileSync(path.join(out('tfjs'), 'MODEL_CARD.md'), 'utf8');
    expect(card).toContain('classifier **head** of a face-embedding run');
    expect(card).toContain('`[batch, 128]`');
    expect(card).toContain('faceRecognitionNet');
    expect(card).toContain('stored face descriptors of 24 images');
    expect(card).not.toContain('NHWC');

    // Reloaded independently, the written model computes what the trained head computes.
    const { x, n, probs } = await storedDescriptorsAndHead();
    const reloaded = await tf.loadLayersModel(fileModelHandler(tf, out('tfjs')));
    const fromFile = tf.tidy(() => (reloaded.predict(tf.tensor2d(x, [n, EMBEDDING_SIZE])) as tfjs.Tensor).dataSync());
    reloaded.dispose();
    expect(maxDiff(fromFile, probs)).toBeLessThan(1e-5);
  });

  it('--format onnx writes the head as ONNX (input face_descriptor [batch, 128]) matching the trained head in onnxruntime', async () => {
    const run = await facet('--json', 'export', String(runId), '--format', 'onnx', '--out', out('onnx'));
    expect(run.code).toBe(0);
    const r = run.json<ModelExportResult>();
    expect(r).toMatchObject({ format: 'onnx', inputLayout: 'NC', preset: 'face-embedding', check: { passed: true, runtime: expect.stringContaining('onnxruntime') } });
    expect(r.check!.maxAbsDiff).toBeLessThan(1e-5);
    const { x, n, probs } = await storedDescriptorsAndHead();
    const session = await ort.InferenceSession.create(path.join(out('onnx'), 'model.onnx'));
    expect(session.inputNames).toEqual([ONNX_VECTOR_INPUT]);
    const result = await session.run({ [ONNX_VECTOR_INPUT]: new ort.Tensor('float32', x, [n, EMBEDDING_SIZE]) });
    await session.release();
    expect(maxDiff(result.probabilities!.data as Float32Array, probs)).toBeLessThan(1e-5);
    // The folder now holds this export: a second one is refused without --force (issue 23), allowed with it.
    expect((await facet('export', String(runId), '--format', 'onnx', '--out', out('onnx'))).stderr).toMatch(/is not empty/);
    const text = await facet('export', String(runId), '--format', 'onnx', '--out', out('onnx'), '--force');
    expect(text.stdout).toContain('face descriptors from @vladmandic/face-api');
  });

  it('facet predict --model on the exported head analyses the photos and gives the run’s predictions', async () => {
    const paths = [extra.mirrored, extra.group, extra.noFace];
    const viaRun = paths.map((p) => predictions.find((q) => q.path === p)!);
    const viaModel = await facet('--json', 'predict', '--model', out('tfjs'), ...paths);
    expect(viaModel.code).toBe(0);
    const json = viaModel.json<Prediction[]>();
    expect(json.map((p) => p.class)).toEqual(viaRun.map((p) => p.class));
    expect(json.map((p) => p.face)).toEqual(viaRun.map((p) => p.face));
    json.forEach((p, i) => expect(maxDiff(Object.values(p.probabilities), Object.values(viaRun[i]!.probabilities))).toBeLessThan(1e-6));
  });

  it('facet export-face-head is the tfjs export (its JSON keeps out and files), and refuses other presets', async () => {
    const run = await facet('--json', 'export-face-head', String(runId), '--out', out('head'));
    expect(run.code).toBe(0);
    const r = run.json<ModelExportResult>();
    expect(r).toMatchObject({ out: out('head'), format: 'tfjs', preset: 'face-embedding', check: { passed: true } });
    expect(r.files).toContain('model.json');
    expect(fs.readFileSync(path.join(out('head'), 'MODEL_CARD.md'), 'utf8')).toContain('faceRecognitionNet');

    const db = core.workspace.db;
    const { dataset_id: datasetId } = db.prepare('SELECT dataset_id FROM runs WHERE id = ?').get(runId) as { dataset_id: number };
    const cnn = createRunRow(db, datasetId, createSnapshot(db, datasetId).id, 'cnn', HyperparametersSchema.parse({}));
    const refused = await facet('export-face-head', String(cnn), '--out', out('cnn'));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('not a face-embedding one');
  });
});
