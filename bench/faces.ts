// npm run bench:faces — face analysis speed on the engine loadEngine() picks (wasm here; native when
// installed), and face-embedding vs seed-cnn on the same data. The data are real photographs:
// face-api's demo group photos (from node_modules) and a class-per-person set of face crops made
// from them (variants of one photo per person: margin, mirror, brightness, scale, JPEG quality).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Core } from '../src/main/core/index.js';
import { analyseDataset } from '../src/main/core/faces/analyse.js';
import { createFaceAnalyzer, decodeUpright, loadFaceApi } from '../src/main/core/faces/analyzer.js';
import { createRunRow, getRunDetail } from '../src/main/core/training/run-store.js';
import { createSnapshot } from '../src/main/core/training/snapshots.js';
import { trainRun } from '../src/main/core/training/trainer.js';
import { Workspace } from '../src/main/core/platform/workspace.js';
import { HyperparametersSchema, type HyperparametersInput } from '../src/shared/hyperparameters.js';
import { samplePhotos, writePeopleDataset } from '../test/main/core/faces/photos.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const people = Number(arg('people', '6'));
const perClass = Number(arg('per-class', '16'));
const cnnEpochs = Number(arg('cnn-epochs', '15'));

const t0 = performance.now();
const { backend } = await loadFaceApi();
console.log(`engine: ${backend}; face-api models loaded in ${((performance.now() - t0) / 1000).toFixed(2)} s`);

const photos = await Promise.all(samplePhotos().map((p) => decodeUpright(p)));
for (const detector of ['ssd', 'tiny'] as const) {
  const analyzer = await createFaceAnalyzer({ detector });
  await analyzer.analyse(photos[0]!); // warm-up
  let faces = 0;
  const started = performance.now();
  for (const p of photos) faces += (await analyzer.analyse(p)).faces.length;
  const s = (performance.now() - started) / 1000;
  console.log(`${detector}: ${photos.length} photos (~1920 px), ${faces} faces in ${s.toFixed(2)} s → ${(faces / s).toFixed(2)} faces/s, ${(s / photos.length).toFixed(2)} s/photo (detection + landmarks + embedding)`);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facet-bench-faces-'));
try {
  const root = path.join(dir, 'people');
  await writePeopleDataset(root, people, perClass);
  const core = new Core(Workspace.open(path.join(dir, 'ws')));
  const { datasetId, splits } = await core.call('datasets/import', { folder: root });
  let started = performance.now();
  const summary = await analyseDataset(core.workspace.db, datasetId);
  const s = (performance.now() - started) / 1000;
  console.log(`face crops: ${summary.images} images (96–144 px), ${summary.faces} faces, ${summary.noFace} without: ${(summary.images / s).toFixed(2)} images/s`);
  console.log(`splits: ${JSON.stringify(splits)} (stratified per image; every variant of a person comes from one photo)`);

  const snapshot = createSnapshot(core.workspace.db, datasetId);
  const train = async (name: string, hp: HyperparametersInput) => {
    const runId = createRunRow(core.workspace.db, datasetId, snapshot.id, name, HyperparametersSchema.parse(hp));
    started = performance.now();
    await trainRun(core.workspace.db, runId, { workspaceDir: core.workspace.dir, cacheDir: core.workspace.cacheDir });
    const d = getRunDetail(core.workspace.db, runId);
    const acc = d.test ? `${(d.test.accuracy * 100).toFixed(1)}% of ${d.test.images}` : '-';
    console.log(`${name}: ${d.epochsDone} epochs in ${((performance.now() - started) / 1000).toFixed(1)} s · test accuracy ${acc}`);
  };
  await train('face-embedding', { preset: 'face-embedding', epochs: 50, batchSize: 16, denseUnits: 64, learningRate: 0.005 });
  await train('seed-cnn 64px', { preset: 'seed-cnn', imageSize: 64, epochs: cnnEpochs });
  await train('seed-cnn 64px, crop to face', { preset: 'seed-cnn', imageSize: 64, epochs: cnnEpochs, cropToFace: { enabled: true, margin: 0.2 } });
  await core.close();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
