// Embedding pass of a dataset: every usable image without a vector of the backbone (by content
// hash) is decoded, squashed to the backbone's square input and embedded in small batches, saved
// batch by batch so a stopped pass resumes where it was (platform/jobs/hash-pass.ts). The batches
// run on every core, one per worker thread (backbone-pool.ts), and are saved in file order.
//
// Measured on the 600-image demo, wasm, 2 cores: mobilenet 58 ms and centernet 23 ms of backbone
// per image on one thread, against ~6 ms to decode (in sharp's own threads) and ~0 to store: the
// backbone is the pass, so the pass scales with the threads that run it. Figures: see README.
import path from 'node:path';
import sharp from 'sharp';
import type { EmbeddingsProgress, EmbeddingsSummary } from '../../../shared/labelling.js';
import { getDataset } from '../datasets/queries.js';
import { MAX_INPUT_PIXELS } from '../datasets/probe.js';
import { runHashPass } from '../platform/jobs/hash-pass.js';
import type { Database } from '../platform/store/db.js';
import { BACKBONE_SPECS, type Backbone, type PixelBackboneName } from './backbones.js';
import { embeddingThreads, openBackbone } from './backbone-pool.js';
import { recordEmbedSpeed } from './embed-speed.js';
import { embeddedHashes, embeddingCounts, saveEmbeddings } from './embedding-store.js';

export interface EmbedOptions {
  backbone: PixelBackboneName;
  signal?: AbortSignal;
  onProgress?: (p: EmbeddingsProgress) => void;
  /** Test hook: a backbone already loaded. */
  model?: Backbone;
  batchSize?: number;
  /** Worker threads (default: embeddingThreads(), every core up to 4; 1 embeds in this thread). */
  threads?: number;
  /** The workspace, to keep this machine's measured speed for the transfer estimate (embed-speed.ts). */
  workspaceDir?: string;
}

/** The picture as the backbone sees it: EXIF-rotated, alpha on white, sRGB, squashed to size × size. */
export async function decodeSquare(file: string, size: number): Promise<Buffer> {
  const { data, info } = await sharp(file, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
    .rotate()
    .flatten({ background: '#ffffff' })
    .resize(size, size, { fit: 'fill' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels === 3) return data;
  // Grey images decode to one channel: repeat it.
  const rgb = Buffer.alloc(size * size * 3);
  for (let i = 0; i < size * size; i++) rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = data[i * info.channels]!;
  return rgb;
}

export async function embedDataset(db: Database, datasetId: number, opts: EmbedOptions): Promise<EmbeddingsSummary> {
  const started = performance.now();
  const dataset = getDataset(db, datasetId);
  const emit = opts.onProgress ?? (() => {});
  const backboneName = opts.backbone;
  const spec = BACKBONE_SPECS[backboneName];
  const batchSize = opts.batchSize ?? 8;
  const rows = db
    .prepare(`SELECT path, hash FROM images WHERE dataset_id = ? AND status = 'ok' AND excluded = 0 AND hash IS NOT NULL ORDER BY path`)
    .all(datasetId) as { path: string; hash: string }[];
  const failed: { path: string; reason: string }[] = [];
  let embedded = 0;
  let model = opts.model;
  let backend = model?.backend ?? 'none';
  let loaded = 0;
  try {
    const pass = await runHashPass({
      files: rows,
      done: embeddedHashes(db, backboneName),
      batchSize,
      // One batch per thread of the backbone begin() opens.
      concurrency: () => model?.threads ?? 1,
      signal: opts.signal,
      begin: async (total) => {
        emit({ datasetId, backbone: backboneName, phase: 'loading', done: 0, total });
        // No more threads than batches: each loads its own copy of the backbone.
        model ??= await openBackbone(backboneName, { threads: Math.min(embeddingThreads(opts.threads), Math.ceil(total / batchSize)) });
        backend = model.backend;
        loaded = performance.now();
      },
      decode: (item) => decodeSquare(path.join(dataset.root, item.path), spec.inputSize),
      process: async (batch) => {
        const ok = batch.flatMap(({ file, decoded }) => (decoded instanceof Error ? [] : [{ hash: file.hash, pixels: decoded }]));
        return ok.length === 0 ? [] : model!.embed(Buffer.concat(ok.map((o) => o.pixels)), ok.length);
      },
      store: (batch, vectors) => {
        const ok: { hash: string; vector: Float32Array }[] = [];
        for (const { file, decoded } of batch) {
          if (decoded instanceof Error) failed.push({ path: file.path, reason: `cannot decode: ${decoded.message}` });
          else ok.push({ hash: file.hash, vector: vectors[ok.length]! });
        }
        if (ok.length > 0) saveEmbeddings(db, backboneName, ok);
        embedded += ok.length;
      },
      onProgress: (done, total, last) => emit({ datasetId, backbone: backboneName, phase: 'embedding', done, total, path: last }),
    });
    if (opts.workspaceDir && model && !opts.model && embedded > 0) {
      const seconds = (performance.now() - loaded) / 1000;
      recordEmbedSpeed(opts.workspaceDir, backboneName, backend, { imagesPerSecond: embedded / seconds, loadSeconds: (loaded - started) / 1000, threads: model.threads, images: embedded });
    }
    const counts = embeddingCounts(db, datasetId, backboneName);
    emit({ datasetId, backbone: backboneName, phase: 'done', done: pass.total, total: pass.total });
    return {
      datasetId,
      backbone: backboneName,
      images: counts.images,
      embeddedImages: counts.embedded,
      newlyEmbedded: embedded,
      dimensions: spec.dimensions,
      failed,
      backend,
      threads: model?.threads ?? 0,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      status: pass.cancelled ? 'cancelled' : 'completed',
    };
  } finally {
    // Stops the worker threads, also when the pass failed or was cancelled.
    if (model && !opts.model) await model.dispose();
  }
}
