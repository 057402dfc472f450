// Runs an exported model next to the trained tfjs model on real images of the run and measures how
// far their probabilities drift apart: the proof that an export computes what was trained.
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import type { ExportCheck } from '../../../shared/export.js';
import type { Run } from '../../../shared/runs.js';
import type { Database } from '../store/db.js';
import { getDataset } from '../datasets/queries.js';
import type { Tf } from '../training/engine/index.js';
import { argmax } from '../training/metrics.js';
import { decodeForModel } from '../training/pixel-cache.js';
import { loadSnapshot } from '../training/snapshots.js';
import { ONNX_INPUT, ONNX_OUTPUT } from './onnx-model.js';

export const CHECK_TOLERANCE = 1e-4;
const BATCH = 32;

export interface SampleImages {
  /** Paths relative to the dataset root. */
  paths: string[];
  /** n × H × W × C raw pixel values (0..255), as the model takes them. */
  pixels: Float32Array;
  shape: [number, number, number, number];
}

/** Up to `count` images of the run's snapshot, test split first (then val, then train), decoded as the model sees them. */
export async function sampleRunImages(db: Database, run: Run, count: number): Promise<SampleImages> {
  const hp = run.hyperparameters;
  const channels = hp.colorMode === 'rgb' ? 3 : 1;
  const root = getDataset(db, run.datasetId).root;
  const items = loadSnapshot(db, run.snapshotId).items;
  const ordered = (['test', 'val', 'train'] as const).flatMap((split) => items.filter((i) => i.split === split));
  const paths: string[] = [];
  const decoded: Buffer[] = [];
  for (const item of ordered) {
    if (paths.length >= count) break;
    try {
      decoded.push(await decodeForModel(path.join(root, item.path), hp.imageSize, hp.colorMode));
      paths.push(item.path);
    } catch {
      // Moved or changed since the snapshot: sample another image.
    }
  }
  const pixels = new Float32Array(decoded.length * hp.imageSize * hp.imageSize * channels);
  let offset = 0;
  for (const d of decoded) {
    pixels.set(d, offset);
    offset += d.length;
  }
  return { paths, pixels, shape: [paths.length, hp.imageSize, hp.imageSize, channels] };
}

type Predict = (pixels: Float32Array, shape: [number, number, number, number]) => Promise<Float32Array>;

async function inBatches(images: SampleImages, predict: Predict): Promise<Float32Array> {
  const [n, h, w, c] = images.shape;
  const per = h * w * c;
  const parts: Float32Array[] = [];
  for (let start = 0; start < n; start += BATCH) {
    const m = Math.min(BATCH, n - start);
    parts.push(await predict(images.pixels.subarray(start * per, (start + m) * per), [m, h, w, c]));
  }
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function tfjsPredictor(tf: Tf, model: tfjs.LayersModel): Predict {
  return async (pixels, shape) => {
    const y = tf.tidy(() => model.predict(tf.tensor4d(pixels, shape)) as tfjs.Tensor);
    try {
      return Float32Array.from(await y.data());
    } finally {
      y.dispose();
    }
  };
}

type Ort = typeof import('onnxruntime-node');

/** onnxruntime-node is a development dependency: an installed app may lack it, and then the check is skipped. */
export async function loadOnnxRuntime(): Promise<{ ort: Ort; version: string } | { ort: null; reason: string }> {
  try {
    const ort = (await import('onnxruntime-node')) as Ort & { default?: Ort };
    const api = ort.InferenceSession ? ort : ort.default!;
    return { ort: api, version: api.env.versions.node ?? api.env.versions.common ?? '' };
  } catch (error) {
    return { ort: null, reason: `onnxruntime-node is not available (${(error as Error).message.split('\n')[0]}); install it to check ONNX exports` };
  }
}

/** Runs an ONNX model (bytes or file) in onnxruntime and returns an NHWC-input predictor plus a closer. */
export async function onnxPredictor(ort: Ort, model: Uint8Array | string): Promise<{ predict: Predict; close: () => Promise<void> }> {
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model) : await ort.InferenceSession.create(model);
  return {
    predict: async (pixels, shape) => {
      const result = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', Float32Array.from(pixels), shape) });
      return Float32Array.from(result[ONNX_OUTPUT]!.data as Float32Array);
    },
    close: () => session.release(),
  };
}

/** Compares two predictors over the same images. */
export async function compareOn(images: SampleImages, numClasses: number, reference: Predict, candidate: Predict, runtime: string): Promise<ExportCheck> {
  const a = await inBatches(images, reference);
  const b = await inBatches(images, candidate);
  if (a.length !== b.length) throw new Error(`the exported model returned ${b.length / images.shape[0]} values per image, expected ${numClasses}`);
  let maxAbsDiff = 0;
  for (let i = 0; i < a.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a[i]! - b[i]!));
  const mismatches = images.paths.filter((_, i) => argmax(a, i * numClasses, numClasses) !== argmax(b, i * numClasses, numClasses));
  return {
    runtime,
    images: images.paths.length,
    maxAbsDiff,
    sameClasses: mismatches.length === 0,
    mismatches,
    passed: maxAbsDiff < CHECK_TOLERANCE && mismatches.length === 0,
    tolerance: CHECK_TOLERANCE,
  };
}
