// The 2-D map of a dataset: UMAP (umap-js, McInnes et al. 2018) of the embeddings, after PCA to 50
// dimensions (UMAP's nearest-neighbour search is the slow part and scales with the dimensions).
// Coordinates are stored scaled to [0, 1]; labels and suggestions are joined when the map is read.
import { UMAP } from 'umap-js';
import type { BackboneName, DatasetMap, MapPoints, MapProgress, MapSummary } from '../../../shared/labelling.js';
import { getDataset } from '../datasets/queries.js';
import { fitPca, projectPca } from '../embeddings/pca.js';
import { hashString, mulberry32 } from '../platform/random.js';
import { nowIso, writeTransaction, type Database } from '../platform/store/db.js';
import { datasetVectors, pickBackbone } from './vectors.js';

const PCA_DIMENSIONS = 50;

export interface MapOptions {
  backbone?: BackboneName;
  signal?: AbortSignal;
  onProgress?: (p: MapProgress) => void;
  seed?: number;
}

export function computeMap(db: Database, datasetId: number, opts: MapOptions = {}): MapSummary {
  const started = performance.now();
  const dataset = getDataset(db, datasetId);
  const seed = opts.seed ?? dataset.seed;
  const emit = opts.onProgress ?? (() => {});
  const backbone = pickBackbone(db, datasetId, opts.backbone);
  emit({ datasetId, phase: 'loading', done: 0, total: 1 });
  const vectors = datasetVectors(db, datasetId, backbone);
  const seconds = () => Math.round((performance.now() - started) / 100) / 10;
  const laid = layoutPoints(
    vectors.map((v) => v.vector),
    seed,
    (phase, done, total) => emit({ datasetId, phase, done, total }),
    opts.signal,
  );
  if (!laid) return { datasetId, backbone, points: 0, pcaDimensions: 0, seconds: seconds(), status: 'cancelled' };
  const { coords, pcaDimensions } = laid;
  emit({ datasetId, phase: 'saving', done: 0, total: 1 });
  const xs = coords.map((c) => c[0]!);
  const ys = coords.map((c) => c[1]!);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const norm = (v: number, lo: number, hi: number) => (hi > lo ? (v - lo) / (hi - lo) : 0.5);
  writeTransaction(db, () => {
    db.prepare('DELETE FROM map_points WHERE dataset_id = ?').run(datasetId);
    const insert = db.prepare('INSERT INTO map_points (image_id, dataset_id, x, y) VALUES (?, ?, ?, ?)');
    vectors.forEach((v, i) => insert.run(v.imageId, datasetId, norm(xs[i]!, x0, x1), norm(ys[i]!, y0, y1)));
    db.prepare(
      `INSERT INTO maps (dataset_id, backbone, pca_dimensions, computed_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (dataset_id) DO UPDATE SET backbone = excluded.backbone, pca_dimensions = excluded.pca_dimensions, computed_at = excluded.computed_at`,
    ).run(datasetId, backbone, pcaDimensions, nowIso());
  });
  emit({ datasetId, phase: 'done', done: 1, total: 1 });
  return { datasetId, backbone, points: vectors.length, pcaDimensions, seconds: seconds(), status: 'completed' };
}

/** PCA (when the vectors are wide) then UMAP to 2-D; null when cancelled. */
export function layoutPoints(
  vectors: Float32Array[],
  seed: number,
  onPhase: (phase: 'pca' | 'neighbours' | 'umap', done: number, total: number) => void = () => {},
  signal?: AbortSignal,
): { coords: number[][]; pcaDimensions: number } | null {
  const dims = vectors[0]?.length ?? 0;
  let data: number[][];
  let pcaDimensions = dims;
  if (dims > PCA_DIMENSIONS && vectors.length > PCA_DIMENSIONS) {
    onPhase('pca', 0, 1);
    const pca = fitPca(vectors, PCA_DIMENSIONS, seed);
    data = vectors.map((v) => Array.from(projectPca(pca, v)));
    pcaDimensions = pca.k;
  } else data = vectors.map((v) => Array.from(v));
  if (data.length < 4) return { coords: data.map((_, i) => [i, 0]), pcaDimensions };
  const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(15, data.length - 1), minDist: 0.1, random: mulberry32(hashString(`map:${seed}`)) });
  // initializeFit builds the nearest-neighbour graph: said as its own phase, not left under "pca".
  onPhase('neighbours', 0, 1);
  const epochs = umap.initializeFit(data);
  for (let e = 0; e < epochs; e++) {
    if (signal?.aborted) return null;
    umap.step();
    if (e % 10 === 0) onPhase('umap', e, epochs);
  }
  return { coords: umap.getEmbedding(), pcaDimensions };
}

export function getMap(db: Database, datasetId: number): DatasetMap {
  const dataset = getDataset(db, datasetId);
  const meta = db.prepare('SELECT backbone, computed_at FROM maps WHERE dataset_id = ?').get(datasetId) as { backbone: BackboneName; computed_at: string } | undefined;
  // A suggestion of a deleted class counts as none.
  const rows = db
    .prepare(
      `SELECT i.id, i.path, i.hash, m.x, m.y, i.class_id, sc.id AS s_class, s.confidence, i.split, i.holdout
       FROM map_points m JOIN images i ON i.id = m.image_id
       LEFT JOIN suggestions s ON s.image_id = i.id LEFT JOIN classes sc ON sc.id = s.class_id AND sc.deleted_at IS NULL
       WHERE m.dataset_id = ? AND i.status = 'ok' AND i.excluded = 0 ORDER BY i.path`,
    )
    .raw()
    .all(datasetId) as [number, string, string | null, number, number, number | null, number | null, number | null, MapPoints['split'][number], string | null][];
  const n = rows.length;
  const points: MapPoints = {
    imageId: new Array<number>(n),
    path: new Array<string>(n),
    hash: new Array<string | null>(n),
    x: new Array<number>(n),
    y: new Array<number>(n),
    classId: new Array<number | null>(n),
    suggestedClassId: new Array<number | null>(n),
    confidence: new Array<number | null>(n),
    split: new Array<MapPoints['split'][number]>(n),
    heldOut: new Array<MapPoints['heldOut'][number]>(n),
  };
  // Six decimals place a point to a third of a pixel even at the deepest zoom, and halve the JSON.
  const round6 = (v: number) => Math.round(v * 1e6) / 1e6;
  rows.forEach(([id, path, hash, x, y, classId, suggestedClassId, confidence, split, holdout], i) => {
    const suggested = classId === null && suggestedClassId !== null;
    points.imageId[i] = id;
    points.path[i] = path;
    points.hash[i] = hash;
    points.x[i] = round6(x);
    points.y[i] = round6(y);
    points.classId[i] = classId;
    points.suggestedClassId[i] = suggested ? suggestedClassId : null;
    points.confidence[i] = suggested ? confidence : null;
    points.split[i] = split;
    points.heldOut[i] = classId === null && (holdout === 'val' || holdout === 'test') ? holdout : null;
  });
  const classes = db.prepare('SELECT id, name FROM classes WHERE dataset_id = ? ORDER BY id').all(datasetId) as { id: number; name: string }[];
  return { datasetId, backbone: meta?.backbone ?? null, computedAt: meta?.computed_at ?? null, missing: Math.max(0, dataset.images - n), classes, points };
}
