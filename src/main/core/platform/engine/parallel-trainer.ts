// Data-parallel StepTrainer: one full model replica per worker thread. Each batch is split into
// contiguous shards; every worker computes the gradient of its shard's mean loss times its share
// of the batch (count/n) into its slot of a SharedArrayBuffer; then every worker sums the same
// slots and applies the same optimizer update, so the replicas stay identical. The update rides on
// the next step's request (one round trip per step); any other call applies it first.
import type { BatchResult, EngineInfo, StepTrainer, TrainerSpec, WeightSet } from './types.js';
import { ThreadWorker } from './thread-worker.js';
import type { PendingUpdate, SharedBuffers, WorkerReply, WorkerRequest } from './worker-protocol.js';
import { replicaWorkerUrl } from './worker-url.js';

/** One replica's thread; `index` is its gradient slot. */
class ReplicaWorker extends ThreadWorker<WorkerRequest, WorkerReply> {
  constructor(readonly index: number, backend: string) {
    super(replicaWorkerUrl(), { backend }, `Training worker ${index}`);
  }

  override terminate(): Promise<void> {
    return super.terminate('This trainer was disposed.');
  }
}

function expect<T extends WorkerReply['type']>(reply: WorkerReply, type: T): Extract<WorkerReply, { type: T }> {
  if (reply.type !== type) throw new Error(`Training worker answered '${reply.type}' where '${type}' was expected.`);
  return reply as Extract<WorkerReply, { type: T }>;
}

export class ParallelStepTrainer implements StepTrainer {
  private buffers: SharedBuffers | undefined;
  private capacity = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  /** The last step's update, not yet applied by the replicas. */
  private pending: PendingUpdate | undefined;
  private step = 0;
  /** The last training step's wall time and each shard's worker busy time (the rest is the barrier). */
  lastStep: { wallMs: number; busyMs: number[] } | undefined;
  /**
   * Set when a step failed half-way or a worker died: the replicas may then disagree, so no
   * further call runs.
   */
  private broken: Error | undefined;

  private constructor(
    readonly info: EngineInfo,
    private readonly workers: ReplicaWorker[],
    private readonly parameterCount: number,
    private readonly pixels: number,
    private readonly numClasses: number,
  ) {}

  static async create(engineInfo: EngineInfo, spec: TrainerSpec, threads: number): Promise<ParallelStepTrainer> {
    const workers = Array.from({ length: threads }, (_, i) => new ReplicaWorker(i, engineInfo.backend));
    try {
      const replies = await Promise.all(workers.map((w, slot) => w.call({
        type: 'init', modelJson: spec.modelJson, optimizer: spec.optimizer, slot,
        ...(spec.initialWeights === undefined ? {} : { initialWeights: spec.initialWeights }),
      })));
      const ready = expect(replies[0]!, 'ready');
      const [h, w, c] = ready.imageShape;
      const info: EngineInfo = {
        ...engineInfo,
        threads,
        reason: `${engineInfo.reason} Batches are split across ${threads} worker threads (data parallel).`,
      };
      return new ParallelStepTrainer(info, workers, ready.parameterCount, h * w * c, ready.numClasses);
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw error;
    }
  }

  /** Runs calls one at a time: a step must finish on every replica before the next starts. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    if (this.disposed) return Promise.reject(new Error('This trainer was disposed.'));
    this.broken ??= this.workers.find((w) => w.failed !== undefined)?.failed;
    if (this.broken !== undefined) {
      return Promise.reject(new Error(`This trainer stopped after a failed step (${this.broken.message}); create a new one from the last weights.`));
    }
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private all(request: WorkerRequest): Promise<WorkerReply[]> {
    return Promise.all(this.workers.map((w) => w.call(request)));
  }

  /** Applies the last step's update on every replica if it is still pending. */
  private async flush(): Promise<void> {
    const update = this.pending;
    if (update === undefined) return;
    this.pending = undefined;
    await this.all({ type: 'apply', update });
  }

  /** Copies the batch into shared memory (growing it when needed). */
  private async stage(x: Float32Array, y: Int32Array | undefined, n: number): Promise<void> {
    if (x.length < n * this.pixels) throw new Error(`Expected ${n * this.pixels} input values for ${n} images, got ${x.length}.`);
    if (this.buffers === undefined || n > this.capacity) {
      const capacity = Math.max(n, 1);
      this.buffers = {
        x: new SharedArrayBuffer(capacity * this.pixels * 4),
        y: new SharedArrayBuffer(capacity * 4),
        grads: this.buffers?.grads ?? new SharedArrayBuffer(2 * this.workers.length * this.parameterCount * 4),
      };
      this.capacity = capacity;
      await this.all({ type: 'buffers', buffers: this.buffers });
    }
    new Float32Array(this.buffers.x, 0, n * this.pixels).set(x.subarray(0, n * this.pixels));
    if (y !== undefined) new Int32Array(this.buffers.y, 0, n).set(y.subarray(0, n));
  }

  /** Contiguous shards, sizes differing by at most one; empty shards are left out. */
  private shards(n: number): { worker: ReplicaWorker; start: number; count: number }[] {
    const t = this.workers.length;
    const out: { worker: ReplicaWorker; start: number; count: number }[] = [];
    let start = 0;
    for (let i = 0; i < t; i++) {
      const count = Math.floor(n / t) + (i < n % t ? 1 : 0);
      if (count > 0) out.push({ worker: this.workers[i]!, start, count });
      start += count;
    }
    return out;
  }

  trainBatch(x: Float32Array, y: Int32Array, n: number): Promise<BatchResult> {
    return this.serial(async () => {
      const started = performance.now();
      if (y.length < n) throw new Error(`Expected ${n} labels, got ${y.length}.`);
      await this.stage(x, y, n);
      const shards = this.shards(n);
      const bank = this.step++ % 2;
      const applyFirst = this.pending;
      this.pending = undefined;
      // Workers without a shard this time still apply the previous update.
      const idle = this.workers.filter((w) => !shards.some((s) => s.worker === w));
      const [replies] = await Promise.all<[Promise<WorkerReply[]>, Promise<unknown>]>([
        Promise.all(shards.map((s) => s.worker.call({
          type: 'gradients', start: s.start, count: s.count, weight: s.count / n, bank,
          ...(applyFirst === undefined ? {} : { applyFirst }),
        }))),
        applyFirst === undefined ? Promise.resolve() : Promise.all(idle.map((w) => w.call({ type: 'apply', update: applyFirst }))),
      ]).catch((error: unknown) => {
        this.broken = error instanceof Error ? error : new Error(String(error));
        throw error;
      });
      let loss = 0;
      let correct = 0;
      const busyMs: number[] = [];
      replies.forEach((reply, i) => {
        const r = expect(reply, 'gradients');
        loss += r.loss * shards[i]!.count / n;
        correct += r.correct;
        busyMs.push(r.busyMs);
      });
      this.lastStep = { wallMs: performance.now() - started, busyMs };
      this.pending = { bank, slots: shards.map((s) => s.worker.index) };
      return { loss, accuracy: correct / n };
    });
  }

  predictBatch(x: Float32Array, n: number): Promise<Float32Array> {
    return this.serial(async () => {
      await this.flush();
      await this.stage(x, undefined, n);
      const shards = this.shards(n);
      const replies = await Promise.all(shards.map((s) => s.worker.call({ type: 'predict', start: s.start, count: s.count })));
      const out = new Float32Array(n * this.numClasses);
      replies.forEach((reply, i) => out.set(expect(reply, 'predictions').probabilities, shards[i]!.start * this.numClasses));
      return out;
    });
  }

  getWeights(): Promise<WeightSet> {
    return this.serial(async () => {
      await this.flush();
      return expect(await this.workers[0]!.call({ type: 'getWeights' }), 'weights').weights;
    });
  }

  setWeights(weights: WeightSet): Promise<void> {
    return this.serial(async () => {
      await this.flush();
      await this.all({ type: 'setWeights', weights });
    });
  }

  getOptimizerState(): Promise<WeightSet> {
    return this.serial(async () => {
      await this.flush();
      return expect(await this.workers[0]!.call({ type: 'getOptimizerState' }), 'weights').weights;
    });
  }

  setOptimizerState(state: WeightSet): Promise<void> {
    return this.serial(async () => {
      await this.flush();
      await this.all({ type: 'setOptimizerState', state });
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    // A call still in flight is rejected ("disposed") rather than waited for: it may never end.
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
