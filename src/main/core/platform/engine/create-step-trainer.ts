// Entry point for the training engine: a StepTrainer on the best engine available.
import { availableParallelism } from 'node:os';
import { loadEngine } from './load-engine.js';
import { LocalStepTrainer } from './local-trainer.js';
import { ParallelStepTrainer } from './parallel-trainer.js';
import type { StepTrainer, TrainerSpec } from './types.js';

/**
 * wasm (and cpu) train data-parallel on `threads` worker replicas (default: all cores); with one
 * thread, or on the native engine (which threads itself and loads in one thread per process), the
 * model trains in the calling thread.
 */
export async function createStepTrainer(spec: TrainerSpec): Promise<StepTrainer> {
  const engine = await loadEngine({ prefer: spec.engine?.prefer ?? 'auto' });
  const native = engine.info.backend === 'tensorflow';
  const threads = native ? 1 : Math.max(1, Math.floor(spec.threads ?? (engine.info.backend === 'wasm' ? availableParallelism() : 1)));
  if (threads === 1) return LocalStepTrainer.create(engine, spec);
  return ParallelStepTrainer.create(engine.info, spec, threads);
}
