// Nearest neighbours among many vectors without comparing every pair: an inverted file (Jégou, Douze
// & Schmid 2011, "Product quantization for nearest neighbor search", its IVF). The vectors are grouped
// into k-means cells; a query scans the cells nearest to it first, skips a cell whose radius says it
// holds nothing nearer than the k found so far, and abandons a distance once it passes the k-th (PCA
// and random projections put much of a distance in the first dimensions, so many candidates are
// dropped early). Exact when the cells skipped by their radius are all the cells past the first
// `maxProbes`; approximate where more cells overlap a query (bench:map's noisy clusters: 91–93% of the
// true 10 nearest found, a missed one replaced by the next nearest).
//
// Used where all pairs would crawl: placing a large map's points among the fitted ones, and the
// health checks' and the audit's neighbours in embedding space at tens of thousands of pictures
// (100,000 pictures: 5·10⁹ pairs, minutes; here, seconds).
import { mulberry32 } from '../platform/random.js';
import { kMeans } from './kmeans.js';

/** Cells scanned at most per query. */
export const MAX_PROBES = 16;
/** The cells' k-means is fitted on at most this many vectors (seeded sample); every vector is then assigned. */
const CELL_FIT_SAMPLE = 20_000;

export interface Nearest {
  /** Indices into the indexed vectors, nearest first; −1 past the last found. */
  ids: Int32Array;
  /** Their squared Euclidean distances (Infinity past the last found). */
  squared: Float64Array;
}

export class CellIndex {
  readonly size: number;
  private readonly dims: number;
  /** Vectors grouped by cell: cell c holds rows start[c] … start[c + 1] − 1. */
  private readonly points: Float32Array;
  /** The index, among the indexed vectors, of each of those rows. */
  private readonly ids: Int32Array;
  private readonly start: Int32Array;
  private readonly centres: Float32Array;
  /** Largest distance from a cell's centre to one of its points. */
  private readonly radius: Float64Array;
  private readonly cellDistance: Float64Array;
  private readonly cellOrder: Int32Array;

  constructor(vectors: Float32Array[], seed: number, private readonly maxProbes = MAX_PROBES) {
    const n = vectors.length;
    this.size = n;
    this.dims = vectors[0]?.length ?? 0;
    const dims = this.dims;
    // √n cells of √n points: a query's nearest cells hold a few hundred to a few thousand candidates.
    const cells = Math.max(1, Math.round(Math.sqrt(n)));
    const sample = n <= CELL_FIT_SAMPLE ? vectors : seededSample(vectors, CELL_FIT_SAMPLE, seed);
    const { centres } = kMeans(sample, cells, { seed, iterations: 10 });
    const count = centres.length;
    this.centres = new Float32Array(count * dims);
    centres.forEach((centre, c) => this.centres.set(centre, c * dims));
    const assignment = new Int32Array(n);
    const near = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < count; c++) {
        const d = squaredDistance(vectors[i]!, this.centres, c * dims, dims, bestD);
        if (d < bestD) [best, bestD] = [c, d];
      }
      assignment[i] = best;
      near[i] = bestD;
    }
    this.start = new Int32Array(count + 1);
    for (let i = 0; i < n; i++) this.start[assignment[i]! + 1]!++;
    for (let c = 0; c < count; c++) this.start[c + 1]! += this.start[c]!;
    const fill = this.start.slice(0, count);
    this.points = new Float32Array(n * dims);
    this.ids = new Int32Array(n);
    this.radius = new Float64Array(count);
    for (let i = 0; i < n; i++) {
      const c = assignment[i]!;
      const row = fill[c]!++;
      this.points.set(vectors[i]!, row * dims);
      this.ids[row] = i;
      this.radius[c] = Math.max(this.radius[c]!, Math.sqrt(near[i]!));
    }
    this.cellDistance = new Float64Array(count);
    this.cellOrder = new Int32Array(count);
  }

  /**
   * The k nearest indexed vectors of v, nearest first; `skip` (an indexed vector's own index) is left
   * out. The result is fresh arrays, the caller's to keep.
   */
  nearest(v: Float32Array, k: number, skip = -1): Nearest {
    const { dims, cellDistance, cellOrder } = this;
    const kk = Math.max(1, k);
    const best = new Float64Array(kk).fill(Infinity);
    const bestId = new Int32Array(kk).fill(-1);
    const cells = cellOrder.length;
    for (let c = 0; c < cells; c++) {
      cellDistance[c] = squaredDistance(v, this.centres, c * dims, dims, Infinity);
      cellOrder[c] = c;
    }
    cellOrder.sort((a, b) => cellDistance[a]! - cellDistance[b]!);
    let probed = 0;
    for (let o = 0; o < cells; o++) {
      const c = cellOrder[o]!;
      // Nothing in the cell is nearer than its centre's distance less its radius.
      const reach = Math.sqrt(cellDistance[c]!) - this.radius[c]!;
      if (reach > 0 && reach * reach >= best[kk - 1]!) continue;
      if (probed++ === this.maxProbes) break;
      for (let row = this.start[c]!; row < this.start[c + 1]!; row++) {
        const d = squaredDistance(v, this.points, row * dims, dims, best[kk - 1]!);
        if (d >= best[kk - 1]! || this.ids[row] === skip) continue;
        insertSorted(best, bestId, d, this.ids[row]!);
      }
    }
    return { ids: bestId, squared: best };
  }
}

/** Inserts (d, id) into the ascending top-k lists `best` / `bestId` when it is nearer than the last; the last drops out. */
export function insertSorted(best: Float64Array | Float32Array, bestId: Int32Array, d: number, id: number): void {
  const k = best.length;
  if (k === 0 || d >= best[k - 1]!) return;
  let p = k - 1;
  while (p > 0 && best[p - 1]! > d) {
    best[p] = best[p - 1]!;
    bestId[p] = bestId[p - 1]!;
    p--;
  }
  best[p] = d;
  bestId[p] = id;
}

/** m vectors drawn without replacement (seeded partial Fisher–Yates), in their original order. */
function seededSample(vectors: Float32Array[], m: number, seed: number): Float32Array[] {
  const random = mulberry32(seed);
  const order = Int32Array.from({ length: vectors.length }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(random() * (order.length - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return Array.from(order.subarray(0, m).sort(), (i) => vectors[i]!);
}

/** ‖v − m[offset …]‖², abandoned (returning at least `stop`) once it reaches `stop`; eight terms per step (twice as fast as one). */
export function squaredDistance(v: Float32Array, m: Float32Array, offset: number, dims: number, stop: number): number {
  let s = 0;
  let t = 0;
  for (; t + 8 <= dims; t += 8) {
    const a0 = v[t]! - m[offset + t]!;
    const a1 = v[t + 1]! - m[offset + t + 1]!;
    const a2 = v[t + 2]! - m[offset + t + 2]!;
    const a3 = v[t + 3]! - m[offset + t + 3]!;
    const a4 = v[t + 4]! - m[offset + t + 4]!;
    const a5 = v[t + 5]! - m[offset + t + 5]!;
    const a6 = v[t + 6]! - m[offset + t + 6]!;
    const a7 = v[t + 7]! - m[offset + t + 7]!;
    s += (a0 * a0 + a1 * a1) + (a2 * a2 + a3 * a3) + ((a4 * a4 + a5 * a5) + (a6 * a6 + a7 * a7));
    if (s >= stop) return s;
  }
  for (; t < dims; t++) {
    const x = v[t]! - m[offset + t]!;
    s += x * x;
  }
  return s;
}
