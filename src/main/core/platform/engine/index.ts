// Public API of the training engine: load an engine, train a model step by step.
export { loadEngine } from './load-engine.js';
export { createStepTrainer } from './create-step-trainer.js';
export { registerFastKernels } from './kernels/register.js';
export type {
  BackendName, BatchResult, Engine, EngineInfo, EnginePreference, LoadEngineOptions, OptimizerSpec,
  StepTrainer, Tf, TrainerSpec, WeightSet,
} from './types.js';
export { measureSpeed, type EngineSpeed, type MeasureOptions } from './measure-speed.js';
export { ENGINE_REVISION, SpeedCache } from './speed-cache.js';
