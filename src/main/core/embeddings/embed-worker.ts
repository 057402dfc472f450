// Worker thread holding one pixel backbone for the parallel embedding pass (backbone-pool.ts): it
// loads the backbone once, then embeds the batches it is handed, one at a time.
import { isMainThread, workerData } from 'node:worker_threads';
import type { BackendName } from '../platform/engine/types.js';
import { serveRequests } from '../platform/engine/thread-worker.js';
import { loadBackbone, type LocalBackbone, type PixelBackboneName } from './backbones.js';

if (isMainThread) throw new Error('embed-worker must run in a worker thread.');

export type EmbedWorkerRequest = { type: 'load' } | { type: 'embed'; pixels: Uint8Array; n: number };
export type EmbedWorkerReply = { type: 'loaded'; backend: string } | { type: 'vectors'; data: Float32Array };

const { backbone: name, backend } = workerData as { backbone: PixelBackboneName; backend: BackendName };
let backbone: LocalBackbone | undefined;

serveRequests<EmbedWorkerRequest, EmbedWorkerReply>(async (request) => {
  if (request.type === 'load') {
    backbone ??= await loadBackbone(name, backend);
    return { type: 'loaded', backend: backbone.backend };
  }
  if (backbone === undefined) throw new Error('The embedding worker was asked to embed before loading its backbone.');
  // A copy of our own: the engine's array may be a view it still owns, and the reply moves its buffer.
  return { type: 'vectors', data: (await backbone.embedFlat(request.pixels, request.n)).slice() };
}, (reply) => (reply.type === 'vectors' ? [reply.data.buffer as ArrayBuffer] : []));
