// Messages between a data-parallel trainer and its replica workers.
import type { OptimizerSpec, WeightSet } from './types.js';

/** Shared memory the parent and all workers see: the batch and one gradient slot per worker. */
export interface SharedBuffers {
  /** Batch images, n·h·w·c floats. */
  x: SharedArrayBuffer;
  /** Batch labels. */
  y: SharedArrayBuffer;
  /** threads × parameterCount floats: worker i writes its weighted gradient at slot i. */
  grads: SharedArrayBuffer;
}

export type WorkerRequest =
  | { type: 'init'; modelJson: unknown; optimizer: OptimizerSpec; initialWeights?: WeightSet; slot: number }
  | { type: 'buffers'; buffers: SharedBuffers }
  /** Gradient of (shard mean loss)·weight for images [start, start+count) into this worker's slot. */
  | { type: 'gradients'; start: number; count: number; weight: number }
  /** Sum the gradient slots listed and apply one optimizer step. */
  | { type: 'apply'; slots: number[] }
  | { type: 'predict'; start: number; count: number }
  | { type: 'getWeights' }
  | { type: 'setWeights'; weights: WeightSet }
  | { type: 'getOptimizerState' }
  | { type: 'setOptimizerState'; state: WeightSet };

export type WorkerReply =
  | { type: 'ready'; parameterCount: number; imageShape: [number, number, number]; numClasses: number; tfjsVersion: string }
  | { type: 'gradients'; loss: number; correct: number }
  | { type: 'done' }
  | { type: 'predictions'; probabilities: Float32Array }
  | { type: 'weights'; weights: WeightSet };

export interface RequestEnvelope { id: number; request: WorkerRequest }
export type ReplyEnvelope = { id: number; ok: true; reply: WorkerReply } | { id: number; ok: false; error: string };
