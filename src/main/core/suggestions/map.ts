// The 2-D map of a dataset: UMAP (umap-js, McInnes et al. 2018) of the embeddings, after PCA to 50
// dimensions (UMAP's nearest-neighbour search is the slow part and scales with the dimensions).
// Above MAP_FIT_CAP images UMAP is fitted on a seeded sample and the others are placed among their
// nearest fitted ones (map-placing.ts); wide embeddings are read from the store row by row, never all
// held. Coordinates are stored scaled to [0, 1]; labels and suggestions are joined when the map is read.
import type { BackboneName, DatasetMap, MapPoints, MapProgress, MapSummary } from '../../../shared/labelling.js';
import { getDataset } from '../datasets/queries.js';
import { fitPcaFrom, projectPca } from '../embeddings/pca.js';
import { hashString, mulberry32, shuffleInPlace } from '../platform/random.js';
import { nowIso, writeTransaction, type Database } from '../platform/store/db.js';
import { FittedNeighbourhood } from './map-placing.js';
import { leanUmap } from './umap-fit.js';
import { datasetVectorSource, heldVectors, pickBackbone, type VectorSource } from './vectors.js';

const PCA_DIMENSIONS = 50;
/**
 * UMAP is fitted on at most this many points (~70 s on 2 cores); the rest are placed among their
 * nearest fitted points in seconds. At or under it the map is UMAP of every point, as before.
 */
export const MAP_FIT_CAP = 20_000;
/** Placed points between progress reports and cancellation checks. */
const PLACING_CHUNK = 1000;

export interface MapOptions {
  backbone?: BackboneName;
  signal?: AbortSignal;
  onProgress?: (p: MapProgress) => void;
  seed?: number;
  /** See MAP_FIT_CAP (a test lowers it). */
  fitCap?: number;
}

export function computeMap(db: Database, datasetId: number, opts: MapOptions = {}): MapSummary {
  const started = performance.now();
  const dataset = getDataset(db, datasetId);
  const seed = opts.seed ?? dataset.seed;
  const emit = opts.onProgress ?? (() => {});
  const backbone = pickBackbone(db, datasetId, opts.backbone);
  const onPhase = (phase: LayoutPhase, done: number, total: number) => emit({ datasetId, phase, done, total });
  emit({ datasetId, phase: 'loading', done: 0, total: 1 });
  // One read transaction: the sample PCA is fitted on and the pass projecting every row see the same rows.
  const { imageIds, reduced } = db.transaction(() => {
    const { imageIds, source } = datasetVectorSource(db, datasetId, backbone);
    return { imageIds, reduced: reduceForMap(source, seed, onPhase) };
  })();
  const seconds = () => Math.round((performance.now() - started) / 100) / 10;
  const laid = layoutReduced(reduced, seed, onPhase, opts.signal, { fitCap: opts.fitCap });
  if (!laid) return { datasetId, backbone, points: 0, pcaDimensions: 0, fitted: 0, seconds: seconds(), status: 'cancelled' };
  const { coords, pcaDimensions, fitted } = laid;
  emit({ datasetId, phase: 'saving', done: 0, total: 1 });
  const [x0, x1] = extent(coords, 0);
  const [y0, y1] = extent(coords, 1);
  const norm = (v: number, lo: number, hi: number) => (hi > lo ? (v - lo) / (hi - lo) : 0.5);
  writeTransaction(db, () => {
    db.prepare('DELETE FROM map_points WHERE dataset_id = ?').run(datasetId);
    const insert = db.prepare('INSERT INTO map_points (image_id, dataset_id, x, y) VALUES (?, ?, ?, ?)');
    imageIds.forEach((imageId, i) => insert.run(imageId, datasetId, norm(coords[i]![0]!, x0, x1), norm(coords[i]![1]!, y0, y1)));
    db.prepare(
      `INSERT INTO maps (dataset_id, backbone, pca_dimensions, computed_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (dataset_id) DO UPDATE SET backbone = excluded.backbone, pca_dimensions = excluded.pca_dimensions, computed_at = excluded.computed_at`,
    ).run(datasetId, backbone, pcaDimensions, nowIso());
  });
  emit({ datasetId, phase: 'done', done: 1, total: 1 });
  return { datasetId, backbone, points: imageIds.length, pcaDimensions, fitted: fitted.length, seconds: seconds(), status: 'completed' };
}

/** Smallest and largest coordinate `axis` (a loop: spreading 100,000 arguments can overflow the stack). */
function extent(coords: number[][], axis: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of coords) {
    lo = Math.min(lo, c[axis]!);
    hi = Math.max(hi, c[axis]!);
  }
  return [lo, hi];
}

/** A map's phases after loading, in order; 'placing' only when there are more points than the fit's cap. */
export type LayoutPhase = 'pca' | 'neighbours' | 'umap' | 'placing';

export interface LayoutOptions {
  /** UMAP is fitted on at most this many points (a seeded sample); the others are placed by their nearest. */
  fitCap?: number;
}

export interface Layout {
  coords: number[][];
  pcaDimensions: number;
  /** The rows UMAP was fitted on, ascending (every row up to the cap); the others were placed. */
  fitted: Int32Array;
}

/** Rows ready for UMAP: the vectors, or their first 50 principal components when wider. */
export interface Reduced {
  rows: Float32Array[];
  pcaDimensions: number;
}

/**
 * PCA (when the vectors are wide) then UMAP to 2-D; null when cancelled. Above `fitCap` points UMAP
 * is fitted on a seeded sample of that many and every other point is placed among its nearest fitted
 * ones (map-placing.ts): umap-js's neighbour search at 100,000 points had not finished after 17 min.
 */
export function layoutPoints(
  vectors: Float32Array[],
  seed: number,
  onPhase: (phase: LayoutPhase, done: number, total: number) => void = () => {},
  signal?: AbortSignal,
  opts: LayoutOptions = {},
): Layout | null {
  return layoutReduced(reduceForMap(heldVectors(vectors), seed, onPhase), seed, onPhase, signal, opts);
}

/** PCA to 50 dimensions when wider: fitted on a sample, each row projected as it is read. */
export function reduceForMap(source: VectorSource, seed: number, onPhase: (phase: 'pca', done: number, total: number) => void = () => {}): Reduced {
  const n = source.count;
  const dims = n > 0 ? (source.rows([0])[0]?.length ?? 0) : 0;
  const rows = new Array<Float32Array>(n);
  if (dims > PCA_DIMENSIONS && n > PCA_DIMENSIONS) {
    onPhase('pca', 0, 1);
    const pca = fitPcaFrom(n, (indices) => source.rows(indices), PCA_DIMENSIONS, seed);
    source.each((v, i) => (rows[i] = projectPca(pca, v)));
    return { rows, pcaDimensions: pca.k };
  }
  source.each((v, i) => (rows[i] = v));
  return { rows, pcaDimensions: dims };
}

/** UMAP of the reduced rows (fitted on a sample above the cap, the others placed); null when cancelled. */
export function layoutReduced(
  { rows, pcaDimensions }: Reduced,
  seed: number,
  onPhase: (phase: LayoutPhase, done: number, total: number) => void = () => {},
  signal?: AbortSignal,
  opts: LayoutOptions = {},
): Layout | null {
  const n = rows.length;
  if (n < 4) return { coords: rows.map((_, i) => [i, 0]), pcaDimensions, fitted: fittedRows(n, n, seed) };
  const fitted = fittedRows(n, opts.fitCap ?? MAP_FIT_CAP, seed);
  const data = Array.from(fitted, (i) => Array.from(rows[i]!));
  const umap = leanUmap({ nComponents: 2, nNeighbors: Math.min(15, data.length - 1), minDist: 0.1, random: mulberry32(hashString(`map:${seed}`)) });
  // initializeFit builds the nearest-neighbour graph: said as its own phase, not left under "pca".
  onPhase('neighbours', 0, 1);
  const epochs = umap.initializeFit(data);
  for (let e = 0; e < epochs; e++) {
    if (signal?.aborted) return null;
    umap.step();
    if (e % 10 === 0) onPhase('umap', e, epochs);
  }
  const embedding = umap.getEmbedding();
  if (fitted.length === n) return { coords: embedding, pcaDimensions, fitted };

  const total = n - fitted.length;
  onPhase('placing', 0, total);
  const coords = new Array<number[]>(n);
  const isFitted = new Uint8Array(n);
  fitted.forEach((row, i) => {
    coords[row] = embedding[i]!;
    isFitted[row] = 1;
  });
  const neighbourhood = new FittedNeighbourhood(Array.from(fitted, (i) => rows[i]!), embedding, seed);
  let done = 0;
  for (let i = 0; i < n; i++) {
    if (isFitted[i]) continue;
    if (done % PLACING_CHUNK === 0) {
      if (signal?.aborted) return null;
      if (done > 0) onPhase('placing', done, total);
    }
    coords[i] = neighbourhood.place(rows[i]!);
    done++;
  }
  onPhase('placing', total, total);
  return { coords, pcaDimensions, fitted };
}

/** The rows UMAP is fitted on, ascending: all of them, or a seeded sample of `cap`. */
function fittedRows(n: number, cap: number, seed: number): Int32Array {
  if (n <= cap) return Int32Array.from({ length: n }, (_, i) => i);
  const order = shuffleInPlace(Array.from({ length: n }, (_, i) => i), mulberry32(hashString(`map-fit:${seed}`)));
  return Int32Array.from(order.slice(0, Math.max(4, cap))).sort();
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
