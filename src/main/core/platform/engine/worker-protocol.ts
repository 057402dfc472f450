// Messages between a data-parallel trainer and its replica workers.
import type { OptimizerSpec, WeightSet } from './types.js';

/** Shared memory the parent and all workers see: the batch and one gradient slot per worker. */
export interface SharedBuffers {
  /** Batch images, n·h·w·c floats. */
  x: SharedArrayBuffer;
  /** Batch labels. */
  y: SharedArrayBuffer;
  /**
   * 2 banks × threads × parameterCount floats: in step k worker i writes its weighted gradient to
   * bank k%2, slot i. Two banks let a fast worker write step k+1 while a slower one still reads
   * (applies) step k.
   */
  grads: SharedArrayBuffer;
}

export type WorkerRequest =
  | { type: 'init'; modelJson: unknown; optimizer: OptimizerSpec; initialWeights?: WeightSet; slot: number }
  | { type: 'buffers'; buffers: SharedBuffers }
  /**
   * First apply `applyFirst` (the previous step's update, if still pending), then write the
   * gradient of (shard mean loss)·weight for images [start, start+count) into bank/slot.
   */
  | { type: 'gradients'; start: number; count: number; weight: number; bank: number; applyFirst?: PendingUpdate }
  /** Sum the listed gradient slots of a bank and apply one optimizer step. */
  | { type: 'apply'; update: PendingUpdate }
  | { type: 'predict'; start: number; count: number }
  | { type: 'getWeights' }
  | { type: 'setWeights'; weights: WeightSet }
  | { type: 'getOptimizerState' }
  | { type: 'setOptimizerState'; state: WeightSet };

export interface PendingUpdate { bank: number; slots: number[] }

export type WorkerReply =
  | { type: 'ready'; parameterCount: number; imageShape: [number, number, number]; numClasses: number; tfjsVersion: string }
  /** busyMs: the worker's own time on this request (the pending update and the gradients). */
  | { type: 'gradients'; loss: number; correct: number; busyMs: number }
  | { type: 'done' }
  | { type: 'predictions'; probabilities: Float32Array }
  | { type: 'weights'; weights: WeightSet };
