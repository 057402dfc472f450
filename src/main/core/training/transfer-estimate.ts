// The transfer run's estimate before it starts: what it will embed (images of the dataset without a
// vector of the backbone, augmented views not stored yet) at this machine's measured embedding speed,
// then the head's epochs at its measured training speed.
import { roughDuration, type EmbeddingEstimate } from '../../../shared/estimate.js';
import type { Hyperparameters } from '../../../shared/hyperparameters.js';
import type { EmbedSpeed } from '../embeddings/embed-speed.js';
import { storedViewKeys } from '../embeddings/embedding-store.js';
import type { Database } from '../platform/store/db.js';
import { viewRecipe } from './augmented-views.js';
import type { HeadSpeed } from './head-speed.js';

/**
 * What a transfer run costs besides its epochs: the job process and its engine starting, the
 * snapshot, the test evaluation and the predictions stored. Measured on the 600-image demo (wasm,
 * 2 cores, load 4.5): 5.35 s from start to finish against 3.4 s of epochs.
 */
export const HEAD_RUN_OVERHEAD_SECONDS = 2;

export interface TransferWork {
  /** Images (by content) the run embeds first: 0 when every snapshot image has a vector. */
  images: number;
  /** Augmented views of the training images still to embed. */
  views: number;
  epochs: number;
  /** Training rows per epoch: the training images, and their views. */
  trainVectors: number;
  valVectors: number;
  testVectors: number;
}

/**
 * The embedding a run of these settings will do. The run embeds the whole dataset (every usable
 * image, also unlabelled ones: the same pass as `facet embed`) when any image it trains or is tested
 * on has no vector; the views only of its training images.
 */
export function transferWork(db: Database, datasetId: number, hp: Hyperparameters): TransferWork {
  const backbone = hp.backbone;
  const splitCounts = db
    .prepare(
      `SELECT i.split AS split, COUNT(*) AS n, COUNT(e.hash) AS embedded FROM images i
         JOIN classes c ON c.id = i.class_id AND c.deleted_at IS NULL
         LEFT JOIN embeddings e ON e.hash = i.hash AND e.backbone = ?
       WHERE i.dataset_id = ? AND i.status = 'ok' AND i.excluded = 0 AND i.split IS NOT NULL GROUP BY i.split`,
    )
    .all(backbone, datasetId) as { split: 'train' | 'val' | 'test'; n: number; embedded: number }[];
  const count = (split: string) => splitCounts.find((r) => r.split === split)?.n ?? 0;
  const missing = splitCounts.some((r) => r.embedded < r.n);
  const images = missing
    ? (db
        .prepare(
          `SELECT COUNT(DISTINCT i.hash) AS n FROM images i LEFT JOIN embeddings e ON e.hash = i.hash AND e.backbone = ?
           WHERE i.dataset_id = ? AND i.status = 'ok' AND i.excluded = 0 AND i.hash IS NOT NULL AND e.hash IS NULL`,
        )
        .get(backbone, datasetId) as { n: number }).n
    : 0;
  let views = 0;
  if (hp.augmentedViews > 0) {
    const stored = storedViewKeys(db, backbone, viewRecipe(hp.augmentation));
    const trainHashes = db
      .prepare(
        `SELECT DISTINCT i.hash FROM images i JOIN classes c ON c.id = i.class_id AND c.deleted_at IS NULL
         WHERE i.dataset_id = ? AND i.status = 'ok' AND i.excluded = 0 AND i.split = 'train' AND i.hash IS NOT NULL`,
      )
      .all(datasetId) as { hash: string }[];
    for (const { hash } of trainHashes) for (let v = 1; v <= hp.augmentedViews; v++) if (!stored.has(`${hash}:${v}`)) views++;
  }
  return {
    images,
    views,
    epochs: hp.epochs,
    trainVectors: count('train') * (1 + hp.augmentedViews),
    valVectors: count('val'),
    testVectors: count('test'),
  };
}

/** Seconds to embed what the run needs: the backbone loads once for the images and once for the views. */
export function embeddingSeconds(work: Pick<TransferWork, 'images' | 'views'>, speed: Pick<EmbedSpeed, 'imagesPerSecond' | 'loadSeconds'>): number {
  const passes = (work.images > 0 ? 1 : 0) + (work.views > 0 ? 1 : 0);
  return passes * speed.loadSeconds + (work.images + work.views) / speed.imagesPerSecond;
}

/** Seconds of the head's part: every epoch (early stopping can only shorten it), the test, the fixed cost. */
export function headSeconds(work: TransferWork, speed: HeadSpeed): number {
  const epoch = work.trainVectors / speed.trainPerSecond + work.valVectors / speed.predictPerSecond + speed.epochSeconds;
  return HEAD_RUN_OVERHEAD_SECONDS + work.epochs * epoch + work.testVectors / speed.predictPerSecond;
}

/** "~40 s: 600 images to embed with mobilenet on this machine, then ~5 s of training", or "~5 s, embeddings are ready". */
export function transferText(embedding: Pick<EmbeddingEstimate, 'backbone' | 'images' | 'views' | 'seconds'>, trainingSeconds: number): string {
  if (embedding.images === 0 && embedding.views === 0) return `${roughDuration(trainingSeconds)}, embeddings are ready`;
  const what = [
    embedding.images > 0 ? `${embedding.images.toLocaleString('en-US')} image${embedding.images === 1 ? '' : 's'}` : null,
    embedding.views > 0 ? `${embedding.views.toLocaleString('en-US')} augmented view${embedding.views === 1 ? '' : 's'}` : null,
  ].filter(Boolean).join(' and ');
  return `${roughDuration(embedding.seconds + trainingSeconds)}: ${what} to embed with ${embedding.backbone} on this machine, then ${roughDuration(trainingSeconds)} of training`;
}
