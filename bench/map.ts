// npm run bench:map -- [--count 100000] [--dims 1792] [--clusters 40] [--separation 0.2] [--cap 20000] [--seed 42]
//   [--store DIR]
// The dataset map at large N (issue 22): synthetic clustered embeddings (default: the default
// backbone's width), laid out by layoutPoints; seconds per phase, the process's peak RSS, and how
// well the placed points sit: for each placed point, is its nearest fitted point on the map of its own
// cluster (against the same for fitted points among themselves), and the recall of the nearest-fitted
// search against brute force on a sample. One count per run: the peak RSS is the process's. The
// vectors are streamed to the layout as computeMap streams them from the store; the store's own
// reading (the 'loading' phase) is not in these figures.
// Each cluster is a centre, a few directions of its own with a wide spread (pose, light) and noise
// in every dimension, so PCA and the neighbour search see more than points around a centre.
import os from 'node:os';
import { BACKBONE_SPECS } from '../src/main/core/embeddings/backbones.js';
import { saveEmbeddings } from '../src/main/core/embeddings/embedding-store.js';
import { Workspace } from '../src/main/core/platform/workspace.js';
import { fitPcaFrom, projectPca } from '../src/main/core/embeddings/pca.js';
import { hashString, mulberry32 } from '../src/main/core/platform/random.js';
import { computeMap, layoutReduced, MAP_FIT_CAP, reduceForMap, type LayoutPhase } from '../src/main/core/suggestions/map.js';
import { FittedNeighbourhood, PLACING_NEIGHBOURS } from '../src/main/core/suggestions/map-placing.js';
import type { VectorSource } from '../src/main/core/suggestions/vectors.js';
import { DEFAULT_BACKBONE } from '../src/shared/labelling.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const count = Number(arg('count', '100000'));
const dims = Number(arg('dims', String(BACKBONE_SPECS[DEFAULT_BACKBONE].dimensions)));
const clusters = Number(arg('clusters', '40'));
const cap = Number(arg('cap', String(MAP_FIT_CAP)));
const seed = Number(arg('seed', '42'));
/** Spread of the cluster centres against the noise (1 in every dimension): lower overlaps the clusters more. */
const separation = Number(arg('separation', '0.2'));
const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
const peakRss = () => process.resourceUsage().maxRSS * 1024;

// Vector i comes from its own seeded generator, so it can be made again: the layout reads a sample,
// then every row once, as computeMap streams them from the store (no 100,000 × 1,792 array held).
const shared = mulberry32(seed);
const gaussOf = (random: () => number) => () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const sharedGauss = gaussOf(shared);
const DIRECTIONS = 4;
const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: dims }, () => separation * sharedGauss()));
const directions = Array.from({ length: clusters * DIRECTIONS }, () => Float32Array.from({ length: dims }, () => sharedGauss() * 0.1));
const clusterOf = (i: number) => Math.floor(mulberry32(hashString(`${seed}:${i}`))() * clusters);
function vectorAt(i: number): Float32Array {
  const random = mulberry32(hashString(`${seed}:${i}`));
  const c = Math.floor(random() * clusters);
  const gauss = gaussOf(random);
  const v = Float32Array.from(centres[c]!, (m) => m + gauss());
  for (let d = 0; d < DIRECTIONS; d++) {
    const z = gauss();
    const u = directions[c * DIRECTIONS + d]!;
    for (let j = 0; j < dims; j++) v[j]! += z * u[j]!;
  }
  return v;
}
const source: VectorSource = {
  count,
  rows: (indices) => indices.map(vectorAt),
  each: (fn) => {
    for (let i = 0; i < count; i++) fn(vectorAt(i), i);
  },
};

// --store DIR: the whole job as the studio runs it, computeMap on a workspace whose embeddings table
// holds the vectors (made there once, kept for the next run): reading them from SQLite, the phases,
// saving the points. Run it twice for the job's own peak RSS (the first run's includes writing them).
const storeDir = process.argv.includes('--store') ? arg('store', '') : null;
if (storeDir) {
  const ws = Workspace.open(storeDir);
  const db = ws.db;
  const name = `bench-map-${count}-${dims}-${clusters}-${separation}-${seed}`;
  let datasetId = db.prepare('SELECT id FROM datasets WHERE name = ?').pluck().get(name) as number | undefined;
  let built = '';
  if (datasetId === undefined) {
    const start = performance.now();
    const now = new Date().toISOString();
    datasetId = Number(db.prepare('INSERT INTO datasets (name, root, split_train, split_val, split_test, seed, created_at) VALUES (?, ?, 0.8, 0.1, 0.1, ?, ?)').run(name, `${storeDir}/${name}`, seed, now).lastInsertRowid);
    const image = db.prepare(`INSERT INTO images (dataset_id, path, status, hash, created_at, updated_at) VALUES (?, ?, 'ok', ?, ?, ?)`);
    for (let from = 0; from < count; from += 5000) {
      const batch = Array.from({ length: Math.min(5000, count - from) }, (_, b) => from + b);
      db.transaction(() => batch.forEach((i) => image.run(datasetId, `img${String(i).padStart(7, '0')}.png`, `${name}:${i}`, now, now)))();
      saveEmbeddings(db, DEFAULT_BACKBONE, batch.map((i) => ({ hash: `${name}:${i}`, vector: vectorAt(i) })));
    }
    built = ` (stored first in ${((performance.now() - start) / 1000).toFixed(1)} s: this peak includes writing them)`;
  }
  const seconds = new Map<string, number>();
  let current = '';
  let since = performance.now();
  const summary = computeMap(db, datasetId, {
    backbone: DEFAULT_BACKBONE,
    seed,
    fitCap: cap,
    onProgress: (p) => {
      if (p.phase === current) return;
      if (current) seconds.set(current, (performance.now() - since) / 1000);
      [current, since] = [p.phase, performance.now()];
    },
  });
  console.log(
    `computeMap of ${summary.points.toLocaleString('en-US')} stored ${dims}-d embeddings (UMAP fitted on ${summary.fitted.toLocaleString('en-US')}): ${summary.seconds.toFixed(1)} s — ` +
      [...seconds].map(([p, s]) => `${p} ${s.toFixed(1)} s`).join(' · '),
  );
  console.log(`peak RSS ${mb(peakRss())}${built}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  ws.close();
  process.exit(0);
}

const cluster = Int32Array.from({ length: count }, (_, i) => clusterOf(i));
let started = performance.now();
source.each(() => {});
const making = (performance.now() - started) / 1000;
console.log(
  `${count.toLocaleString('en-US')} vectors of ${dims} (${clusters} clusters, separation ${separation}; ${mb(count * dims * 4)} if held, streamed here), ` +
    `made in ${making.toFixed(1)} s per pass; ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
);
const rssBefore = process.memoryUsage().rss;

const seconds = new Map<LayoutPhase, number>();
let phase: LayoutPhase | null = null;
let phaseStart = performance.now();
const close = () => {
  if (phase) seconds.set(phase, (seconds.get(phase) ?? 0) + (performance.now() - phaseStart) / 1000);
};
started = performance.now();
const onPhase = (p: LayoutPhase) => {
  if (p === phase) return;
  close();
  phase = p;
  phaseStart = performance.now();
};
const laid = layoutReduced(reduceForMap(source, seed, onPhase), seed, onPhase, undefined, { fitCap: cap })!;
close();
const total = (performance.now() - started) / 1000;
console.log(
  `map of ${count.toLocaleString('en-US')} (UMAP fitted on ${laid.fitted.length.toLocaleString('en-US')}): ${total.toFixed(1)} s — ` +
    [...seconds].map(([p, s]) => `${p} ${s.toFixed(1)} s`).join(' · ') + ` (pca includes making the vectors, ~${making.toFixed(1)} s)`,
);
console.log(`RSS ${mb(rssBefore)} before the layout, peak ${mb(peakRss())}`);

// Quality: does a point's nearest fitted point on the map share its cluster? A grid of cells over the
// map finds it without 80,000 × 20,000 distances.
const isFitted = new Uint8Array(count);
for (const i of laid.fitted) isFitted[i] = 1;
const grid = new Map<string, number[]>();
const [xs, ys] = [laid.coords.map((c) => c[0]!), laid.coords.map((c) => c[1]!)];
let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
for (let i = 0; i < count; i++) [x0, x1, y0, y1] = [Math.min(x0, xs[i]!), Math.max(x1, xs[i]!), Math.min(y0, ys[i]!), Math.max(y1, ys[i]!)];
const side = Math.max(1, Math.round(Math.sqrt(laid.fitted.length / 4)));
const cellOf = (v: number, lo: number, hi: number) => Math.min(side - 1, Math.floor(((v - lo) / (hi - lo || 1)) * side));
for (const i of laid.fitted) {
  const key = `${cellOf(xs[i]!, x0, x1)},${cellOf(ys[i]!, y0, y1)}`;
  (grid.get(key) ?? grid.set(key, []).get(key)!).push(i);
}
function nearestFittedOnMap(i: number): number {
  const [cx, cy] = [cellOf(xs[i]!, x0, x1), cellOf(ys[i]!, y0, y1)];
  let best = -1;
  let bestD = Infinity;
  // Ring r of cells is at least (r − 1) cell widths away.
  const width = Math.min((x1 - x0) / side, (y1 - y0) / side);
  for (let r = 0; r <= side && (best < 0 || (r - 1) * width <= Math.sqrt(bestD)); r++) {
    for (let gx = cx - r; gx <= cx + r; gx++) for (let gy = cy - r; gy <= cy + r; gy++) {
      if (Math.max(Math.abs(gx - cx), Math.abs(gy - cy)) !== r) continue;
      for (const j of grid.get(`${gx},${gy}`) ?? []) {
        if (j === i) continue;
        const d = (xs[i]! - xs[j]!) ** 2 + (ys[i]! - ys[j]!) ** 2;
        if (d < bestD) [best, bestD] = [j, d];
      }
    }
  }
  return best;
}
const agreement = (rows: number[]) => rows.filter((i) => cluster[nearestFittedOnMap(i)] === cluster[i]).length / Math.max(1, rows.length);
const placedRows = [...cluster.keys()].filter((i) => !isFitted[i]);
const fittedRows = Array.from(laid.fitted);
console.log(
  `own cluster of the nearest fitted point on the map: placed ${(agreement(placedRows) * 100).toFixed(1)}% (${placedRows.length.toLocaleString('en-US')}) · ` +
    `fitted ${(agreement(fittedRows) * 100).toFixed(1)}% (${fittedRows.length.toLocaleString('en-US')})`,
);

// The nearest-fitted search against brute force, in the same PCA space as the layout.
if (placedRows.length > 0) {
  const pca = fitPcaFrom(count, source.rows, 50, seed);
  const fitted = fittedRows.map((i) => projectPca(pca, vectorAt(i)));
  const near = new FittedNeighbourhood(fitted, fitted.map(() => [0, 0]), seed);
  const sample = placedRows.slice(0, 500);
  let found = 0;
  started = performance.now();
  for (const i of sample) {
    const q = projectPca(pca, vectorAt(i));
    const truth = new Set(fitted.map((f, j) => [f.reduce((s, x, t) => s + (x - q[t]!) ** 2, 0), j] as const).sort((a, b) => a[0] - b[0]).slice(0, PLACING_NEIGHBOURS).map(([, j]) => j));
    found += [...near.nearest(q).ids].filter((j) => truth.has(j)).length;
  }
  console.log(`nearest-fitted search: recall@${PLACING_NEIGHBOURS} ${((found / (sample.length * PLACING_NEIGHBOURS)) * 100).toFixed(1)}% against brute force (${sample.length} placed points)`);
}
