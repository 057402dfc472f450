// Model export end to end on a tiny run trained on the demo faces: tfjs and ONNX files, the
// onnxruntime comparison on real images, the files that travel with a model, and predict --model.
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { fileModelHandler, predictWithModelDir } from '../../../../src/main/core/export/index.js';
import { loadRunModel } from '../../../../src/main/core/export/run-model.js';
import { decodeForModel } from '../../../../src/main/core/platform/engine/pixel-cache.js';
import { predictWithRun } from '../../../../src/main/core/training/predict.js';
import { getRun } from '../../../../src/main/core/training/run-store.js';
import { loadSnapshot } from '../../../../src/main/core/training/snapshots.js';
import { loadEngine } from '../../../../src/main/core/platform/engine/index.js';
import { demoWorkspace, TINY_HYPERPARAMETERS, trainTinyRun, type DemoWorkspace } from './helpers.js';

let ws: DemoWorkspace;
let runId: number;
beforeAll(async () => {
  ws = await demoWorkspace();
  runId = await trainTinyRun(ws);
}, 300_000);
afterAll(async () => ws.core.close());

function demoImages(): string[] {
  const out: string[] = [];
  for (const cls of fs.readdirSync(ws.demo).sort()) for (const f of fs.readdirSync(path.join(ws.demo, cls)).sort()) out.push(path.join(ws.demo, cls, f));
  return out;
}

describe('export --format onnx', () => {
  it('writes an opset-13 ONNX model whose onnxruntime probabilities match tfjs within 1e-4 on every demo image', async () => {
    const out = path.join(ws.dir, 'onnx');
    const result = await ws.core.call('runs/export', { runId, format: 'onnx', out });
    expect(result.files).toEqual(['model.onnx', 'labels.json', 'preprocessing.json', 'MODEL_CARD.md']);
    expect(result.check).not.toBeNull();
    expect(result.check!.runtime).toMatch(/^onnxruntime-node/);
    expect(result.check!.images).toBeGreaterThan(0);
    expect(result.check!.passed).toBe(true);
    // Nothing half-written left behind.
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    // Independent of the export's own check: every one of the 45 demo images.
    const run = getRun(ws.core.workspace.db, runId);
    const size = run.hyperparameters.imageSize;
    const files = demoImages();
    const pixels = new Float32Array(files.length * size * size * 3);
    for (const [i, f] of files.entries()) pixels.set(await decodeForModel(f, size, 'rgb'), i * size * size * 3);
    const session = await ort.InferenceSession.create(path.join(out, 'model.onnx'));
    expect(session.inputNames).toEqual(['image']);
    expect(session.outputNames).toEqual(['probabilities']);
    const onnxProbs = (await session.run({ image: new ort.Tensor('float32', pixels, [files.length, size, size, 3]) })).probabilities!.data as Float32Array;
    await session.release();
    const { tf, model } = await loadRunModel(ws.core.workspace.db, ws.core.workspace.dir, runId);
    const tfProbs = tf.tidy(() => (model.predict(tf.tensor4d(pixels, [files.length, size, size, 3])) as tfjs.Tensor).dataSync());
    model.dispose();
    const k = run.classes.length;
    let maxDiff = 0;
    let sameClass = 0;
    for (let i = 0; i < files.length; i++) {
      const a = Array.from(tfProbs.slice(i * k, (i + 1) * k));
      const b = Array.from(onnxProbs.slice(i * k, (i + 1) * k));
      for (let j = 0; j < k; j++) maxDiff = Math.max(maxDiff, Math.abs(a[j]! - b[j]!));
      if (a.indexOf(Math.max(...a)) === b.indexOf(Math.max(...b))) sameClass++;
    }
    console.log(`ONNX vs tfjs on ${files.length} demo images: max |Δprob| ${maxDiff.toExponential(3)}, same class on ${sameClass}/${files.length}; export check ${JSON.stringify(result.check)}`);
    expect(maxDiff).toBeLessThan(1e-4);
    expect(sameClass).toBe(files.length);
  });

  it('writes a model card with the snapshot hash, class counts, metrics and the NHWC input layout', async () => {
    const out = path.join(ws.dir, 'onnx');
    const card = fs.readFileSync(path.join(out, 'MODEL_CARD.md'), 'utf8');
    const run = getRun(ws.core.workspace.db, runId);
    const snapshot = loadSnapshot(ws.core.workspace.db, run.snapshotId);
    expect(card).toContain(snapshot.contentHash);
    expect(card).toContain('NHWC');
    expect(card).toContain('Transpose');
    expect(card).toMatch(/Test loss \d\.\d{4}, accuracy/);
    for (const c of run.classes) expect(card).toContain(`| ${c} |`);
    expect(card).toContain('"learningRate": 0.003');
    expect(card).toContain('backend: wasm');
    expect(JSON.parse(fs.readFileSync(path.join(out, 'labels.json'), 'utf8'))).toEqual(run.classes);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'preprocessing.json'), 'utf8'))).toMatchObject({
      width: 32, height: 32, colorMode: 'rgb', channels: 3, rescale: { scale: 1 / 255, insideModel: true }, resize: { mode: 'squash', interpolation: 'bilinear' },
    });
  });
});

describe("export of a 'same'-padding run", () => {
  it('gives ONNX whose onnxruntime probabilities match tfjs, and a model card that names the padding', async () => {
    const sameRun = await trainTinyRun(ws, { ...TINY_HYPERPARAMETERS, epochs: 1, padding: 'same' });
    const out = path.join(ws.dir, 'onnx-same');
    const result = await ws.core.call('runs/export', { runId: sameRun, format: 'onnx', out });
    expect(result.check?.passed).toBe(true);
    expect(result.check!.maxAbsDiff).toBeLessThan(1e-4);
    const card = fs.readFileSync(path.join(out, 'MODEL_CARD.md'), 'utf8');
    expect(card).toContain("Conv2D(8, 3×3, relu, padding 'same') → MaxPool(2) → Conv2D(16, 3×3, relu, padding 'same')");
    expect(card).toContain('"padding": "same"');
    // 32 px with 'same' padding: 32 → 16 → 8, so 8·8·16 features reach the dense layer.
    const { model } = await loadRunModel(ws.core.workspace.db, ws.core.workspace.dir, sameRun);
    expect(model.layers.find((l) => l.getClassName() === 'Flatten')!.outputShape).toEqual([null, 8 * 8 * 16]);
    model.dispose();
  }, 300_000);
});

describe('export --format tfjs', () => {
  it('writes model.json and weight shards that tf.loadLayersModel loads back to the same predictions', async () => {
    const out = path.join(ws.dir, 'tfjs');
    const result = await ws.core.call('runs/export', { runId, format: 'tfjs', out });
    expect(result.files).toEqual(['group1-shard1of1.bin', 'model.json', 'labels.json', 'preprocessing.json', 'MODEL_CARD.md']);
    expect(result.check).toMatchObject({ maxAbsDiff: 0, sameClasses: true, passed: true });
    const json = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['group1-shard1of1.bin']);
    const { tf } = await loadEngine();
    const model = await tf.loadLayersModel(fileModelHandler(tf, out));
    expect(model.inputs[0]!.shape).toEqual([null, 32, 32, 3]);
    expect(model.layers.map((l) => l.getClassName())).toEqual(['Rescaling', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense', 'Dropout', 'Dense']);
    model.dispose();
  });

  it('predict --model on the export gives the same classes as predicting with the run', async () => {
    const out = path.join(ws.dir, 'tfjs');
    const broken = path.join(ws.dir, 'broken.png');
    fs.writeFileSync(broken, 'not an image');
    const fromModel = await predictWithModelDir(out, [ws.demo, broken]);
    const fromRun = await predictWithRun(ws.core.workspace.db, ws.core.workspace.dir, runId, [ws.demo]);
    expect(fromModel.predictions).toHaveLength(45);
    expect(fromModel.predictions.map((p) => [p.path, p.class])).toEqual(fromRun.predictions.map((p) => [p.path, p.class]));
    for (const [i, p] of fromModel.predictions.entries()) expect(p.confidence).toBeCloseTo(fromRun.predictions[i]!.confidence, 4);
    expect(fromModel.failed.map((f) => f.path)).toEqual([broken]);
  });

  it('predict --model on a folder without an export says what to give', async () => {
    await expect(predictWithModelDir(ws.demo, [ws.demo])).rejects.toThrow(/labels\.json/);
  });
});
