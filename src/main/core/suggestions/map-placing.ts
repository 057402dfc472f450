// Places the points a large map's UMAP was not fitted on, among their k nearest fitted points (in PCA
// space) on the map. Each neighbour weighs like a UMAP membership strength, exp(−(d − ρ)/σ) with ρ the
// nearest distance. A point does not go to the weighted mean of all its neighbours' positions: UMAP
// may lay one cluster out as several islands, and a mean of two islands lands between them, among
// other clusters (bench:map's clusters, 20,000 points fitted on 5,000: the nearest fitted point on the
// map was of a placed point's own cluster for 57%, against 88% for fitted points). It goes to the
// weighted mean of the neighbours around the densest of their positions (88% there): the neighbour
// with the most weight within `reach` of it, `reach` being the distance UMAP typically put between a
// fitted point and its nearest fitted points.
//
// The nearest fitted points come from an inverted file (Jégou, Douze & Schmid 2011, "Product
// quantization for nearest neighbor search", its IVF): k-means cells over the fitted points. A point
// scans the cells nearest its own position first, skips a cell whose radius says it holds nothing
// nearer than the k found so far, and abandons a distance once it passes the k-th (PCA puts the
// widest dimensions first, so many candidates are dropped early). Exact when the cells skipped by their
// radius are all the cells past the first MAX_PROBES; approximate where more cells overlap a point
// (bench:map's noisy clusters: 91–93% of the true 10 nearest found, a missed one replaced by the next).
import { kMeans } from '../embeddings/kmeans.js';

/** Fitted points a placed point is averaged from. */
export const PLACING_NEIGHBOURS = 10;
/** Cells scanned at most per point. */
const MAX_PROBES = 16;
/** Fitted points whose map distances to their nearest fitted points give `reach`. */
const REACH_SAMPLE = 500;

export class FittedNeighbourhood {
  private readonly dims: number;
  private readonly k: number;
  /** Fitted vectors grouped by cell: cell c holds rows start[c] … start[c + 1] − 1. */
  private readonly points: Float32Array;
  /** The index, among the fitted points, of each of those rows. */
  private readonly ids: Int32Array;
  private readonly start: Int32Array;
  private readonly centres: Float32Array;
  /** Largest distance from a cell's centre to one of its points. */
  private readonly radius: Float64Array;
  private readonly cellDistance: Float64Array;
  private readonly cellOrder: Int32Array;
  private readonly best: Float64Array;
  private readonly bestId: Int32Array;
  /** On the map: the median distance from a fitted point to its nearest fitted points. */
  private readonly reach: number;

  /**
   * fitted: the fitted points' (PCA) vectors; coords: their 2-D positions, in the same order.
   */
  constructor(fitted: Float32Array[], private readonly coords: number[][], seed: number, k = PLACING_NEIGHBOURS) {
    const n = fitted.length;
    this.dims = fitted[0]?.length ?? 0;
    this.k = Math.max(1, Math.min(k, n));
    // √n cells of √n points: a point's own cell and its neighbours' hold a few hundred candidates.
    const { assignment, centres } = kMeans(fitted, Math.max(1, Math.round(Math.sqrt(n))), { seed, iterations: 10 });
    const cells = centres.length;
    this.start = new Int32Array(cells + 1);
    for (let i = 0; i < n; i++) this.start[assignment[i]! + 1]!++;
    for (let c = 0; c < cells; c++) this.start[c + 1]! += this.start[c]!;
    const fill = this.start.slice(0, cells);
    this.points = new Float32Array(n * this.dims);
    this.ids = new Int32Array(n);
    this.centres = new Float32Array(cells * this.dims);
    centres.forEach((centre, c) => this.centres.set(centre, c * this.dims));
    this.radius = new Float64Array(cells);
    for (let i = 0; i < n; i++) {
      const c = assignment[i]!;
      const row = fill[c]!++;
      this.points.set(fitted[i]!, row * this.dims);
      this.ids[row] = i;
      this.radius[c] = Math.max(this.radius[c]!, Math.sqrt(squaredDistance(fitted[i]!, this.centres, c * this.dims, this.dims, Infinity)));
    }
    this.cellDistance = new Float64Array(cells);
    this.cellOrder = new Int32Array(cells);
    this.best = new Float64Array(this.k);
    this.bestId = new Int32Array(this.k);
    const distances: number[] = [];
    for (let i = 0; i < n; i += Math.max(1, Math.floor(n / REACH_SAMPLE))) {
      // The first found is the point itself.
      const { ids } = this.nearest(fitted[i]!);
      for (let j = 1; j < ids.length && ids[j]! >= 0; j++) distances.push(mapDistance(coords[i]!, coords[ids[j]!]!));
    }
    distances.sort((a, b) => a - b);
    this.reach = distances[distances.length >> 1] ?? 0;
  }

  /** The k nearest fitted points of v: their indices, nearest first, and squared distances. */
  nearest(v: Float32Array): { ids: Int32Array; squared: Float64Array } {
    const { dims, k, best, bestId, cellDistance, cellOrder } = this;
    const cells = cellOrder.length;
    for (let c = 0; c < cells; c++) {
      cellDistance[c] = squaredDistance(v, this.centres, c * dims, dims, Infinity);
      cellOrder[c] = c;
    }
    cellOrder.sort((a, b) => cellDistance[a]! - cellDistance[b]!);
    best.fill(Infinity);
    bestId.fill(-1);
    let probed = 0;
    for (let o = 0; o < cells; o++) {
      const c = cellOrder[o]!;
      // Nothing in the cell is nearer than its centre's distance less its radius.
      const reach = Math.sqrt(cellDistance[c]!) - this.radius[c]!;
      if (reach > 0 && reach * reach >= best[k - 1]!) continue;
      if (probed++ === MAX_PROBES) break;
      for (let row = this.start[c]!; row < this.start[c + 1]!; row++) {
        const d = squaredDistance(v, this.points, row * dims, dims, best[k - 1]!);
        if (d >= best[k - 1]!) continue;
        let p = k - 1;
        while (p > 0 && best[p - 1]! > d) {
          best[p] = best[p - 1]!;
          bestId[p] = bestId[p - 1]!;
          p--;
        }
        best[p] = d;
        bestId[p] = this.ids[row]!;
      }
    }
    return { ids: bestId, squared: best };
  }

  /** Where v goes on the map: the weighted mean of its nearest fitted points around the densest of them. */
  place(v: Float32Array): [number, number] {
    const { ids, squared } = this.nearest(v);
    let found = 0;
    while (found < ids.length && ids[found]! >= 0) found++;
    const rho = Math.sqrt(squared[0]!);
    let gaps = 0;
    for (let j = 0; j < found; j++) gaps += Math.sqrt(squared[j]!) - rho;
    // σ: the mean gap past the nearest, so weights fall by e over a typical neighbour's step.
    const sigma = gaps > 0 ? gaps / found : 1;
    const weight = Array.from({ length: found }, (_, j) => Math.exp(-(Math.sqrt(squared[j]!) - rho) / sigma));
    const at = Array.from({ length: found }, (_, j) => this.coords[ids[j]!]!);
    const near = (a: number, b: number) => mapDistance(at[a]!, at[b]!) <= this.reach;
    let anchor = 0;
    let most = -1;
    for (let a = 0; a < found; a++) {
      let support = 0;
      for (let b = 0; b < found; b++) if (near(a, b)) support += weight[b]!;
      if (support > most) [anchor, most] = [a, support];
    }
    let x = 0;
    let y = 0;
    for (let b = 0; b < found; b++) {
      if (!near(anchor, b)) continue;
      x += weight[b]! * at[b]![0]!;
      y += weight[b]! * at[b]![1]!;
    }
    return [x / most, y / most];
  }
}

function mapDistance(a: number[], b: number[]): number {
  return Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!);
}

/** ‖v − m[offset …]‖², abandoned (returning at least `stop`) once it reaches `stop`; eight terms per step (twice as fast as one). */
function squaredDistance(v: Float32Array, m: Float32Array, offset: number, dims: number, stop: number): number {
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
