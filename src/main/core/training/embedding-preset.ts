// The face-embedding preset: a small dense head (Dense → Dropout → softmax) trained on the frozen
// 128-d face-api descriptors stored by face analysis. Same run rows, epochs, checkpoints, test
// evaluation and predictions as the CNN presets; it trains in seconds in the run's process.
import fs from 'node:fs';
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { FacetError } from '../../../shared/errors.js';
import type { Hyperparameters } from '../../../shared/hyperparameters.js';
import type { EpochMetrics } from '../../../shared/runs.js';
import type { Database } from '../store/db.js';
import { EMBEDDING_NET } from '../faces/analyzer.js';
import { embeddingsByHash } from '../faces/face-store.js';
import { hashString, mulberry32, shuffleInPlace } from '../util/random.js';
import { loadCheckpoint, runDir, saveCheckpoint, type CheckpointMeta } from './checkpoint.js';
import { loadEngine } from './engine/index.js';
import type { Tf, WeightSet } from './engine/types.js';
import { argmax, classificationMetrics } from './metrics.js';
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
  try {
    const [xTrain, xVal, xTest] = [embeddingMatrix(db, train), embeddingMatrix(db, val), embeddingMatrix(db, test)];
    model = buildEmbeddingHead(tf, hp, k);
    model.compile({ optimizer: optimizerFor(tf, hp), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    markRunning(db, runId, process.pid, info.backend, { ...info, preset: 'face-embedding', embeddingNet: EMBEDDING_NET.net });
    let meta: CheckpointMeta = { epoch: 0, bestEpoch: null, bestValLoss: null, bestValAccuracy: null, staleEpochs: 0 };
    const last = opts.resume ? loadCheckpoint(dir, 'last') : null;
    if (last) {
      // The optimizer's moments are not restored: the head re-warms them within an epoch.
      setWeights(tf, model, last.weights);
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
      saveCheckpoint(dir, 'last', meta, current);
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
    finishRun(db, runId, 'failed', error instanceof Error ? error.message : String(error));
    throw error;
  } finally {
    model?.dispose();
  }
}

class CancelledRun extends Error {}

/**
 * Writes the trained head as a TensorFlow.js layers model (model.json + weights) with a README and
 * preprocessing.json naming the embedding net and the steps that turn a photo into its input.
 */
export async function exportEmbeddingHead(db: Database, workspaceDir: string, runId: number, outDir: string): Promise<{ out: string; files: string[] }> {
  const run = getRun(db, runId);
  if (run.preset !== 'face-embedding' && run.hyperparameters.preset !== 'face-embedding') {
    throw new FacetError('invalid-argument', `Run ${runId} is a ${run.hyperparameters.preset} run, not a face-embedding one.`, { field: 'run' });
  }
  const best = loadCheckpoint(runDir(workspaceDir, runId), 'best');
  if (!best) throw new FacetError('not-found', `Run ${runId} has no trained weights yet.`, { field: 'run', hint: 'Export a completed run.' });
  const { tf } = await loadEngine();
  const snapshot = loadSnapshot(db, run.snapshotId);
  const model = buildEmbeddingHead(tf, run.hyperparameters, snapshot.classes.length);
  try {
    setWeights(tf, model, best.weights);
    fs.mkdirSync(outDir, { recursive: true });
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const weightsFile = 'weights.bin';
        const json = {
          modelTopology: artifacts.modelTopology,
          format: 'layers-model',
          generatedBy: `Facet Studio (face-embedding run ${runId})`,
          convertedBy: null,
          weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs }],
        };
        fs.writeFileSync(path.join(outDir, 'model.json'), `${JSON.stringify(json)}\n`);
        fs.writeFileSync(path.join(outDir, weightsFile), Buffer.from(artifacts.weightData as ArrayBuffer));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
  } finally {
    model.dispose();
  }
  const pre = { input: `float32[${EMBEDDING_SIZE}] face descriptor`, classes: snapshot.classes, embedding: EMBEDDING_NET };
  fs.writeFileSync(path.join(outDir, 'preprocessing.json'), `${JSON.stringify(pre, null, 2)}\n`);
  fs.writeFileSync(
    path.join(outDir, 'README.md'),
    [
      `# Face-embedding head of run ${runId} (${run.name})`,
      '',
      `This model is only the classifier head: input a ${EMBEDDING_SIZE}-d face descriptor, output the`,
      `probabilities of ${snapshot.classes.map((c) => `\`${c}\``).join(', ')} (in that order).`,
      '',
      `Embedding net: ${EMBEDDING_NET.net}, from ${EMBEDDING_NET.package} (weights in its model/ folder).`,
      '',
      `Preprocessing: ${EMBEDDING_NET.preprocessing}`,
      '',
    ].join('\n'),
  );
  return { out: outDir, files: ['model.json', 'weights.bin', 'preprocessing.json', 'README.md'] };
}
