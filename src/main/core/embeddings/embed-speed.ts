// How fast this machine embeds with a backbone, for the transfer run's estimate: the figure of the
// last real embedding pass (decoding and storing included), or, before any, a short calibration on
// synthetic pixels (a backbone's time does not depend on their values). Kept in the workspace's
// speed cache (platform/engine/speed-cache.ts) per backbone, engine and thread count.
import { SpeedCache } from '../platform/engine/index.js';
import { BACKBONE_SPECS, type PixelBackboneName } from './backbones.js';
import { openBackbone } from './backbone-pool.js';

export interface EmbedSpeed {
  /** Images embedded per second once the backbone is loaded. */
  imagesPerSecond: number;
  /** Time to load the backbone (on every worker at once) before the first image. */
  loadSeconds: number;
  threads: number;
  /** 'pass': a real embedding pass measured it; 'calibration': synthetic batches did. */
  source: 'pass' | 'calibration';
}

/** A pass shorter than this says little about the steady speed (the first batches warm the engine up). */
export const MIN_IMAGES_TO_RECORD = 32;

export const embedSpeedKey = (backbone: PixelBackboneName, backend: string, threads: number): string => `embed/${backbone}/${backend}/${threads}t`;

/** Keeps the speed a real pass measured (passes of fewer than MIN_IMAGES_TO_RECORD images are left out). */
export function recordEmbedSpeed(workspaceDir: string, backbone: PixelBackboneName, backend: string, figure: Omit<EmbedSpeed, 'source'> & { images: number }): void {
  if (figure.images < MIN_IMAGES_TO_RECORD || !(figure.imagesPerSecond > 0)) return;
  const { images: _images, ...speed } = figure;
  new SpeedCache(workspaceDir).set<EmbedSpeed>(embedSpeedKey(backbone, backend, figure.threads), { ...speed, source: 'pass' });
}

/**
 * Loads the backbone on `threads` worker threads and embeds synthetic batches: one round (a batch
 * per thread) to warm up, then rounds until `budgetMs` went by (at least one). Off this thread, so a
 * UI or server process stays free while it measures (except on the native engine, which loads in
 * one thread per process).
 */
export async function calibrateEmbedSpeed(backbone: PixelBackboneName, threads: number, opts: { batchSize?: number; budgetMs?: number } = {}): Promise<EmbedSpeed & { backend: string }> {
  const batch = opts.batchSize ?? 8;
  const size = BACKBONE_SPECS[backbone].inputSize;
  const pixels = new Uint8Array(batch * size * size * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
  const started = performance.now();
  const model = await openBackbone(backbone, { threads, offThread: true });
  try {
    const loadSeconds = (performance.now() - started) / 1000;
    const round = () => Promise.all(Array.from({ length: model.threads }, () => model.embed(pixels, batch)));
    await round();
    const t0 = performance.now();
    let images = 0;
    do {
      await round();
      images += batch * model.threads;
    } while (performance.now() - t0 < (opts.budgetMs ?? 1500));
    return { imagesPerSecond: images / ((performance.now() - t0) / 1000), loadSeconds, threads: model.threads, source: 'calibration', backend: model.backend };
  } finally {
    await model.dispose();
  }
}
