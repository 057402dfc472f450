// A short measured calibration of training and prediction speed: a few real steps of the engine on
// synthetic pixels (speed does not depend on their values). Steps run on worker replicas, never on
// the caller's thread, so an app's event loop stays free while it measures.
import { availableParallelism } from 'node:os';
import { loadEngine } from './load-engine.js';
import { LocalStepTrainer } from './local-trainer.js';
import { ParallelStepTrainer } from './parallel-trainer.js';
import type { BackendName, StepTrainer, TrainerSpec } from './types.js';

export interface EngineSpeed {
  backend: BackendName;
  threads: number;
  /** Training images per second at `batchSize` (steady state, after a warm-up). */
  trainImagesPerSecond: number;
  predictImagesPerSecond: number;
}

export interface MeasureOptions {
  batchSize: number;
  /** Stop timing once this much time went by (at least `minSteps` steps are timed). */
  budgetMs?: number;
  minSteps?: number;
  threads?: number;
}

async function trainerFor(spec: TrainerSpec, threads: number | undefined): Promise<StepTrainer> {
  const engine = await loadEngine({ prefer: spec.engine?.prefer ?? 'auto' });
  // The native engine threads itself and runs in the calling thread (like createStepTrainer).
  if (engine.info.backend === 'tensorflow') return LocalStepTrainer.create(engine, spec);
  const t = Math.max(1, Math.floor(threads ?? (engine.info.backend === 'wasm' ? availableParallelism() : 1)));
  return ParallelStepTrainer.create(engine.info, spec, t);
}

/** Measures `spec` on `[h, w, c]` images with as many threads as a run would use. */
export async function measureSpeed(spec: TrainerSpec, imageShape: [number, number, number], numClasses: number, opts: MeasureOptions): Promise<EngineSpeed> {
  const n = opts.batchSize;
  const budget = opts.budgetMs ?? 1500;
  const minSteps = opts.minSteps ?? 1;
  const x = new Float32Array(n * imageShape[0] * imageShape[1] * imageShape[2]);
  for (let i = 0; i < x.length; i++) x[i] = (i * 2654435761) >>> 24;
  const y = Int32Array.from({ length: n }, (_, i) => i % numClasses);
  const trainer = await trainerFor(spec, opts.threads);
  try {
    const rate = async (step: () => Promise<unknown>) => {
      await step(); // warm-up: compilation, first allocations
      let steps = 0;
      const start = performance.now();
      while (steps < minSteps || (performance.now() - start < budget && steps < 50)) {
        await step();
        steps++;
      }
      return (steps * n) / ((performance.now() - start) / 1000);
    };
    const trainImagesPerSecond = await rate(() => trainer.trainBatch(x, y, n));
    const predictImagesPerSecond = await rate(() => trainer.predictBatch(x, n));
    return { backend: trainer.info.backend, threads: trainer.info.threads, trainImagesPerSecond, predictImagesPerSecond };
  } finally {
    await trainer.dispose();
  }
}
