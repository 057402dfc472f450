// Training one run inside its job process: picks the preset's trainer and runs it through the one
// epoch loop (epoch-loop.ts). The seed CNN trains on pixels from the cache (or face crops) with the
// engine's step trainer; the face-embedding preset trains a head on stored descriptors.
import path from 'node:path';
import type { Hyperparameters } from '../../../shared/hyperparameters.js';
import type { Database } from '../platform/store/db.js';
import { getDataset } from '../datasets/queries.js';
import { createStepTrainer, loadEngine } from '../platform/engine/index.js';
import type { StepTrainer, WeightSet } from '../platform/engine/types.js';
import { buildSeedCnn } from './model.js';
import { PixelCache } from '../platform/engine/pixel-cache.js';
import { BatchStream, type Batch, type Sample } from './pipeline.js';
import { getRun } from './run-store.js';
import type { SnapshotItem } from './snapshots.js';
import { trainEmbeddingRun } from './embedding-preset.js';
import { trainTransferRun } from './transfer-preset.js';
import { FaceCropCache } from '../faces/crop.js';
import { CancelledError, trainWithLoop, type EpochTrainer, type LoopSetup, type PreparedTrainer, type TrainOptions, type TrainOutcome } from './epoch-loop.js';

export { CancelledError, type TrainOptions, type TrainOutcome } from './epoch-loop.js';

function toSamples(items: SnapshotItem[]): Sample[] {
  return items.map((it) => ({ hash: it.hash, label: it.classIndex }));
}

export async function initialWeights(hp: Hyperparameters, numClasses: number): Promise<{ modelJson: unknown; weights: WeightSet }> {
  const { tf } = await loadEngine();
  const model = buildSeedCnn(tf, {
    imageSize: hp.imageSize,
    padding: hp.padding,
    channels: hp.colorMode === 'rgb' ? 3 : 1,
    numClasses,
    filters: hp.filters,
    denseUnits: hp.denseUnits,
    dropout: hp.dropout,
    seed: hp.seed,
  });
  const modelJson = model.toJSON(null, false);
  const weights: WeightSet = model.weights.map((w) => {
    const v = w.read();
    const out = { name: w.originalName ?? w.name, shape: v.shape.slice(), data: v.dataSync() as Float32Array };
    return { ...out, data: new Float32Array(out.data) };
  });
  model.dispose();
  return { modelJson, weights };
}

/** Predicts every sample of a stream; returns n·k probabilities in sample order. */
export async function predictAll(trainer: StepTrainer, stream: BatchStream, numClasses: number, signal?: AbortSignal): Promise<Float32Array> {
  const probs = new Float32Array(stream.size * numClasses);
  for await (const batch of stream.epoch(0)) {
    if (signal?.aborted) throw new CancelledError();
    const p = await trainer.predictBatch(batch.x, batch.n);
    batch.positions.forEach((pos, i) => probs.set(p.subarray(i * numClasses, (i + 1) * numClasses), pos * numClasses));
  }
  return probs;
}

export async function trainRun(db: Database, runId: number, opts: TrainOptions): Promise<TrainOutcome> {
  // The face-embedding preset trains a dense head on stored face descriptors, not pixels.
  const preset = getRun(db, runId).hyperparameters.preset;
  if (preset === 'face-embedding') return trainEmbeddingRun(db, runId, opts);
  // The transfer preset trains a dense head on a pretrained backbone's stored image embeddings.
  if (preset === 'transfer') return trainTransferRun(db, runId, opts);
  return trainWithLoop(db, runId, opts, (setup) => prepareSeedCnn(db, runId, opts, setup));
}

/** The seed CNN on the run's pixels: the cache filled, the engine's step trainer built. */
async function prepareSeedCnn(db: Database, runId: number, opts: TrainOptions, { hp, snapshot, train, val, test, emit }: LoopSetup): Promise<PreparedTrainer> {
  const dataset = getDataset(db, snapshot.datasetId);
  const cache = hp.cropToFace.enabled
    ? new FaceCropCache(db, opts.cacheDir, hp.imageSize, hp.colorMode, hp.cropToFace.margin)
    : new PixelCache(opts.cacheDir, hp.imageSize, hp.colorMode);
  emit({ phase: 'preparing', epoch: 0, task: 'decoding', prepared: 0, toPrepare: 0 });
  await cache.ensure(
    snapshot.items.map((it) => ({ hash: it.hash, absPath: path.join(dataset.root, it.path) })),
    (done, total) => emit({ phase: 'preparing', epoch: 0, task: 'decoding', prepared: done, toPrepare: total }),
  );
  emit({ phase: 'preparing', epoch: 0, task: 'model' });
  const k = snapshot.classes.length;
  const { modelJson, weights } = await initialWeights(hp, k);
  const step = await createStepTrainer({ modelJson, initialWeights: weights, optimizer: { name: hp.optimizer, learningRate: hp.learningRate }, threads: opts.threads });
  const trainStream = new BatchStream(cache, toSamples(train), { batchSize: hp.batchSize, shuffle: true, seed: hp.seed, augmentation: hp.augmentation });
  const evalBatch = Math.max(hp.batchSize, 64);
  const evalStream = (items: SnapshotItem[]) => new BatchStream(cache, toSamples(items), { batchSize: evalBatch, shuffle: false, seed: hp.seed });
  const streams = { val: evalStream(val), test: evalStream(test) };
  let waitMs = 0;
  const trainer: EpochTrainer<Batch> = {
    batchesPerEpoch: trainStream.batchesPerEpoch,
    async *batches(epoch) {
      yield* trainStream.epoch(epoch);
      waitMs += trainStream.waitMs;
    },
    trainBatch: (batch) => step.trainBatch(batch.x, batch.y, batch.n),
    predict: (split, signal) => predictAll(step, streams[split], k, signal),
    getWeights: () => step.getWeights(),
    setWeights: (w) => step.setWeights(w),
    getOptimizerState: () => step.getOptimizerState(),
    setOptimizerState: (state) => step.setOptimizerState(state),
    dataWaitMs: () => waitMs,
    dispose: () => step.dispose(),
  };
  return { trainer: trainer as EpochTrainer, backend: step.info.backend, engine: step.info };
}
