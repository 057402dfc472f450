// An honest estimate of a run's duration before it starts: the engine's measured speed for these
// settings on this machine (a few real steps, or the figure cached in the workspace) times the
// images the run will see, plus a faster image size to offer when the run is long.
import fs from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import path from 'node:path';
import { roughDuration, type RunEstimate } from '../../../shared/estimate.js';
import { CheckedHyperparametersSchema, minImageSize, type Hyperparameters, type HyperparametersInput } from '../../../shared/hyperparameters.js';
import { FacetError } from '../../../shared/errors.js';
import { listClasses } from '../datasets/queries.js';
import { ENGINE_REVISION, loadEngine, measureSpeed, type EngineSpeed } from '../platform/engine/index.js';
import type { Database } from '../platform/store/db.js';
import { buildSeedCnn } from './model.js';

/** A run longer than this gets a faster image size offered. */
export const LONG_RUN_SECONDS = 20 * 60;
/** The size offered instead of a long run's (the seed's quick preset). */
export const FASTER_IMAGE_SIZE = 64;
const CACHE_FILE = 'engine-speed.json';

interface SpeedCache {
  machine: string;
  speeds: Record<string, EngineSpeed & { measuredAt: string }>;
}

/** What makes one machine's figures another's: CPU model, core count, Node and Facet's engine. */
function machineKey(): string {
  return `${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()} · node ${process.versions.node} · engine ${ENGINE_REVISION}`;
}

function speedKey(hp: Hyperparameters, imageSize: number, backend: string): string {
  return [backend, imageSize, hp.colorMode, hp.padding, hp.filters.join('-'), hp.denseUnits, hp.batchSize].join('/');
}

function readCache(file: string): SpeedCache {
  try {
    const cache = JSON.parse(fs.readFileSync(file, 'utf8')) as SpeedCache;
    if (cache.machine === machineKey() && typeof cache.speeds === 'object') return cache;
  } catch {
    // Missing or unreadable: measure again.
  }
  return { machine: machineKey(), speeds: {} };
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
  private readonly pending = new Map<string, Promise<EngineSpeed>>();

  constructor(private readonly db: Database, private readonly opts: EstimateOptions) {}

  private async speed(hp: Hyperparameters, imageSize: number, numClasses: number, fresh: boolean): Promise<{ speed: EngineSpeed; cached: boolean }> {
    const { tf, info } = await loadEngine();
    const key = speedKey(hp, imageSize, info.backend);
    const file = path.join(this.opts.workspaceDir, CACHE_FILE);
    const hit = readCache(file).speeds[key];
    if (hit && !fresh) return { speed: hit, cached: true };
    let measuring = this.pending.get(key);
    if (measuring === undefined) {
      const channels = hp.colorMode === 'rgb' ? 3 : 1;
      const model = buildSeedCnn(tf, {
        imageSize, channels, numClasses, filters: hp.filters, denseUnits: hp.denseUnits, dropout: hp.dropout, seed: hp.seed, padding: hp.padding,
      });
      const modelJson = model.toJSON(null, false);
      model.dispose();
      measuring = measureSpeed(
        { modelJson, optimizer: { name: hp.optimizer, learningRate: hp.learningRate } },
        [imageSize, imageSize, channels], numClasses, { batchSize: hp.batchSize, budgetMs: this.opts.budgetMs },
      ).finally(() => this.pending.delete(key));
      this.pending.set(key, measuring);
    }
    const speed = await measuring;
    const cache = readCache(file);
    cache.speeds[key] = { ...speed, measuredAt: new Date().toISOString() };
    fs.mkdirSync(this.opts.workspaceDir, { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(cache, null, 2)}\n`);
    return { speed, cached: false };
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
    const base = { imageSize: hp.imageSize, epochs: hp.epochs, trainImages, valImages };
    if (hp.preset === 'face-embedding') {
      return { ...base, seconds: null, trainImagesPerSecond: null, measured: 'not needed', faster: null, text: 'a few seconds (a small dense head on the stored face descriptors)' };
    }
    if (trainImages === 0) {
      return { ...base, seconds: null, trainImagesPerSecond: null, measured: 'not needed', faster: null, text: 'no estimate yet: no image is labelled in the train split' };
    }
    const numClasses = Math.max(classes.length, 2);
    const fresh = args.fresh ?? this.opts.fresh ?? false;
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
}
