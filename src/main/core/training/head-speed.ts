// How fast this machine trains a head on stored vectors (vector-head.ts), for the transfer run's
// estimate: a few real steps of the head the run would build, on synthetic vectors (speed does not
// depend on their values), timed on a worker thread so a UI or server process stays free. Like the
// seed CNN's calibration (platform/engine/measure-speed.ts), but a head trains through tfjs-layers.
import type { Hyperparameters } from '../../../shared/hyperparameters.js';
import { loadEngine } from '../platform/engine/index.js';
import { ThreadWorker } from '../platform/engine/thread-worker.js';
import type { Tf } from '../platform/engine/types.js';
import { workerUrl } from '../platform/engine/worker-url.js';
import { buildVectorHead, optimizerFor, optimizerState, predictVectors, weightsOf } from './vector-head.js';

export interface HeadSpeed {
  /** Training vectors per second at the run's batch size. */
  trainPerSecond: number;
  /** Vectors classified per second (the validation after every epoch). */
  predictPerSecond: number;
  /** What an epoch costs besides its steps: reading the weights and optimizer state for the checkpoints. */
  epochSeconds: number;
}

export interface HeadSpeedRequest {
  hp: Hyperparameters;
  dims: number;
  numClasses: number;
  budgetMs: number;
}

const PREDICT_ROWS = 256;

/** A fresh thread's first calls of tfjs-layers are slow (JIT, kernel set-up): these are not timed. */
const WARM_UP_CALLS = 5;

/** Times the head in this thread: warm-up calls, then steps for half the budget, predictions and checkpoint reads for the rest. */
export async function timeHead(tf: Tf, { hp, dims, numClasses, budgetMs }: HeadSpeedRequest): Promise<HeadSpeed> {
  const n = hp.batchSize;
  const model = buildVectorHead(tf, hp, dims, numClasses, 'calibration');
  const optimizer = optimizerFor(tf, hp);
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const values = new Float32Array(Math.max(n, PREDICT_ROWS) * dims);
  for (let i = 0; i < values.length; i++) values[i] = ((i * 2654435761) >>> 24) / 255;
  const xs = tf.tensor2d(values.subarray(0, n * dims), [n, dims]);
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: n }, (_, i) => i % numClasses), 'int32'), numClasses).toFloat());
  try {
    const timed = async (work: () => Promise<unknown>, ms: number) => {
      for (let i = 0; i < WARM_UP_CALLS; i++) await work();
      let count = 0;
      const start = performance.now();
      do {
        await work();
        count++;
      } while (performance.now() - start < ms && count < 500);
      return count / ((performance.now() - start) / 1000);
    };
    const steps = await timed(() => model.trainOnBatch(xs, ys), budgetMs / 2);
    const predictions = await timed(async () => predictVectors(tf, model, values, PREDICT_ROWS, dims), budgetMs / 4);
    const epochs = await timed(async () => [weightsOf(model), await optimizerState(optimizer)], budgetMs / 4);
    return { trainPerSecond: steps * n, predictPerSecond: predictions * PREDICT_ROWS, epochSeconds: 1 / epochs };
  } finally {
    tf.dispose([xs, ys]);
    model.dispose();
    optimizer.dispose();
  }
}

/** Times the head on a worker thread (in this one on the native engine, which loads in one thread per process). */
export async function measureHeadSpeed(request: HeadSpeedRequest): Promise<HeadSpeed> {
  const { tf, info } = await loadEngine();
  if (info.backend === 'tensorflow') return timeHead(tf, request);
  const worker = new ThreadWorker<HeadSpeedRequest, HeadSpeed>(workerUrl(import.meta.url, './head-speed-worker.js'), { backend: info.backend }, 'Head calibration worker');
  try {
    return await worker.call(request);
  } finally {
    await worker.terminate();
  }
}
