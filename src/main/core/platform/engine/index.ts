// Public API of the training engine: load an engine, train a model step by step.
export { loadEngine } from './load-engine.js';
export { createStepTrainer } from './create-step-trainer.js';
export { registerFastKernels } from './kernels/register.js';
export type {
  BackendName, BatchResult, Engine, EngineInfo, EnginePreference, LoadEngineOptions, OptimizerSpec,
  StepTrainer, Tf, TrainerSpec, WeightSet,
} from './types.js';
export { measureSpeed, type EngineSpeed, type MeasureOptions } from './measure-speed.js';
/**
 * Facet's own kernels change what a step costs: bumped when they do, so that speeds measured and
 * cached with an older engine (the run estimate's calibration) are measured again.
 */
export const ENGINE_REVISION = 2;
