// A small dense head trained on stored vectors (face descriptors, pretrained image embeddings) as an
// EpochTrainer for the one epoch loop: Input(dims) → Dense(denseUnits, relu) → Dropout → softmax.
// A preset that trains a head on vectors gives its n·dims matrices per split and calls
// `prepareVectorHead`; the loop does the rest (checkpoints, resume, evaluation).
import type * as tfjs from '@tensorflow/tfjs';
import type { Hyperparameters } from '../../../shared/hyperparameters.js';
import { hashString, mulberry32, shuffleInPlace } from '../platform/random.js';
import { loadEngine } from '../platform/engine/index.js';
import type { Tf, WeightSet } from '../platform/engine/types.js';
import type { EpochTrainer, LoopBatch, LoopSetup, PreparedTrainer } from './epoch-loop.js';

/** Dropout of the head when the run's hyperparameters ask for none: the head overfits fast without it. */
export const DEFAULT_HEAD_DROPOUT = 0.3;

export function headDropout(hp: Hyperparameters): number {
  return hp.dropout > 0 ? hp.dropout : DEFAULT_HEAD_DROPOUT;
}

/** Input(dims) → Dense(denseUnits, relu) → Dropout → Dense(classes, softmax), seeded by the run. */
export function buildVectorHead(tf: Tf, hp: Hyperparameters, dims: number, numClasses: number, name: string): tfjs.Sequential {
  let next = 0;
  const init = () => tf.initializers.glorotUniform({ seed: hp.seed * 1000 + next++ });
  return tf.sequential({
    name,
    layers: [
      tf.layers.dense({ inputShape: [dims], units: hp.denseUnits, activation: 'relu', kernelInitializer: init() }),
      tf.layers.dropout({ rate: headDropout(hp) }),
      tf.layers.dense({ units: numClasses, activation: 'softmax', kernelInitializer: init() }),
    ],
  });
}

export function optimizerFor(tf: Tf, hp: Hyperparameters): tfjs.Optimizer {
  if (hp.optimizer === 'sgd') return tf.train.sgd(hp.learningRate);
  if (hp.optimizer === 'rmsprop') return tf.train.rmsprop(hp.learningRate);
  return tf.train.adam(hp.learningRate);
}

export function weightsOf(model: tfjs.LayersModel): WeightSet {
  return model.weights.map((w) => {
    const v = w.read();
    return { name: w.originalName ?? w.name, shape: v.shape.slice(), data: Float32Array.from(v.dataSync()) };
  });
}

export function setModelWeights(tf: Tf, model: tfjs.LayersModel, weights: WeightSet): void {
  const tensors = weights.map((w) => tf.tensor(w.data, w.shape));
  model.setWeights(tensors);
  tf.dispose(tensors);
}

/** The optimizer's state (iteration count, Adam/RMSProp moments) as plain arrays, for the `last` checkpoint. */
export async function optimizerState(optimizer: tfjs.Optimizer): Promise<WeightSet> {
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

/** Class probabilities of n vectors (n·k). */
export function predictVectors(tf: Tf, model: tfjs.LayersModel, x: Float32Array, n: number, dims: number): Float32Array {
  if (n === 0) return new Float32Array(0);
  return tf.tidy(() => (model.predict(tf.tensor2d(x, [n, dims])) as tfjs.Tensor).dataSync() as Float32Array);
}

export interface HeadSpec {
  dims: number;
  /** The model's name (kept in model.json when the head is exported). */
  name: string;
  /** n·dims vectors of each split, in the split's item order. */
  vectors: { train: Float32Array; val: Float32Array; test: Float32Array };
  /**
   * More training rows after the train split's own (augmented views of its images): m·dims vectors
   * and the class index of each.
   */
  extraTrain?: { vectors: Float32Array; labels: number[] };
  /** What the run row records of the engine, besides the backend. */
  engine: Record<string, unknown>;
}

interface VectorBatch extends LoopBatch {
  rows: number[];
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The head of `spec` as a trainer of the epoch loop. */
export async function prepareVectorHead(setup: LoopSetup, spec: HeadSpec): Promise<PreparedTrainer> {
  const { hp, snapshot, train, val, test } = setup;
  const { dims, vectors } = spec;
  setup.emit({ phase: 'preparing', epoch: 0, task: 'model' });
  const k = snapshot.classes.length;
  const { tf, info } = await loadEngine();
  const model = buildVectorHead(tf, hp, dims, k, spec.name);
  // Training rows: the train split's vectors, then any extra rows (the loop sees one list).
  const extra = spec.extraTrain;
  const trainX = extra ? concat(vectors.train, extra.vectors) : vectors.train;
  const trainY = extra ? [...train.map((t) => t.classIndex), ...extra.labels] : train.map((t) => t.classIndex);
  // Passed to compile as an instance, so the model does not own (nor dispose) it.
  const optimizer = optimizerFor(tf, hp);
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const batchesPerEpoch = Math.ceil(trainY.length / hp.batchSize);
  const sizes = { val: val.length, test: test.length };
  const trainer: EpochTrainer<VectorBatch> = {
    batchesPerEpoch,
    samplesPerEpoch: trainY.length,
    *batches(epoch) {
      const order = shuffleInPlace(trainY.map((_, i) => i), mulberry32(hashString(`shuffle:${hp.seed}:${epoch}`)));
      for (let b = 0; b < batchesPerEpoch; b++) {
        const rows = order.slice(b * hp.batchSize, (b + 1) * hp.batchSize);
        yield { index: b, n: rows.length, rows };
      }
    },
    async trainBatch({ rows, index }, epoch) {
      const x = new Float32Array(rows.length * dims);
      rows.forEach((p, i) => x.set(trainX.subarray(p * dims, (p + 1) * dims), i * dims));
      const [xs, ys] = tf.tidy(() => [tf.tensor2d(x, [rows.length, dims]), tf.oneHot(tf.tensor1d(rows.map((p) => trainY[p]!), 'int32'), k).toFloat()]);
      seedDropout(model, hashString(`dropout:${hp.seed}:${epoch}:${index}`));
      const r = (await model.trainOnBatch(xs!, ys!)) as number[];
      tf.dispose([xs!, ys!]);
      return { loss: r[0]!, accuracy: r[1]! };
    },
    predict: async (split) => predictVectors(tf, model, vectors[split], sizes[split], dims),
    getWeights: async () => weightsOf(model),
    setWeights: async (w) => setModelWeights(tf, model, w),
    getOptimizerState: () => optimizerState(optimizer),
    setOptimizerState: (state) => restoreOptimizerState(tf, optimizer, state),
    dispose: () => {
      model.dispose();
      optimizer.dispose();
    },
  };
  return { trainer: trainer as EpochTrainer, backend: info.backend, engine: { ...info, ...spec.engine } };
}
