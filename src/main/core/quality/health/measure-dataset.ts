// Measuring a dataset's pictures for the health checks: every usable picture whose content has no
// current measures, read from its import thumbnail (the original file when the thumbnail is gone).
// Runs in the health job after each import and rescan and on demand; a picture already measured is
// never read again. Saved every SAVE_EVERY pictures, so a stopped job (the app closed) keeps its work.
import os from 'node:os';
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { getDataset } from '../../datasets/queries.js';
import { MAX_INPUT_PIXELS, THUMBNAIL_SIZE } from '../../datasets/probe.js';
import type { Workspace } from '../../platform/workspace.js';
import type { ImageMeasures } from './metrics.js';
import { measureFile, measureThumbnail } from './read.js';
import { saveMeasures, unmeasured } from './store.js';

const SAVE_EVERY = 500;

export interface MeasureOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Pictures per save (SAVE_EVERY). */
  saveEvery?: number;
}

export async function measureDataset(ws: Workspace, datasetId: number, opts: MeasureOptions = {}): Promise<{ measured: number; failed: number; seconds: number }> {
  const started = performance.now();
  const dataset = getDataset(ws.db, datasetId);
  const todo = unmeasured(ws.db, datasetId);
  const limit = pLimit(Math.max(2, os.availableParallelism()));
  let rows: { hash: string; measures: ImageMeasures | null; error: string | null }[] = [];
  let measured = 0;
  let failed = 0;
  const save = () => {
    saveMeasures(ws.db, rows);
    measured += rows.filter((r) => r.measures).length;
    failed += rows.filter((r) => !r.measures).length;
    rows = [];
  };
  let done = 0;
  opts.onProgress?.(0, todo.length);
  await Promise.all(
    todo.map((it) =>
      limit(async () => {
        if (opts.signal?.aborted) return;
        const thumb = ws.thumbnailPath(it.hash);
        try {
          // Measured first, then pushed: `rows.push(await …)` would push into the array of before the
          // wait, which a save() meanwhile has written and replaced.
          const measures = existsSync(thumb)
            ? await measureThumbnail(readFileSync(thumb))
            : await measureFile(
                await sharp(path.join(dataset.root, it.path), { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
                  .rotate()
                  .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
                  .png()
                  .toBuffer(),
              );
          rows.push({ hash: it.hash, measures, error: null });
        } catch (error) {
          // Changed or vanished since the import: recorded, so it is not retried on every check.
          rows.push({ hash: it.hash, measures: null, error: error instanceof Error ? error.message : String(error) });
        }
        if (rows.length >= (opts.saveEvery ?? SAVE_EVERY)) save();
        opts.onProgress?.(++done, todo.length);
      }),
    ),
  );
  save();
  return { measured, failed, seconds: (performance.now() - started) / 1000 };
}

