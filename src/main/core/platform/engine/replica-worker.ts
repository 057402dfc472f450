// Worker thread holding one model replica for data-parallel training (see parallel-trainer.ts).
import { isMainThread, workerData } from 'node:worker_threads';
import { loadEngine } from './load-engine.js';
import { Replica } from './replica.js';
import type { BackendName, Tf } from './types.js';
import { serveRequests } from './thread-worker.js';
import type { PendingUpdate, SharedBuffers, WorkerReply, WorkerRequest } from './worker-protocol.js';

if (isMainThread) throw new Error('replica-worker must run in a worker thread.');
const { backend } = workerData as { backend: BackendName };

let tf: Tf | undefined;
let replica: Replica | undefined;
let slot = 0;
let buffers: SharedBuffers | undefined;

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`Worker received a request before ${what}.`);
  return value;
}

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  switch (request.type) {
    case 'init': {
      const engine = await loadEngine({ prefer: backend });
      tf = engine.tf;
      replica = await Replica.create(tf, request.modelJson, request.optimizer, request.initialWeights);
      slot = request.slot;
      return {
        type: 'ready', parameterCount: replica.parameterCount, imageShape: replica.imageShape,
        numClasses: replica.numClasses, tfjsVersion: tf.version.tfjs,
      };
    }
    case 'buffers':
      buffers = request.buffers;
      return { type: 'done' };
    case 'gradients': {
      const started = performance.now();
      const r = need(replica, 'init');
      const b = need(buffers, 'buffers');
      if (request.applyFirst !== undefined) apply(r, b, request.applyFirst);
      const pixels = r.imageShape[0] * r.imageShape[1] * r.imageShape[2];
      const x = new Float32Array(b.x, request.start * pixels * 4, request.count * pixels);
      const y = new Int32Array(b.y, request.start * 4, request.count);
      const { loss, correct, grads } = r.computeGradients(x, y, request.count, request.weight);
      r.writeFlat(grads, gradientSlot(r, b, request.bank, slot));
      need(tf, 'init').dispose(grads);
      return { type: 'gradients', loss, correct, busyMs: performance.now() - started };
    }
    case 'apply':
      apply(need(replica, 'init'), need(buffers, 'buffers'), request.update);
      return { type: 'done' };
    case 'predict': {
      const r = need(replica, 'init');
      const b = need(buffers, 'buffers');
      const pixels = r.imageShape[0] * r.imageShape[1] * r.imageShape[2];
      const x = new Float32Array(b.x, request.start * pixels * 4, request.count * pixels);
      return { type: 'predictions', probabilities: r.predictBatch(x, request.count) };
    }
    case 'getWeights':
      return { type: 'weights', weights: need(replica, 'init').getWeights() };
    case 'setWeights':
      need(replica, 'init').setWeights(request.weights);
      return { type: 'done' };
    case 'getOptimizerState':
      return { type: 'weights', weights: await need(replica, 'init').getOptimizerState() };
    case 'setOptimizerState':
      await need(replica, 'init').setOptimizerState(request.state);
      return { type: 'done' };
  }
}

function gradientSlot(r: Replica, b: SharedBuffers, bank: number, index: number): Float32Array {
  const threads = b.grads.byteLength / 4 / 2 / r.parameterCount;
  return new Float32Array(b.grads, (bank * threads + index) * r.parameterCount * 4, r.parameterCount);
}

function apply(r: Replica, b: SharedBuffers, update: PendingUpdate): void {
  r.applyFlat(update.slots.map((s) => gradientSlot(r, b, update.bank, s)));
}

// One request at a time, in arrival order; predictions move back without a copy.
serveRequests<WorkerRequest, WorkerReply>(handle, (reply) => (reply.type === 'predictions' ? [reply.probabilities.buffer as ArrayBuffer] : []));
