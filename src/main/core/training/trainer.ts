// The training loop of one run, run inside its own process: prepares the pixel cache, trains epoch
// by epoch with the step trainer of the engine, validates, keeps the best and last checkpoints,
// stops early or on cancel, then evaluates the best weights on the snapshot's test split.
import path from 'node:path';
import type { Hyperparameters } from '../../../shared/hyperparameters.js';
import type { EpochMetrics, TrainProgress } from '../../../shared/runs.js';
import { FacetError, formatError, toErrorPayload } from '../../../shared/errors.js';
import type { Database } from '../platform/store/db.js';
import { getDataset } from '../datasets/queries.js';
import { loadCheckpoint, runDir, saveCheckpoint, type CheckpointMeta } from './checkpoint.js';
import { createStepTrainer, loadEngine } from '../platform/engine/index.js';
import type { StepTrainer, WeightSet } from '../platform/engine/types.js';
import { argmax, classificationMetrics } from './metrics.js';
import { buildSeedCnn } from './model.js';
import { PixelCache } from '../platform/engine/pixel-cache.js';
import { BatchStream, type Sample } from './pipeline.js';
import { finishRun, getRun, markRunning, recordEpoch, saveEvaluation } from './run-store.js';
import { loadSnapshot, type SnapshotItem } from './snapshots.js';
import { trainEmbeddingRun } from './embedding-preset.js';
import { FaceCropCache } from '../faces/crop.js';

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
  }
}

export interface TrainOptions {
  workspaceDir: string;
  cacheDir: string;
  resume?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  onEpoch?: (m: EpochMetrics) => void;
  /** Test hook: called after each batch (e.g. to cancel or kill mid-epoch). */
  afterBatch?: (epoch: number, batch: number) => void;
  threads?: number;
}

export interface TrainOutcome {
  status: 'completed' | 'cancelled';
  epochs: EpochMetrics[];
  dataWaitShare: number;
}

function toSamples(items: SnapshotItem[]): Sample[] {
  return items.map((it) => ({ hash: it.hash, label: it.classIndex }));
}

export async function initialWeights(hp: Hyperparameters, numClasses: number): Promise<{ modelJson: unknown; weights: WeightSet }> {
  const { tf } = await loadEngine();
  const model = buildSeedCnn(tf, {
    imageSize: hp.imageSize,
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
  const run = getRun(db, runId);
  const hp = run.hyperparameters;
  // The face-embedding preset trains a dense head on stored face descriptors, not pixels.
  if (hp.preset === 'face-embedding') return trainEmbeddingRun(db, runId, opts);
  const dataset = getDataset(db, run.datasetId);
  const snapshot = loadSnapshot(db, run.snapshotId);
  const k = snapshot.classes.length;
  const dir = runDir(opts.workspaceDir, runId);
  const emit = opts.onProgress ?? (() => {});
  const base = { runId, epochs: hp.epochs, batch: 0, batches: 0, loss: null, accuracy: null, imagesPerSecond: null, etaSeconds: null };

  const train = snapshot.items.filter((i) => i.split === 'train');
  const val = snapshot.items.filter((i) => i.split === 'val');
  const test = snapshot.items.filter((i) => i.split === 'test');
  if (train.length === 0) {
    throw new FacetError('invalid-argument', 'The snapshot has no training images.', { field: 'split', hint: 'Give the train split a share, e.g. --split 80/10/10.' });
  }

  const cache = hp.cropToFace.enabled
    ? new FaceCropCache(db, opts.cacheDir, hp.imageSize, hp.colorMode, hp.cropToFace.margin)
    : new PixelCache(opts.cacheDir, hp.imageSize, hp.colorMode);
  emit({ ...base, phase: 'preparing', epoch: 0, prepared: 0, toPrepare: 0 });
  await cache.ensure(
    snapshot.items.map((it) => ({ hash: it.hash, absPath: path.join(dataset.root, it.path) })),
    (done, total) => emit({ ...base, phase: 'preparing', epoch: 0, prepared: done, toPrepare: total }),
  );

  const { modelJson, weights } = await initialWeights(hp, k);
  const trainer = await createStepTrainer({
    modelJson,
    initialWeights: weights,
    optimizer: { name: hp.optimizer, learningRate: hp.learningRate },
    threads: opts.threads,
  });
  try {
    markRunning(db, runId, process.pid, trainer.info.backend, trainer.info);
    let meta: CheckpointMeta = { epoch: 0, bestEpoch: null, bestValLoss: null, bestValAccuracy: null, staleEpochs: 0 };
    if (opts.resume) {
      const last = loadCheckpoint(dir, 'last');
      if (last) {
        await trainer.setWeights(last.weights);
        if (last.optimizer.length) await trainer.setOptimizerState(last.optimizer);
        meta = last.meta;
      }
    }

    const trainStream = new BatchStream(cache, toSamples(train), { batchSize: hp.batchSize, shuffle: true, seed: hp.seed, augmentation: hp.augmentation });
    const evalBatch = Math.max(hp.batchSize, 64);
    const valStream = new BatchStream(cache, toSamples(val), { batchSize: evalBatch, shuffle: false, seed: hp.seed });
    const epochs: EpochMetrics[] = [];
    let waitMs = 0;
    let trainMs = 0;

    for (let epoch = meta.epoch + 1; epoch <= hp.epochs; epoch++) {
      const started = performance.now();
      let seen = 0;
      let lossSum = 0;
      let correctSum = 0;
      let lastEmit = 0;
      const batches = trainStream.batchesPerEpoch;
      for await (const batch of trainStream.epoch(epoch)) {
        if (opts.signal?.aborted) throw new CancelledError();
        const r = await trainer.trainBatch(batch.x, batch.y, batch.n);
        if (!Number.isFinite(r.loss)) {
          throw new FacetError('engine', `The loss became ${r.loss} at epoch ${epoch}, batch ${batch.index + 1}.`, {
            field: 'learningRate',
            hint: 'Lower the learning rate (e.g. --learning-rate 0.0001) and start again.',
          });
        }
        seen += batch.n;
        lossSum += r.loss * batch.n;
        correctSum += r.accuracy * batch.n;
        opts.afterBatch?.(epoch, batch.index + 1);
        const now = performance.now();
        if (now - lastEmit > 250 || batch.index + 1 === batches) {
          lastEmit = now;
          const ips = seen / ((now - started) / 1000);
          const remaining = (batches - batch.index - 1) * hp.batchSize + (hp.epochs - epoch) * train.length;
          emit({ ...base, phase: 'training', epoch, batch: batch.index + 1, batches, loss: lossSum / seen, accuracy: correctSum / seen, imagesPerSecond: ips, etaSeconds: remaining / ips });
        }
      }
      const trainSeconds = (performance.now() - started) / 1000;
      waitMs += trainStream.waitMs;
      trainMs += trainSeconds * 1000;

      let valLoss: number | null = null;
      let valAccuracy: number | null = null;
      if (val.length > 0) {
        emit({ ...base, phase: 'validating', epoch });
        const probs = await predictAll(trainer, valStream, k, opts.signal);
        const m = classificationMetrics(probs, val.map((v) => v.classIndex), snapshot.classes);
        valLoss = m.loss;
        valAccuracy = m.accuracy;
      }
      const metrics: EpochMetrics = {
        epoch,
        loss: lossSum / seen,
        accuracy: correctSum / seen,
        valLoss,
        valAccuracy,
        seconds: (performance.now() - started) / 1000,
        imagesPerSecond: seen / trainSeconds,
      };
      // Best by val_loss; without a val split, the latest epoch is the best one.
      const improved = valLoss === null || meta.bestValLoss === null || valLoss < meta.bestValLoss;
      meta = improved
        ? { epoch, bestEpoch: epoch, bestValLoss: valLoss, bestValAccuracy: valAccuracy, staleEpochs: 0 }
        : { ...meta, epoch, staleEpochs: meta.staleEpochs + 1 };
      const current = await trainer.getWeights();
      // Order matters for a kill at any moment: the epoch row is committed before the `last`
      // checkpoint moves on, so a resume either redoes this epoch (its row is replaced) or continues
      // after it — it never skips a row.
      if (improved) saveCheckpoint(dir, 'best', meta, current);
      recordEpoch(db, runId, metrics, improved ? { epoch, valLoss, valAccuracy } : null);
      saveCheckpoint(dir, 'last', meta, current, await trainer.getOptimizerState());
      epochs.push(metrics);
      opts.onEpoch?.(metrics);
      if (hp.patience > 0 && meta.staleEpochs >= hp.patience) break;
    }

    // Evaluate the best weights on the test split.
    const best = loadCheckpoint(dir, 'best');
    if (best) await trainer.setWeights(best.weights);
    if (test.length > 0) {
      emit({ ...base, phase: 'evaluating', epoch: meta.epoch });
      const testStream = new BatchStream(cache, toSamples(test), { batchSize: evalBatch, shuffle: false, seed: hp.seed });
      const probs = await predictAll(trainer, testStream, k, opts.signal);
      const labels = test.map((t) => t.classIndex);
      const m = classificationMetrics(probs, labels, snapshot.classes);
      saveEvaluation(
        db,
        runId,
        'test',
        m,
        test.map((t, i) => {
          const row = Array.from(probs.subarray(i * k, (i + 1) * k));
          const predicted = argmax(probs, i * k, k);
          return { imageId: t.imageId, label: t.classIndex, predicted, confidence: row[predicted]!, probabilities: row };
        }),
      );
    }
    finishRun(db, runId, 'completed');
    emit({ ...base, phase: 'done', epoch: meta.epoch });
    return { status: 'completed', epochs, dataWaitShare: trainMs > 0 ? waitMs / trainMs : 0 };
  } catch (error) {
    if (error instanceof CancelledError) {
      finishRun(db, runId, 'cancelled');
      return { status: 'cancelled', epochs: [], dataWaitShare: 0 };
    }
    // The row keeps what to do, not only what went wrong (the event carries the whole payload).
    finishRun(db, runId, 'failed', formatError(toErrorPayload(error)));
    throw error;
  } finally {
    await trainer.dispose();
  }
}
