// An honest estimate of a run's duration before it starts: the engine's measured speed for these
// settings on this machine (a few real steps, or the figure cached in the workspace) times the
// images the run will see, plus a faster image size to offer when the run is long. A transfer run:
// the embedding it does first (embeddings/embed-speed.ts) plus its head's epochs (head-speed.ts).
import { roughDuration, type EmbeddingEstimate, type RunEstimate } from '../../../shared/estimate.js';
import { CheckedHyperparametersSchema, minImageSize, type Hyperparameters, type HyperparametersInput } from '../../../shared/hyperparameters.js';
import { FacetError } from '../../../shared/errors.js';
import { listClasses } from '../datasets/queries.js';
import { embeddingThreads } from '../embeddings/backbone-pool.js';
import { BACKBONE_SPECS } from '../embeddings/backbones.js';
import { calibrateEmbedSpeed, embedSpeedKey, type EmbedSpeed } from '../embeddings/embed-speed.js';
import { loadEngine, measureSpeed, SpeedCache, type EngineSpeed } from '../platform/engine/index.js';
import type { Database } from '../platform/store/db.js';
import { measureHeadSpeed, type HeadSpeed } from './head-speed.js';
import { buildSeedCnn } from './model.js';
import { embeddingSeconds, headSeconds, transferText, transferWork } from './transfer-estimate.js';

/** A run longer than this gets a faster image size offered. */
export const LONG_RUN_SECONDS = 20 * 60;
/** The size offered instead of a long run's (the seed's quick preset). */
export const FASTER_IMAGE_SIZE = 64;
/** Images per embedding batch (embed.ts's default): the pass uses no more threads than batches. */
const EMBED_BATCH = 8;

function speedKey(hp: Hyperparameters, imageSize: number, backend: string): string {
  return [backend, imageSize, hp.colorMode, hp.padding, hp.filters.join('-'), hp.denseUnits, hp.batchSize].join('/');
}

function headKey(hp: Hyperparameters, dims: number, backend: string): string {
  return ['head', backend, dims, hp.denseUnits, hp.batchSize, hp.optimizer].join('/');
}

export interface EstimateOptions {
  workspaceDir: string;
  /** Measure again even when the workspace has a figure for this machine. */
  fresh?: boolean;
  /** Timed part of each calibration (default 1.5 s after one warm-up step). */
  budgetMs?: number;
  /** A run longer than this gets a faster size offered (default LONG_RUN_SECONDS). */
  longRunSeconds?: number;
}

export class RunEstimator {
  /** Calibrations in flight, so that concurrent callers share one. */
  private readonly pending = new Map<string, Promise<object>>();
  private readonly cache: SpeedCache;

  constructor(private readonly db: Database, private readonly opts: EstimateOptions) {
    this.cache = new SpeedCache(opts.workspaceDir);
  }

  /** The cached figure for `key`, else `measure()` (shared by concurrent callers) kept in the cache. */
  private async figure<T extends object>(key: string, fresh: boolean, measure: () => Promise<T>): Promise<{ speed: T; cached: boolean }> {
    const hit = this.cache.get<T>(key);
    if (hit && !fresh) return { speed: hit, cached: true };
    let measuring = this.pending.get(key) as Promise<T> | undefined;
    if (measuring === undefined) {
      measuring = measure().finally(() => this.pending.delete(key));
      this.pending.set(key, measuring);
    }
    const speed = await measuring;
    this.cache.set(key, speed);
    return { speed, cached: false };
  }

  private async speed(hp: Hyperparameters, imageSize: number, numClasses: number, fresh: boolean): Promise<{ speed: EngineSpeed; cached: boolean }> {
    const { tf, info } = await loadEngine();
    return this.figure(speedKey(hp, imageSize, info.backend), fresh, () => {
      const channels = hp.colorMode === 'rgb' ? 3 : 1;
      const model = buildSeedCnn(tf, {
        imageSize, channels, numClasses, filters: hp.filters, denseUnits: hp.denseUnits, dropout: hp.dropout, seed: hp.seed, padding: hp.padding,
      });
      const modelJson = model.toJSON(null, false);
      model.dispose();
      return measureSpeed(
        { modelJson, optimizer: { name: hp.optimizer, learningRate: hp.learningRate } },
        [imageSize, imageSize, channels], numClasses, { batchSize: hp.batchSize, budgetMs: this.opts.budgetMs },
      );
    });
  }

  async estimate(args: { datasetId: number; hyperparameters?: HyperparametersInput; fresh?: boolean }): Promise<RunEstimate> {
    const parsed = CheckedHyperparametersSchema.safeParse(args.hyperparameters ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new FacetError('invalid-argument', `Invalid hyperparameter ${issue.path.join('.')}: ${issue.message}`, { field: issue.path.join('.') });
    }
    const hp = parsed.data;
    const classes = listClasses(this.db, args.datasetId);
    const trainImages = classes.reduce((n, c) => n + c.splits.train, 0);
    const valImages = classes.reduce((n, c) => n + c.splits.val, 0);
    const base = { imageSize: hp.imageSize, epochs: hp.epochs, trainImages, valImages, embedding: null, trainingSeconds: null };
    if (hp.preset === 'face-embedding') {
      return { ...base, seconds: null, trainImagesPerSecond: null, measured: 'not needed', faster: null, text: 'a few seconds (a small dense head on the stored face descriptors)' };
    }
    if (trainImages === 0) {
      return { ...base, seconds: null, trainImagesPerSecond: null, measured: 'not needed', faster: null, text: 'no estimate yet: no image is labelled in the train split' };
    }
    const numClasses = Math.max(classes.length, 2);
    const fresh = args.fresh ?? this.opts.fresh ?? false;
    if (hp.preset === 'transfer') return this.transfer(args.datasetId, hp, numClasses, fresh, base);
    const runSeconds = (s: EngineSpeed) => hp.epochs * (trainImages / s.trainImagesPerSecond + valImages / s.predictImagesPerSecond);
    const { speed, cached } = await this.speed(hp, hp.imageSize, numClasses, fresh);
    const seconds = runSeconds(speed);
    let faster: RunEstimate['faster'] = null;
    if (seconds > (this.opts.longRunSeconds ?? LONG_RUN_SECONDS) && hp.imageSize > FASTER_IMAGE_SIZE && FASTER_IMAGE_SIZE >= minImageSize(hp.filters.length, hp.padding)) {
      const small = await this.speed(hp, FASTER_IMAGE_SIZE, numClasses, fresh);
      faster = { imageSize: FASTER_IMAGE_SIZE, seconds: runSeconds(small.speed) };
    }
    const text = `${roughDuration(seconds)} at ${hp.imageSize} px on this machine` +
      (faster ? `; ${faster.imageSize} px would take ${roughDuration(faster.seconds)}` : '');
    return { ...base, seconds, trainImagesPerSecond: speed.trainImagesPerSecond, measured: cached ? 'cached' : 'now', faster, text };
  }

  /** The embedding a transfer run does first (at the last pass's or a calibrated speed), then its head. */
  private async transfer(datasetId: number, hp: Hyperparameters, numClasses: number, fresh: boolean, base: Pick<RunEstimate, 'imageSize' | 'epochs' | 'trainImages' | 'valImages'>): Promise<RunEstimate> {
    const { info } = await loadEngine();
    const work = transferWork(this.db, datasetId, hp);
    const dims = BACKBONE_SPECS[hp.backbone].dimensions;
    const head = await this.figure<HeadSpeed>(headKey(hp, dims, info.backend), fresh, () =>
      measureHeadSpeed({ hp, dims, numClasses, budgetMs: this.opts.budgetMs ?? 1500 }));
    const trainingSeconds = headSeconds(work, head.speed);
    const toEmbed = work.images + work.views;
    let embedding: EmbeddingEstimate = {
      backbone: hp.backbone, images: 0, views: 0, seconds: 0, imagesPerSecond: null, threads: null, source: null, measured: 'not needed',
    };
    if (toEmbed > 0) {
      // The threads the pass will use (embed.ts): every core up to the ceiling, no more than batches.
      const threads = info.backend === 'tensorflow' ? 1 : Math.min(embeddingThreads(), Math.ceil(toEmbed / EMBED_BATCH));
      const { speed, cached } = await this.figure<EmbedSpeed>(embedSpeedKey(hp.backbone, info.backend, threads), fresh, () =>
        calibrateEmbedSpeed(hp.backbone, threads, { batchSize: EMBED_BATCH, budgetMs: this.opts.budgetMs }).then(({ backend: _b, ...s }) => s));
      embedding = {
        backbone: hp.backbone, images: work.images, views: work.views, seconds: embeddingSeconds(work, speed),
        imagesPerSecond: speed.imagesPerSecond, threads: speed.threads, source: speed.source, measured: cached ? 'cached' : 'now',
      };
    }
    return {
      ...base,
      seconds: embedding.seconds + trainingSeconds,
      trainImagesPerSecond: head.speed.trainPerSecond,
      measured: head.cached ? 'cached' : 'now',
      faster: null,
      text: transferText(embedding, trainingSeconds),
      embedding,
      trainingSeconds,
    };
  }
}
