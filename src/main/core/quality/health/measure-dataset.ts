// Measuring a dataset's pictures for the health checks: every usable picture whose content has no
// current measures, read from its import thumbnail (the original file when the thumbnail is gone).
// Runs after each import and on demand; a picture already measured is never read again.
import os from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { getDataset } from '../../datasets/queries.js';
import { MAX_INPUT_PIXELS, THUMBNAIL_SIZE, type ThumbnailListener } from '../../datasets/probe.js';
import type { Database } from '../../platform/store/db.js';
import type { Workspace } from '../../platform/workspace.js';
import { measure, type ImageMeasures } from './metrics.js';
import { measureFile } from './read.js';
import { saveMeasures, unmeasured } from './store.js';

export interface MeasureOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export async function measureDataset(ws: Workspace, datasetId: number, opts: MeasureOptions = {}): Promise<{ measured: number; failed: number; seconds: number }> {
  const started = performance.now();
  const dataset = getDataset(ws.db, datasetId);
  const todo = unmeasured(ws.db, datasetId);
  const limit = pLimit(Math.max(2, os.availableParallelism()));
  const rows: { hash: string; measures: ImageMeasures | null; error: string | null }[] = [];
  let done = 0;
  opts.onProgress?.(0, todo.length);
  await Promise.all(
    todo.map((it) =>
      limit(async () => {
        if (opts.signal?.aborted) return;
        const thumb = ws.thumbnailPath(it.hash);
        try {
          const input = existsSync(thumb)
            ? thumb
            : await sharp(path.join(dataset.root, it.path), { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
                .rotate()
                .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
                .png()
                .toBuffer();
          rows.push({ hash: it.hash, measures: await measureFile(input), error: null });
        } catch (error) {
          // Changed or vanished since the import: recorded, so it is not retried on every check.
          rows.push({ hash: it.hash, measures: null, error: error instanceof Error ? error.message : String(error) });
        }
        opts.onProgress?.(++done, todo.length);
      }),
    ),
  );
  saveMeasures(ws.db, rows);
  return { measured: rows.filter((r) => r.measures).length, failed: rows.filter((r) => !r.measures).length, seconds: (performance.now() - started) / 1000 };
}

/**
 * Measures pictures as an import decodes them (its thumbnail pixels), so the checks add no decode of
 * their own; `save` writes what was measured. Pictures it did not see are measured by measureDataset.
 */
export function importMeasurer(): { onThumbnail: ThumbnailListener; onMeasures: (hash: string, measures: unknown) => void; save: (db: Database) => void } {
  const rows = new Map<string, { hash: string; measures: ImageMeasures | null; error: string | null }>();
  return {
    onThumbnail: (hash, pixels) => {
      if (!rows.has(hash)) rows.set(hash, { hash, measures: measure(pixels), error: null });
    },
    // Measures the decoder process took with this same `measure` (job-kinds.ts registers it).
    onMeasures: (hash, measures) => {
      if (!rows.has(hash)) rows.set(hash, { hash, measures: measures as ImageMeasures, error: null });
    },
    save: (db) => saveMeasures(db, [...rows.values()]),
  };
}
