// The face-embedding preset: a small dense head (Dense → Dropout → softmax) trained on the frozen
// 128-d face-api descriptors stored by face analysis. Same run rows, epochs, checkpoints, test
// evaluation and predictions as the CNN presets; it trains in seconds in the run's process.
import type * as tfjs from '@tensorflow/tfjs';
import { FacetError, formatError, toErrorPayload } from '../../../shared/errors.js';
import type { FaceDetectorName } from '../../../shared/faces.js';
import type { Hyperparameters } from '../../../shared/hyperparameters.js';
import type { EpochMetrics, Prediction, PredictionFace } from '../../../shared/runs.js';
import type { Database } from '../platform/store/db.js';
import { decodeUpright, EMBEDDING_NET, type FaceAnalyzer } from '../faces/analyzer.js';
import { embeddingsByHash } from '../faces/face-store.js';
import { hashString, mulberry32, shuffleInPlace } from '../platform/random.js';
import { loadCheckpoint, runDir, saveCheckpoint, type CheckpointMeta } from './checkpoint.js';
import { loadEngine } from '../platform/engine/index.js';
import type { Tf, WeightSet } from '../platform/engine/types.js';
import { argmax, classificationMetrics, predictionOf } from './metrics.js';
import { finishRun, getRun, markRunning, recordEpoch, saveEvaluation } from './run-store.js';
import { loadSnapshot, type SnapshotItem } from './snapshots.js';
import type { TrainOptions, TrainOutcome } from './trainer.js';

export const EMBEDDING_SIZE = 128;
/** Dropout of the head when the run's hyperparameters ask for none: the head overfits fast without it. */
export const DEFAULT_HEAD_DROPOUT = 0.3;

export function headDropout(hp: Hyperparameters): number {
  return hp.dropout > 0 ? hp.dropout : DEFAULT_HEAD_DROPOUT;
}

/** Input(128) → Dense(denseUnits, relu) → Dropout → Dense(classes, softmax). */
export function buildEmbeddingHead(tf: Tf, hp: Hyperparameters, numClasses: number): tfjs.Sequential {
  let next = 0;
  const init = () => tf.initializers.glorotUniform({ seed: hp.seed * 1000 + next++ });
  return tf.sequential({
    name: 'face_embedding_head',
    layers: [
      tf.layers.dense({ inputShape: [EMBEDDING_SIZE], units: hp.denseUnits, activation: 'relu', kernelInitializer: init() }),
      tf.layers.dropout({ rate: headDropout(hp) }),
      tf.layers.dense({ units: numClasses, activation: 'softmax', kernelInitializer: init() }),
    ],
  });
}

function optimizerFor(tf: Tf, hp: Hyperparameters): tfjs.Optimizer {
  if (hp.optimizer === 'sgd') return tf.train.sgd(hp.learningRate);
  if (hp.optimizer === 'rmsprop') return tf.train.rmsprop(hp.learningRate);
  return tf.train.adam(hp.learningRate);
}

function weightsOf(model: tfjs.LayersModel): WeightSet {
  return model.weights.map((w) => {
    const v = w.read();
    return { name: w.originalName ?? w.name, shape: v.shape.slice(), data: Float32Array.from(v.dataSync()) };
  });
}

function setWeights(tf: Tf, model: tfjs.LayersModel, weights: WeightSet): void {
  const tensors = weights.map((w) => tf.tensor(w.data, w.shape));
  model.setWeights(tensors);
  tf.dispose(tensors);
}

/** The optimizer's state (iteration count, Adam/RMSProp moments) as plain arrays, for the `last` checkpoint. */
async function optimizerState(optimizer: tfjs.Optimizer): Promise<WeightSet> {
  const named = await optimizer.getWeights();
  const state = named.map(({ name, tensor }) => ({ name, shape: tensor.shape.slice(), data: Float32Array.from(tensor.dataSync()) }));
  // The iteration count is a new scalar (Optimizer.saveIterations); the moments are the optimizer's own variables.
  for (const { name, tensor } of named) if (name === 'iter') tensor.dispose();
  return state;
}

async function restoreOptimizerState(tf: Tf, optimizer: tfjs.Optimizer, state: WeightSet): Promise<void> {
  const named = state.map(({ name, shape, data }) => ({ name, tensor: tf.tensor(data, shape) }));
  await optimizer.setWeights(named);
  tf.dispose(named.map((n) => n.tensor));
}

/**
 * tfjs' Dropout draws its mask from Math.random unless the layer has a seed, and a fixed seed would
 * draw the same mask every step: a seed per (run seed, epoch, batch) makes training, and a resumed
 * run, repeat exactly. The layer reads `seed` on every call in eager execution.
 */
function seedDropout(model: tfjs.LayersModel, seed: number): void {
  for (const layer of model.layers) if (layer.getClassName() === 'Dropout') (layer as unknown as { seed?: number }).seed = seed;
}

/** Why a checkpoint's weights do not fit the model, or null when they do (same count and shapes, in model.weights order). */
function checkpointMismatch(model: tfjs.LayersModel, weights: WeightSet): string | null {
  if (weights.length !== model.weights.length) return `${weights.length} weight tensors, the head has ${model.weights.length}`;
  const i = weights.findIndex((w, j) => w.shape.join('x') !== model.weights[j]!.shape.join('x'));
  return i < 0 ? null : `weight ${weights[i]!.name} has shape [${weights[i]!.shape}], the head expects [${model.weights[i]!.shape}]`;
}

/** The head of a run with its trained weights. */
export function embeddingHeadWithWeights(tf: Tf, hp: Hyperparameters, numClasses: number, weights: WeightSet): tfjs.Sequential {
  const model = buildEmbeddingHead(tf, hp, numClasses);
  const mismatch = checkpointMismatch(model, weights);
  if (mismatch) {
    model.dispose();
    throw new FacetError('internal', `The checkpoint does not fit the face-embedding head: ${mismatch}.`, { field: 'run' });
  }
  setWeights(tf, model, weights);
  return model;
}

/** Embeddings of the snapshot's images, n·128 in item order; throws when an image has none. */
function embeddingMatrix(db: Database, items: SnapshotItem[]): Float32Array {
  const byHash = embeddingsByHash(db, items.map((i) => i.hash));
  const missing = items.filter((i) => !byHash.has(i.hash));
  if (missing.length > 0) {
    throw new FacetError('conflict', `${missing.length} of the run's ${items.length} images have no face analysis (e.g. ${missing[0]!.path}).`, {
      field: 'preset',
      hint: 'Run `facet faces DATASET` first, then start the face-embedding run again.',
    });
  }
  const x = new Float32Array(items.length * EMBEDDING_SIZE);
  items.forEach((it, i) => x.set(byHash.get(it.hash)!, i * EMBEDDING_SIZE));
  return x;
}

function predict(tf: Tf, model: tfjs.LayersModel, x: Float32Array, n: number): Float32Array {
  if (n === 0) return new Float32Array(0);
  return tf.tidy(() => (model.predict(tf.tensor2d(x, [n, EMBEDDING_SIZE])) as tfjs.Tensor).dataSync() as Float32Array);
}

export async function trainEmbeddingRun(db: Database, runId: number, opts: TrainOptions): Promise<TrainOutcome> {
  const run = getRun(db, runId);
  const hp = run.hyperparameters;
  const snapshot = loadSnapshot(db, run.snapshotId);
  const k = snapshot.classes.length;
  const dir = runDir(opts.workspaceDir, runId);
  const emit = opts.onProgress ?? (() => {});
  const base = { runId, epochs: hp.epochs, batch: 0, batches: 0, loss: null, accuracy: null, imagesPerSecond: null, etaSeconds: null };
  const split = (s: string) => snapshot.items.filter((i) => i.split === s);
  const [train, val, test] = [split('train'), split('val'), split('test')];
  if (train.length === 0) {
    throw new FacetError('invalid-argument', 'The snapshot has no training images.', { field: 'split', hint: 'Give the train split a share, e.g. --split 80/10/10.' });
  }
  emit({ ...base, phase: 'preparing', epoch: 0 });
  const { tf, info } = await loadEngine();
  let model: tfjs.Sequential | null = null;
  // Passed to compile as an instance, so the model does not own (nor dispose) it.
  let optimizer: tfjs.Optimizer | null = null;
  try {
    const [xTrain, xVal, xTest] = [embeddingMatrix(db, train), embeddingMatrix(db, val), embeddingMatrix(db, test)];
    model = buildEmbeddingHead(tf, hp, k);
    optimizer = optimizerFor(tf, hp);
    model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    markRunning(db, runId, process.pid, info.backend, { ...info, preset: 'face-embedding', embeddingNet: EMBEDDING_NET.net });
    let meta: CheckpointMeta = { epoch: 0, bestEpoch: null, bestValLoss: null, bestValAccuracy: null, staleEpochs: 0 };
    const last = opts.resume ? loadCheckpoint(dir, 'last') : null;
    if (last) {
      setWeights(tf, model, last.weights);
      // Checkpoints written before the optimizer state was saved have none: Adam then starts afresh.
      if (last.optimizer.length > 0) await restoreOptimizerState(tf, optimizer, last.optimizer);
      meta = last.meta;
    }
    const batches = Math.ceil(train.length / hp.batchSize);
    const epochs: EpochMetrics[] = [];
    for (let epoch = meta.epoch + 1; epoch <= hp.epochs; epoch++) {
      const started = performance.now();
      const order = shuffleInPlace(train.map((_, i) => i), mulberry32(hashString(`shuffle:${hp.seed}:${epoch}`)));
      let lossSum = 0;
      let correctSum = 0;
      for (let b = 0; b < batches; b++) {
        if (opts.signal?.aborted) throw new CancelledRun();
        const idx = order.slice(b * hp.batchSize, (b + 1) * hp.batchSize);
        const x = new Float32Array(idx.length * EMBEDDING_SIZE);
        idx.forEach((p, i) => x.set(xTrain.subarray(p * EMBEDDING_SIZE, (p + 1) * EMBEDDING_SIZE), i * EMBEDDING_SIZE));
        const [xs, ys] = tf.tidy(() => [tf.tensor2d(x, [idx.length, EMBEDDING_SIZE]), tf.oneHot(tf.tensor1d(idx.map((p) => train[p]!.classIndex), 'int32'), k).toFloat()]);
        seedDropout(model, hashString(`dropout:${hp.seed}:${epoch}:${b}`));
        const r = (await model.trainOnBatch(xs!, ys!)) as number[];
        tf.dispose([xs!, ys!]);
        const [loss, acc] = [r[0]!, r[1]!];
        if (!Number.isFinite(loss)) {
          throw new FacetError('engine', `The loss became ${loss} at epoch ${epoch}.`, { field: 'learningRate', hint: 'Lower the learning rate and start again.' });
        }
        lossSum += loss * idx.length;
        correctSum += acc * idx.length;
        opts.afterBatch?.(epoch, b + 1);
      }
      const seconds = (performance.now() - started) / 1000;
      emit({ ...base, phase: 'training', epoch, batch: batches, batches, loss: lossSum / train.length, accuracy: correctSum / train.length, imagesPerSecond: train.length / seconds, etaSeconds: (hp.epochs - epoch) * seconds });
      let valLoss: number | null = null;
      let valAccuracy: number | null = null;
      if (val.length > 0) {
        const m = classificationMetrics(predict(tf, model, xVal, val.length), val.map((v) => v.classIndex), snapshot.classes);
        valLoss = m.loss;
        valAccuracy = m.accuracy;
      }
      const metrics: EpochMetrics = {
        epoch,
        loss: lossSum / train.length,
        accuracy: correctSum / train.length,
        valLoss,
        valAccuracy,
        seconds: (performance.now() - started) / 1000,
        imagesPerSecond: train.length / seconds,
      };
      const improved = valLoss === null || meta.bestValLoss === null || valLoss < meta.bestValLoss;
      meta = improved
        ? { epoch, bestEpoch: epoch, bestValLoss: valLoss, bestValAccuracy: valAccuracy, staleEpochs: 0 }
        : { ...meta, epoch, staleEpochs: meta.staleEpochs + 1 };
      const current = weightsOf(model);
      if (improved) saveCheckpoint(dir, 'best', meta, current);
      saveCheckpoint(dir, 'last', meta, current, await optimizerState(optimizer));
      recordEpoch(db, runId, metrics, improved ? { epoch, valLoss, valAccuracy } : null);
      epochs.push(metrics);
      opts.onEpoch?.(metrics);
      if (hp.patience > 0 && meta.staleEpochs >= hp.patience) break;
    }
    const best = loadCheckpoint(dir, 'best');
    if (best) setWeights(tf, model, best.weights);
    if (test.length > 0) {
      emit({ ...base, phase: 'evaluating', epoch: meta.epoch });
      const probs = predict(tf, model, xTest, test.length);
      const m = classificationMetrics(probs, test.map((t) => t.classIndex), snapshot.classes);
      saveEvaluation(db, runId, 'test', m, test.map((t, i) => {
        const row = Array.from(probs.subarray(i * k, (i + 1) * k));
        const predicted = argmax(probs, i * k, k);
        return { imageId: t.imageId, label: t.classIndex, predicted, confidence: row[predicted]!, probabilities: row };
      }));
    }
    finishRun(db, runId, 'completed');
    emit({ ...base, phase: 'done', epoch: meta.epoch });
    return { status: 'completed', epochs, dataWaitShare: 0 };
  } catch (error) {
    if (error instanceof CancelledRun) {
      finishRun(db, runId, 'cancelled');
      return { status: 'cancelled', epochs: [], dataWaitShare: 0 };
    }
    // The row keeps what to do, not only what went wrong (the event carries the whole payload).
    finishRun(db, runId, 'failed', formatError(toErrorPayload(error)));
    throw error;
  } finally {
    model?.dispose();
    optimizer?.dispose();
  }
}

class CancelledRun extends Error {}

export interface FaceAnalysisSettings {
  detector: FaceDetectorName;
  minScore: number;
}

/**
 * The detector and minimum score the run's images were analysed with (the most frequent among
 * their stored analyses), so a new photo is analysed the way the training photos were; ssd at 0.5,
 * the analyser's defaults, when none is recorded.
 */
export function faceAnalysisSettings(db: Database, hashes: string[]): FaceAnalysisSettings {
  const stmt = db.prepare('SELECT detector, min_score AS minScore FROM face_analyses WHERE hash = ?');
  const counts = new Map<string, { settings: FaceAnalysisSettings; n: number }>();
  for (const hash of new Set(hashes)) {
    const row = stmt.get(hash) as FaceAnalysisSettings | undefined;
    if (!row) continue;
    const key = `${row.detector}:${row.minScore}`;
    const entry = counts.get(key) ?? { settings: { detector: row.detector, minScore: row.minScore }, n: 0 };
    entry.n++;
    counts.set(key, entry);
  }
  const top = [...counts.values()].sort((a, b) => b.n - a.n)[0];
  return top?.settings ?? { detector: 'ssd', minScore: 0.5 };
}

/**
 * The descriptor training would have used for this photo (face-store's embeddingsByHash: the most
 * confident face's, else the whole upright picture's), from the same decode and analysis as
 * `facet faces`, with which face it came from.
 */
export async function photoDescriptor(analyzer: FaceAnalyzer, file: string): Promise<{ descriptor: Float32Array; face: PredictionFace }> {
  const analysis = await analyzer.analyse(await decodeUpright(file));
  const top = analysis.faces[0];
  const descriptor = top?.embedding ?? analysis.wholeEmbedding;
  if (!descriptor || descriptor.length !== EMBEDDING_SIZE) throw new Error('the face analyser returned no descriptor');
  return {
    descriptor,
    face: { found: analysis.faces.length, used: top ? { box: top.box, score: top.score } : null, width: analysis.width, height: analysis.height },
  };
}

/**
 * Classifies photos with a face-embedding head: each photo is analysed, and the head runs on its
 * descriptor. A photo that cannot be read or analysed goes to `failed`, never stopping the others.
 */
export async function predictPhotos(
  tf: Tf,
  head: tfjs.LayersModel,
  classes: string[],
  analyzer: FaceAnalyzer,
  files: string[],
  failed: { path: string; reason: string }[],
): Promise<Prediction[]> {
  const predictions: Prediction[] = [];
  for (const file of files) {
    let found: Awaited<ReturnType<typeof photoDescriptor>>;
    try {
      found = await photoDescriptor(analyzer, file);
    } catch (error) {
      failed.push({ path: file, reason: `not a readable image: ${(error as Error).message.split('\n')[0]}` });
      continue;
    }
    predictions.push(predictionOf(file, classes, predict(tf, head, found.descriptor, 1), found.face));
  }
  return predictions;
}
