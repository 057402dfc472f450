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
// The nearest fitted points come from an inverted file over them (../embeddings/cell-index.ts).
import { CellIndex } from '../embeddings/cell-index.js';

/** Fitted points a placed point is averaged from. */
export const PLACING_NEIGHBOURS = 10;
/** Fitted points whose map distances to their nearest fitted points give `reach`. */
const REACH_SAMPLE = 500;

export class FittedNeighbourhood {
  private readonly k: number;
  private readonly index: CellIndex;
  /** On the map: the median distance from a fitted point to its nearest fitted points. */
  private readonly reach: number;

  /**
   * fitted: the fitted points' (PCA) vectors; coords: their 2-D positions, in the same order.
   */
  constructor(fitted: Float32Array[], private readonly coords: number[][], seed: number, k = PLACING_NEIGHBOURS) {
    const n = fitted.length;
    this.k = Math.max(1, Math.min(k, n));
    this.index = new CellIndex(fitted, seed);
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
    return this.index.nearest(v, this.k);
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
