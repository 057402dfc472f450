// Types shared by the engine loader, the step trainers and their workers.
import type * as tfjs from '@tensorflow/tfjs';

/** The tfjs module object (from @tensorflow/tfjs or @tensorflow/tfjs-node: same API). */
export type Tf = typeof tfjs;

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type EnginePreference = 'auto' | BackendName;

export interface EngineInfo {
  backend: BackendName;
  /** Plain sentence saying why this backend runs. */
  reason: string;
  tfjsVersion: string;
  /** Threads doing the maths (for a step trainer: the number of data-parallel replicas). */
  threads: number;
  /** When the native engine is missing: how to get it. */
  nativeHint?: string;
  warning?: string;
}

export interface LoadEngineOptions {
  prefer?: EnginePreference;
  threads?: number;
}

export interface Engine {
  tf: Tf;
  info: EngineInfo;
}

export type WeightSet = { name: string; shape: number[]; data: Float32Array }[];

export interface OptimizerSpec {
  name: 'adam' | 'sgd' | 'rmsprop';
  learningRate: number;
}

export interface TrainerSpec {
  /** `model.toJSON(null, false)`: the layers topology. */
  modelJson: unknown;
  initialWeights?: WeightSet;
  optimizer: OptimizerSpec;
  /** Default: all cores for wasm, 1 for tensorflow (libtensorflow threads itself). */
  threads?: number;
  engine?: { prefer?: EnginePreference };
}

export interface BatchResult {
  loss: number;
  accuracy: number;
}

export interface StepTrainer {
  readonly info: EngineInfo;
  /** x: NHWC n·h·w·c raw 0..255 values; y: class index per image. */
  trainBatch(x: Float32Array, y: Int32Array, n: number): Promise<BatchResult>;
  /** n·numClasses probabilities. */
  predictBatch(x: Float32Array, n: number): Promise<Float32Array>;
  getWeights(): Promise<WeightSet>;
  setWeights(w: WeightSet): Promise<void>;
  /** Optimizer slots (Adam moments, step count...) for resuming a run. */
  getOptimizerState(): Promise<WeightSet>;
  setOptimizerState(state: WeightSet): Promise<void>;
  dispose(): Promise<void>;
}
