// A pixel backbone on every core: N worker threads (embed-worker.ts), each loading the backbone once
// and embedding one batch at a time; a batch goes to the first idle worker. The WebAssembly engine
// runs XNNPACK on one thread under Node (load-engine.ts), so threads are how an embedding pass uses
// more than one core. Every worker runs the same engine on the same batch as one thread would, so
// the vectors are the same. The native engine (tfjs-node) threads itself: it stays in this thread.
import { availableParallelism } from 'node:os';
import { FacetError } from '../../../shared/errors.js';
import { loadEngine } from '../platform/engine/index.js';
import { ThreadWorker } from '../platform/engine/thread-worker.js';
import type { BackendName } from '../platform/engine/types.js';
import { workerUrl } from '../platform/engine/worker-url.js';
import { BACKBONE_SPECS, loadBackbone, splitVectors, type Backbone, type BackboneSpec, type PixelBackboneName } from './backbones.js';
import type { EmbedWorkerReply, EmbedWorkerRequest } from './embed-worker.js';

/**
 * Default ceiling on worker threads: each holds its own copy of the model and its activations.
 * Measured with `facet embed` on the 600-image demo, batches of 8, largest resident set of the job
 * process: mobilenet 386 MB on one thread, 712 MB on two (~330 MB per worker); centernet 278 and
 * 496 MB (~220 MB per worker). And a laptop's cores beyond four are often slower efficiency cores.
 * More threads only help where cores are free: Linux's autogroup scheduler shares a busy machine's
 * CPU per session, not per thread (2026-12-06, load 10–20 from other sessions: 2 threads were no
 * faster than 1; with one other busy process, 30.7 s against 35.2 s for mobilenet).
 */
export const MAX_EMBED_THREADS = 4;
/** Environment variable that sets the thread count (1: embed in the job's own thread, as before). */
export const EMBED_THREADS_ENV = 'FACET_EMBED_THREADS';

/** Threads for an embedding pass: `requested`, else $FACET_EMBED_THREADS, else the cores (at most MAX_EMBED_THREADS). */
export function embeddingThreads(requested?: number, env: NodeJS.ProcessEnv = process.env): number {
  if (requested !== undefined) return Math.max(1, Math.floor(requested));
  const raw = env[EMBED_THREADS_ENV];
  if (raw !== undefined && raw.trim() !== '') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 64) {
      throw new FacetError('invalid-argument', `${EMBED_THREADS_ENV} must be a whole number from 1 to 64, not "${raw}".`, {
        field: EMBED_THREADS_ENV,
        hint: `Unset it to embed on every core (up to ${MAX_EMBED_THREADS}), or set it to 1 to embed on one thread.`,
      });
    }
    return n;
  }
  return Math.max(1, Math.min(availableParallelism(), MAX_EMBED_THREADS));
}

/**
 * The backbone for a pass: a pool of `threads` workers, or this thread with one thread (unless
 * `offThread`: a UI or server process keeps its event loop free) and on the native engine (which
 * threads itself and loads in one thread per process). Dispose it when done: that stops the workers.
 */
export async function openBackbone(name: PixelBackboneName, opts: { threads: number; offThread?: boolean }): Promise<Backbone> {
  const { info } = await loadEngine();
  if (info.backend === 'tensorflow' || (opts.threads <= 1 && !opts.offThread)) return loadBackbone(name);
  return BackbonePool.open(name, info.backend, Math.max(1, Math.floor(opts.threads)));
}

type EmbedWorker = ThreadWorker<EmbedWorkerRequest, EmbedWorkerReply>;

let liveWorkers = 0;

/** Embedding worker threads of this process still running (0 once every pass has stopped its own). */
export function runningEmbeddingWorkers(): number {
  return liveWorkers;
}

function startWorker(url: URL, name: PixelBackboneName, backend: BackendName, index: number): EmbedWorker {
  const worker: EmbedWorker = new ThreadWorker(url, { backbone: name, backend }, `Embedding worker ${index + 1}`);
  liveWorkers++;
  void worker.exited.then(() => liveWorkers--);
  return worker;
}

class BackbonePool implements Backbone {
  private readonly idle: EmbedWorker[];
  private readonly waiting: { resolve(w: EmbedWorker): void; reject(e: Error): void }[] = [];
  private disposed = false;

  private constructor(readonly spec: BackboneSpec, readonly backend: string, private readonly workers: EmbedWorker[]) {
    this.idle = [...workers];
  }

  get threads(): number {
    return this.workers.length;
  }

  static async open(name: PixelBackboneName, backend: BackendName, threads: number): Promise<BackbonePool> {
    const url = workerUrl(import.meta.url, './embed-worker.js');
    const workers = Array.from({ length: threads }, (_, i) => startWorker(url, name, backend, i));
    try {
      const replies = await Promise.all(workers.map((w) => w.call({ type: 'load' })));
      const loaded = replies[0]!.type === 'loaded' ? replies[0]!.backend : backend;
      return new BackbonePool(BACKBONE_SPECS[name], loaded, workers);
    } catch (error) {
      await Promise.all(workers.map(async (w) => {
        await w.terminate();
        await w.exited;
      }));
      throw error;
    }
  }

  private acquire(): Promise<EmbedWorker> {
    if (this.disposed) return Promise.reject(new Error('The embedding workers were stopped.'));
    const worker = this.idle.pop();
    if (worker) return Promise.resolve(worker);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private release(worker: EmbedWorker): void {
    const next = this.waiting.shift();
    if (next) next.resolve(worker);
    else this.idle.push(worker);
  }

  async embed(pixels: Uint8Array, n: number): Promise<Float32Array[]> {
    const worker = await this.acquire();
    try {
      // A copy the worker can own: the caller's buffer stays usable here.
      const own = new Uint8Array(pixels);
      const reply = await worker.call({ type: 'embed', pixels: own, n }, [own.buffer]);
      if (reply.type !== 'vectors') throw new Error(`Embedding worker answered '${reply.type}' where 'vectors' was expected.`);
      return splitVectors(reply.data, n);
    } finally {
      this.release(worker);
    }
  }

  /** Stops every worker at once; a batch in flight is rejected. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const w of this.waiting.splice(0)) w.reject(new Error('The embedding workers were stopped.'));
    await Promise.all(this.workers.map(async (w) => {
      await w.terminate('The embedding workers were stopped.');
      await w.exited;
    }));
  }
}
