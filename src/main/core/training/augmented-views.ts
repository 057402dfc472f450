// Augmented views for a frozen backbone: the engine's own augmentation (augment.ts, the flip,
// rotation, zoom and contrast the seed CNN trains with) applied to the picture as the backbone sees
// it, each view embedded once and stored per (content hash, backbone, recipe, view index). A view is
// a function of the picture and the recipe, not of the run, so runs with the same settings share
// them, and a stopped pass resumes where it was. Only training images get views.
import { FacetError } from '../../../shared/errors.js';
import type { Augmentation } from '../../../shared/hyperparameters.js';
import { hashString, mulberry32 } from '../platform/random.js';
import type { Database } from '../platform/store/db.js';
import { BACKBONE_SPECS, type Backbone, type PixelBackboneName } from '../embeddings/backbones.js';
import { embeddingThreads, openBackbone } from '../embeddings/backbone-pool.js';
import { OrderedPipeline } from '../platform/jobs/ordered-pipeline.js';
import { decodeSquare } from '../embeddings/embed.js';
import { saveViewEmbeddings, storedViewKeys, viewVectors } from '../embeddings/embedding-store.js';
import { augmentImage } from './augment.js';

/** The augmentation settings as the cache key's text: equal settings, equal views. */
export function viewRecipe(aug: Augmentation): string {
  return `flip=${aug.flip ? 1 : 0} rotation=${aug.rotation} zoom=${aug.zoom} contrast=${aug.contrast}`;
}

/** View `view` (from 1) of a size × size RGB picture: augmented with a generator seeded by the recipe, the picture and the view. */
export function augmentedView(pixels: Uint8Array, size: number, aug: Augmentation, hash: string, view: number): Buffer {
  const img = Float32Array.from(pixels);
  const random = mulberry32(hashString(`view:${viewRecipe(aug)}:${hash}:${view}`));
  augmentImage(img, size, 3, aug, random, new Float32Array(img.length));
  const out = Buffer.alloc(img.length);
  for (let i = 0; i < img.length; i++) out[i] = Math.round(img[i]!);
  return out;
}

export interface ViewSource {
  hash: string;
  /** As the user knows it (relative to the dataset), for messages. */
  path: string;
  absPath: string;
}

export interface ViewPassOptions {
  backbone: PixelBackboneName;
  augmentation: Augmentation;
  views: number;
  signal?: AbortSignal;
  /** Views embedded so far of those to do. */
  onProgress?: (done: number, total: number) => void;
  /** Test hook: a backbone already loaded. */
  model?: Backbone;
  /** Views per backbone call. */
  batchSize?: number;
  /** Worker threads (default: embeddingThreads(), as the embedding pass). */
  threads?: number;
}

export interface ViewPassSummary {
  status: 'completed' | 'cancelled';
  /** Views embedded by this pass (those already stored are skipped). */
  embedded: number;
  failed: { path: string; reason: string }[];
  /** Wall time of the pass, decoding and augmenting included. */
  seconds: number;
}

/** Embeds views 1..views of each picture that are not stored yet, saving batch by batch. */
export async function embedViews(db: Database, items: ViewSource[], opts: ViewPassOptions): Promise<ViewPassSummary> {
  const started = performance.now();
  const recipe = viewRecipe(opts.augmentation);
  const done = storedViewKeys(db, opts.backbone, recipe);
  const todo: { item: ViewSource; views: number[] }[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.hash)) continue;
    seen.add(item.hash);
    const views = Array.from({ length: opts.views }, (_, i) => i + 1).filter((v) => !done.has(`${item.hash}:${v}`));
    if (views.length > 0) todo.push({ item, views });
  }
  const total = todo.reduce((s, t) => s + t.views.length, 0);
  const failed: ViewPassSummary['failed'] = [];
  const finish = (status: ViewPassSummary['status'], embedded: number): ViewPassSummary => ({ status, embedded, failed, seconds: (performance.now() - started) / 1000 });
  if (total === 0) return finish('completed', 0);

  const size = BACKBONE_SPECS[opts.backbone].inputSize;
  const batchSize = opts.batchSize ?? 8;
  // No more threads than batches: each loads its own copy of the backbone.
  const model = opts.model ?? (await openBackbone(opts.backbone, { threads: Math.min(embeddingThreads(opts.threads), Math.ceil(total / batchSize)) }));
  // A batch per thread at once, saved in order (platform/jobs/ordered-pipeline.ts).
  const pipeline = new OrderedPipeline<Float32Array[]>(model.threads);
  let embedded = 0;
  let failedViews = 0;
  let pending: { hash: string; view: number; pixels: Buffer }[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    await pipeline.add(() => model.embed(Buffer.concat(batch.map((p) => p.pixels)), batch.length), (vectors) => {
      saveViewEmbeddings(db, opts.backbone, recipe, batch.map((p, i) => ({ hash: p.hash, view: p.view, vector: vectors[i]! })));
      embedded += batch.length;
      opts.onProgress?.(embedded + failedViews, total);
    });
  };
  const decode = (i: number) => (i < todo.length ? decodeSquare(todo[i]!.item.absPath, size).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))) : null);
  try {
    opts.onProgress?.(0, total);
    // The next picture decodes (in sharp's threads) while this one's views are augmented and embedded.
    let next = decode(0);
    for (let i = 0; i < todo.length; i++) {
      if (opts.signal?.aborted) {
        await flush();
        await pipeline.drain();
        return finish('cancelled', embedded);
      }
      const { item, views } = todo[i]!;
      const pixels = await next!;
      next = decode(i + 1);
      if (pixels instanceof Error) {
        failed.push({ path: item.path, reason: `cannot decode: ${pixels.message.split('\n')[0]}` });
        failedViews += views.length;
        continue;
      }
      for (const view of views) {
        pending.push({ hash: item.hash, view, pixels: augmentedView(pixels, size, opts.augmentation, item.hash, view) });
        if (pending.length >= batchSize) await flush();
      }
    }
    await flush();
    await pipeline.drain();
    return finish('completed', embedded);
  } finally {
    // Stops the worker threads, also when the pass failed or was cancelled.
    if (!opts.model) await model.dispose();
  }
}

/**
 * The stored views of the items as extra training rows (n·views·dims, item by item, view 1 first) and
 * their class indices; throws naming a picture with a view missing.
 */
export function viewMatrix(
  db: Database,
  backbone: PixelBackboneName,
  aug: Augmentation,
  views: number,
  items: { hash: string; path: string; classIndex: number }[],
): { vectors: Float32Array; labels: number[] } {
  const dims = BACKBONE_SPECS[backbone].dimensions;
  const stored = viewVectors(db, backbone, viewRecipe(aug), views, items.map((i) => i.hash));
  const vectors = new Float32Array(items.length * views * dims);
  const labels: number[] = [];
  let row = 0;
  for (const item of items) {
    for (let v = 1; v <= views; v++) {
      const vector = stored.get(`${item.hash}:${v}`);
      if (!vector) {
        throw new FacetError('conflict', `The augmented view ${v} of ${item.path} could not be embedded with ${backbone}: the picture could not be decoded or left the dataset.`, {
          field: 'augmentedViews',
          hint: 'Fix or exclude that image, or set augmented views to 0, then train again.',
        });
      }
      vectors.set(vector, row * dims);
      labels.push(item.classIndex);
      row++;
    }
  }
  return { vectors, labels };
}
