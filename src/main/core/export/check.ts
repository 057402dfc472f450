// Runs an exported model next to the trained tfjs model on real inputs of the run (its images, or
// for a face-embedding head the stored face descriptors of its images) and measures how far their
// probabilities drift apart: the proof that an export computes what was trained.
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import type { ExportCheck } from '../../../shared/export.js';
import type { Run } from '../../../shared/runs.js';
import type { Database } from '../platform/store/db.js';
import { getDataset } from '../datasets/queries.js';
import { embeddingsByHash } from '../faces/face-store.js';
import { EMBEDDING_SIZE } from '../training/embedding-preset.js';
import type { Tf } from '../platform/engine/index.js';
import { argmax } from '../training/metrics.js';
import { ServiceFailure } from '../platform/jobs/service.js';
import type { PixelDecoder } from '../platform/engine/pixel-cache.js';
import { loadSnapshot, type SnapshotItem } from '../training/snapshots.js';
import { ONNX_INPUT, ONNX_OUTPUT } from './onnx-model.js';

export const CHECK_TOLERANCE = 1e-4;
const BATCH = 32;

/** Model inputs of real items of a run, one row per item: what both predictors are run on. */
export interface CheckInputs {
  /** Paths relative to the dataset root. */
  paths: string[];
  /** n × H × W × C raw pixel values (0..255) for an image model; n × 128 face descriptors for a face-embedding head. */
  values: Float32Array;
  /** [n, …one item's shape]. */
  shape: number[];
}

/** The snapshot's items, test split first (then val, then train). */
function testFirst(db: Database, run: Run): SnapshotItem[] {
  const items = loadSnapshot(db, run.snapshotId).items;
  return (['test', 'val', 'train'] as const).flatMap((split) => items.filter((i) => i.split === split));
}

/** Decoder crashes or time-outs after which sampling stops: a dataset of hostile files must not restart the decoder for ever. */
const MAX_DECODER_FAILURES = 3;

/**
 * Up to `count` images of the run's snapshot, test split first (then val, then train), decoded as
 * the model sees them by `decode` (the image decoder process when called from the core).
 */
export async function sampleRunImages(db: Database, run: Run, count: number, decode: PixelDecoder): Promise<CheckInputs> {
  const hp = run.hyperparameters;
  const channels = hp.colorMode === 'rgb' ? 3 : 1;
  const root = getDataset(db, run.datasetId).root;
  const paths: string[] = [];
  const decoded: Uint8Array[] = [];
  let decoderFailures = 0;
  for (const item of testFirst(db, run)) {
    if (paths.length >= count) break;
    try {
      decoded.push(await decode(path.join(root, item.path), hp.imageSize, hp.colorMode));
      paths.push(item.path);
    } catch (error) {
      // Moved or changed since the snapshot: sample another image.
      if (error instanceof ServiceFailure && ++decoderFailures >= MAX_DECODER_FAILURES) break;
    }
  }
  const values = new Float32Array(decoded.length * hp.imageSize * hp.imageSize * channels);
  let offset = 0;
  for (const d of decoded) {
    values.set(d, offset);
    offset += d.length;
  }
  return { paths, values, shape: [paths.length, hp.imageSize, hp.imageSize, channels] };
}

/** Up to `count` stored face descriptors of the run's images (test split first), as the head was trained and evaluated on them. */
export function sampleRunEmbeddings(db: Database, run: Run, count: number): CheckInputs {
  const items = testFirst(db, run);
  const byHash = embeddingsByHash(db, items.map((i) => i.hash));
  const picked = items.filter((i) => byHash.has(i.hash)).slice(0, count);
  const values = new Float32Array(picked.length * EMBEDDING_SIZE);
  picked.forEach((item, i) => values.set(byHash.get(item.hash)!, i * EMBEDDING_SIZE));
  return { paths: picked.map((i) => i.path), values, shape: [picked.length, EMBEDDING_SIZE] };
}

type Predict = (values: Float32Array, shape: number[]) => Promise<Float32Array>;

async function inBatches(inputs: CheckInputs, predict: Predict): Promise<Float32Array> {
  const [n, ...item] = inputs.shape as [number, ...number[]];
  const per = item.reduce((a, b) => a * b, 1);
  const parts: Float32Array[] = [];
  for (let start = 0; start < n; start += BATCH) {
    const m = Math.min(BATCH, n - start);
    parts.push(await predict(inputs.values.subarray(start * per, (start + m) * per), [m, ...item]));
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
  return async (values, shape) => {
    const y = tf.tidy(() => model.predict(tf.tensor(values, shape, 'float32')) as tfjs.Tensor);
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

/** Runs an ONNX model (bytes or file) in onnxruntime and returns a predictor on its input `inputName`, plus a closer. */
export async function onnxPredictor(ort: Ort, model: Uint8Array | string, inputName = ONNX_INPUT): Promise<{ predict: Predict; close: () => Promise<void> }> {
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model) : await ort.InferenceSession.create(model);
  return {
    predict: async (values, shape) => {
      const result = await session.run({ [inputName]: new ort.Tensor('float32', Float32Array.from(values), shape) });
      return Float32Array.from(result[ONNX_OUTPUT]!.data as Float32Array);
    },
    close: () => session.release(),
  };
}

/** Compares two predictors over the same inputs. */
export async function compareOn(inputs: CheckInputs, numClasses: number, reference: Predict, candidate: Predict, runtime: string): Promise<ExportCheck> {
  const a = await inBatches(inputs, reference);
  const b = await inBatches(inputs, candidate);
  if (a.length !== b.length) throw new Error(`the exported model returned ${b.length / inputs.shape[0]!} values per input, expected ${numClasses}`);
  let maxAbsDiff = 0;
  for (let i = 0; i < a.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a[i]! - b[i]!));
  const mismatches = inputs.paths.filter((_, i) => argmax(a, i * numClasses, numClasses) !== argmax(b, i * numClasses, numClasses));
  return {
    runtime,
    images: inputs.paths.length,
    maxAbsDiff,
    sameClasses: mismatches.length === 0,
    mismatches,
    passed: maxAbsDiff < CHECK_TOLERANCE && mismatches.length === 0,
    tolerance: CHECK_TOLERANCE,
  };
}
