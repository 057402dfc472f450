// Streams batches from the pixel cache: shuffled per epoch with the run's seed, augmented per image,
// and the next batch read while the current one trains.
import type { Augmentation } from '../../../shared/hyperparameters.js';
import { hashString, mulberry32, shuffleInPlace } from '../platform/random.js';
import { augmentImage, isIdentity } from './augment.js';
import type { PixelCache } from '../platform/engine/pixel-cache.js';

export interface Sample {
  hash: string;
  label: number;
}

export interface Batch {
  index: number;
  n: number;
  x: Float32Array;
  y: Int32Array;
  /** Positions of the batch's samples in the sample list (for per-image predictions). */
  positions: number[];
}

export interface StreamOptions {
  batchSize: number;
  shuffle: boolean;
  seed: number;
  augmentation?: Augmentation;
}

export class BatchStream {
  /** Milliseconds the consumer waited for data in the current epoch (the rest overlapped training). */
  waitMs = 0;

  constructor(
    private readonly cache: PixelCache,
    private readonly samples: Sample[],
    private readonly options: StreamOptions,
  ) {}

  get batchesPerEpoch(): number {
    return Math.ceil(this.samples.length / this.options.batchSize);
  }

  get size(): number {
    return this.samples.length;
  }

  /** The sample order of an epoch: a pure function of (seed, epoch). */
  order(epoch: number): number[] {
    const order = this.samples.map((_, i) => i);
    if (this.options.shuffle) shuffleInPlace(order, mulberry32(hashString(`shuffle:${this.options.seed}:${epoch}`)));
    return order;
  }

  async *epoch(epoch: number, startBatch = 0): AsyncGenerator<Batch> {
    this.waitMs = 0;
    const order = this.order(epoch);
    const total = this.batchesPerEpoch;
    let next = startBatch < total ? this.load(epoch, order, startBatch) : null;
    for (let b = startBatch; b < total; b++) {
      const waitStart = performance.now();
      const batch = await next!;
      this.waitMs += performance.now() - waitStart;
      next = b + 1 < total ? this.load(epoch, order, b + 1) : null;
      yield batch;
    }
  }

  private async load(epoch: number, order: number[], b: number): Promise<Batch> {
    const { batchSize, augmentation } = this.options;
    const positions = order.slice(b * batchSize, (b + 1) * batchSize);
    const n = positions.length;
    const per = this.cache.bytesPerImage;
    const raw = new Uint8Array(n * per);
    await Promise.all(positions.map((p, i) => this.cache.read(this.samples[p]!.hash, raw.subarray(i * per, (i + 1) * per))));
    const x = new Float32Array(n * per);
    for (let i = 0; i < x.length; i++) x[i] = raw[i]!;
    const y = new Int32Array(n);
    positions.forEach((p, i) => (y[i] = this.samples[p]!.label));
    if (augmentation && !isIdentity(augmentation)) {
      const random = mulberry32(hashString(`augment:${this.options.seed}:${epoch}:${b}`));
      const scratch = new Float32Array(per);
      for (let i = 0; i < n; i++) {
        augmentImage(x.subarray(i * per, (i + 1) * per), this.cache.size, this.cache.channels, augmentation, random, scratch);
      }
    }
    return { index: b, n, x, y, positions };
  }
}
