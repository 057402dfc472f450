// Embedding pass of a dataset: every usable image without a vector of the backbone (by content
// hash) is decoded, squashed to the backbone's square input and embedded in small batches, saved
// batch by batch so a stopped pass resumes where it was (platform/jobs/hash-pass.ts).
import path from 'node:path';
import sharp from 'sharp';
import type { EmbeddingsProgress, EmbeddingsSummary } from '../../../shared/labelling.js';
import { getDataset } from '../datasets/queries.js';
import { MAX_INPUT_PIXELS } from '../datasets/probe.js';
import { runHashPass } from '../platform/jobs/hash-pass.js';
import type { Database } from '../platform/store/db.js';
import { BACKBONE_SPECS, loadBackbone, type Backbone, type PixelBackboneName } from './backbones.js';
import { embeddedHashes, embeddingCounts, saveEmbeddings } from './embedding-store.js';

export interface EmbedOptions {
  backbone: PixelBackboneName;
  signal?: AbortSignal;
  onProgress?: (p: EmbeddingsProgress) => void;
  /** Test hook: a backbone already loaded. */
  model?: Backbone;
  batchSize?: number;
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
  const rows = db
    .prepare(`SELECT path, hash FROM images WHERE dataset_id = ? AND status = 'ok' AND excluded = 0 AND hash IS NOT NULL ORDER BY path`)
    .all(datasetId) as { path: string; hash: string }[];
  const failed: { path: string; reason: string }[] = [];
  let embedded = 0;
  let model = opts.model;
  let backend = model?.backend ?? 'none';
  const pass = await runHashPass({
    files: rows,
    done: embeddedHashes(db, backboneName),
    batchSize: opts.batchSize ?? 8,
    signal: opts.signal,
    begin: async (total) => {
      emit({ datasetId, backbone: backboneName, phase: 'loading', done: 0, total });
      model ??= await loadBackbone(backboneName);
      backend = model.backend;
    },
    decode: (item) => decodeSquare(path.join(dataset.root, item.path), spec.inputSize),
    process: async (batch) => {
      const ok: { hash: string; pixels: Buffer }[] = [];
      for (const { file, decoded } of batch) {
        if (decoded instanceof Error) failed.push({ path: file.path, reason: `cannot decode: ${decoded.message}` });
        else ok.push({ hash: file.hash, pixels: decoded });
      }
      if (ok.length === 0) return;
      const vectors = await model!.embed(Buffer.concat(ok.map((o) => o.pixels)), ok.length);
      saveEmbeddings(db, backboneName, ok.map((o, i) => ({ hash: o.hash, vector: vectors[i]! })));
      embedded += ok.length;
    },
    onProgress: (done, total, last) => emit({ datasetId, backbone: backboneName, phase: 'embedding', done, total, path: last }),
  });
  if (model && !opts.model) model.dispose();
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
    seconds: Math.round((performance.now() - started) / 100) / 10,
    status: pass.cancelled ? 'cancelled' : 'completed',
  };
}
