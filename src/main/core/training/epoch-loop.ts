// The one epoch loop of every trainer (the seed CNN on pixels, heads on face descriptors or on
// pretrained embeddings): resume from the `last` checkpoint, train epoch by epoch, validate, keep the
// best and last checkpoints in the one safe order, stop early or on cancel, evaluate the best weights
// on the test split and record how the run ended. A trainer only says how to build its model and
// feed it batches (EpochTrainer); see vector-head.ts for a head on stored vectors.
import type { Hyperparameters } from '../../../shared/hyperparameters.js';
import type { BackendName, EpochMetrics, TrainProgress } from '../../../shared/runs.js';
import { FacetError, formatError, toErrorPayload } from '../../../shared/errors.js';
import type { Database } from '../platform/store/db.js';
import type { WeightSet } from '../platform/engine/types.js';
import { loadCheckpoint, runDir, saveCheckpoint, type CheckpointMeta } from './checkpoint.js';
import { argmax, classificationMetrics } from './metrics.js';
import { finishRun, getRun, markRunning, recordEpoch, saveEvaluation } from './run-store.js';
import { loadSnapshot, type Snapshot, type SnapshotItem } from './snapshots.js';

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
  }
}

/** Where a test may stop the process (e.g. kill it) to prove a crash there loses nothing. */
export type FaultPoint = 'epoch-recorded' | 'checkpoint-saved';

export interface TrainOptions {
  workspaceDir: string;
  cacheDir: string;
  resume?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  onEpoch?: (m: EpochMetrics) => void;
  /** Test hook: called after each batch (e.g. to cancel or kill mid-epoch). */
  afterBatch?: (epoch: number, batch: number) => void;
  /** Test hook: called at each fault point of an epoch's end (e.g. to kill the process there). */
  atFaultPoint?: (point: FaultPoint, epoch: number) => void;
  threads?: number;
}

export interface TrainOutcome {
  status: 'completed' | 'cancelled';
  epochs: EpochMetrics[];
  dataWaitShare: number;
}

/** One training batch as a trainer produced it: `n` samples, `index` from 0 within the epoch. */
export interface LoopBatch {
  n: number;
  index: number;
}

/** What the loop needs of a model being trained. */
export interface EpochTrainer<Batch extends LoopBatch = LoopBatch> {
  readonly batchesPerEpoch: number;
  /** Samples per epoch when not one per training image (a head trained on augmented views too). */
  readonly samplesPerEpoch?: number;
  /** The epoch's batches in training order (shuffled and augmented by the trainer, seeded by epoch). */
  batches(epoch: number): AsyncIterable<Batch> | Iterable<Batch>;
  /** One optimizer step; the batch's mean loss and accuracy. */
  trainBatch(batch: Batch, epoch: number): Promise<{ loss: number; accuracy: number }>;
  /** Class probabilities (n·k, in the split's item order) of the val or test split. */
  predict(split: 'val' | 'test', signal?: AbortSignal): Promise<Float32Array>;
  getWeights(): Promise<WeightSet>;
  setWeights(weights: WeightSet): Promise<void>;
  /** The optimizer's state (iterations, moments), saved with `last` so a resume continues exactly. */
  getOptimizerState(): Promise<WeightSet>;
  setOptimizerState(state: WeightSet): Promise<void>;
  /** Milliseconds spent waiting for batches so far (for the data-wait share), if measured. */
  dataWaitMs?(): number;
  dispose(): Promise<void> | void;
}

/** What a trainer is given to set itself up. */
export interface LoopSetup {
  hp: Hyperparameters;
  snapshot: Snapshot;
  train: SnapshotItem[];
  val: SnapshotItem[];
  test: SnapshotItem[];
  /** Progress with the run's constant fields filled in. */
  emit: (p: Pick<TrainProgress, 'phase' | 'epoch'> & Partial<TrainProgress>) => void;
}

/** A trainer ready to run, with what the run row records of its engine. */
export interface PreparedTrainer {
  trainer: EpochTrainer<LoopBatch>;
  backend: BackendName;
  engine: unknown;
}

/**
 * Trains run `runId` with the trainer `prepare` builds. Everything that can fail — preparing, the
 * epochs, the evaluation — is inside the one try, so the run row always ends completed, cancelled or
 * failed (with the error's hint), never left "running".
 */
export async function trainWithLoop(db: Database, runId: number, opts: TrainOptions, prepare: (setup: LoopSetup) => Promise<PreparedTrainer>): Promise<TrainOutcome> {
  let trainer: EpochTrainer<LoopBatch> | null = null;
  try {
    const run = getRun(db, runId);
    const hp = run.hyperparameters;
    const snapshot = loadSnapshot(db, run.snapshotId);
    const dir = runDir(opts.workspaceDir, runId);
    const base = { runId, epochs: hp.epochs, batch: 0, batches: 0, loss: null, accuracy: null, imagesPerSecond: null, etaSeconds: null };
    const emit: LoopSetup['emit'] = (p) => opts.onProgress?.({ ...base, ...p });
    const split = (s: string) => snapshot.items.filter((i) => i.split === s);
    const [train, val, test] = [split('train'), split('val'), split('test')];
    if (train.length === 0) {
      throw new FacetError('invalid-argument', 'The snapshot has no training images.', { field: 'split', hint: 'Give the train split a share, e.g. --split 80/10/10.' });
    }
    emit({ phase: 'preparing', epoch: 0 });
    const prepared = await prepare({ hp, snapshot, train, val, test, emit });
    trainer = prepared.trainer;
    markRunning(db, runId, process.pid, prepared.backend, prepared.engine);

    let meta: CheckpointMeta = { epoch: 0, bestEpoch: null, bestValLoss: null, bestValAccuracy: null, staleEpochs: 0 };
    const last = opts.resume ? loadCheckpoint(dir, 'last') : null;
    if (last) {
      await trainer.setWeights(last.weights);
      // Checkpoints written before the optimizer state was saved have none: the optimizer starts afresh.
      if (last.optimizer.length > 0) await trainer.setOptimizerState(last.optimizer);
      meta = last.meta;
    }

    const labels = (items: SnapshotItem[]) => items.map((i) => i.classIndex);
    const epochs: EpochMetrics[] = [];
    let trainMs = 0;
    for (let epoch = meta.epoch + 1; epoch <= hp.epochs; epoch++) {
      const started = performance.now();
      let seen = 0;
      let lossSum = 0;
      let correctSum = 0;
      let lastEmit = 0;
      const batches = trainer.batchesPerEpoch;
      const perEpoch = trainer.samplesPerEpoch ?? train.length;
      for await (const batch of trainer.batches(epoch)) {
        if (opts.signal?.aborted) throw new CancelledError();
        const r = await trainer.trainBatch(batch, epoch);
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
          const remaining = (batches - batch.index - 1) * hp.batchSize + (hp.epochs - epoch) * perEpoch;
          emit({ phase: 'training', epoch, batch: batch.index + 1, batches, loss: lossSum / seen, accuracy: correctSum / seen, imagesPerSecond: ips, etaSeconds: remaining / ips });
        }
      }
      const trainSeconds = (performance.now() - started) / 1000;
      trainMs += trainSeconds * 1000;

      let valLoss: number | null = null;
      let valAccuracy: number | null = null;
      if (val.length > 0) {
        emit({ phase: 'validating', epoch });
        const m = classificationMetrics(await trainer.predict('val', opts.signal), labels(val), snapshot.classes);
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
      // after it — it never skips a row. (test/reliability/epoch-order.test.ts kills in between.)
      if (improved) saveCheckpoint(dir, 'best', meta, current);
      recordEpoch(db, runId, metrics, improved ? { epoch, valLoss, valAccuracy } : null);
      opts.atFaultPoint?.('epoch-recorded', epoch);
      saveCheckpoint(dir, 'last', meta, current, await trainer.getOptimizerState());
      opts.atFaultPoint?.('checkpoint-saved', epoch);
      epochs.push(metrics);
      opts.onEpoch?.(metrics);
      if (hp.patience > 0 && meta.staleEpochs >= hp.patience) break;
    }

    // Evaluate the best weights on the test split.
    const best = loadCheckpoint(dir, 'best');
    if (best) await trainer.setWeights(best.weights);
    if (test.length > 0) {
      emit({ phase: 'evaluating', epoch: meta.epoch });
      const probs = await trainer.predict('test', opts.signal);
      const k = snapshot.classes.length;
      const m = classificationMetrics(probs, labels(test), snapshot.classes);
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
    emit({ phase: 'done', epoch: meta.epoch });
    const waitMs = trainer.dataWaitMs?.() ?? 0;
    return { status: 'completed', epochs, dataWaitShare: trainMs > 0 ? waitMs / trainMs : 0 };
  } catch (error) {
    if (error instanceof CancelledError) {
      finishRun(db, runId, 'cancelled');
      return { status: 'cancelled', epochs: [], dataWaitShare: 0 };
    }
    // The row keeps what to do, not only what went wrong (the job's event carries the whole payload).
    finishRun(db, runId, 'failed', formatError(toErrorPayload(error)));
    throw error;
  } finally {
    await trainer?.dispose();
  }
}
