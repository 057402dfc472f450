// umap-js (1.4.0, pinned) with two of its fit's steps made lean; the layout it computes is the same to
// the last bit (test/main/core/suggestions/umap-fit.test.ts compares them):
// - its fuzzy simplicial set, A + Aᵀ − A∘Aᵀ over the k-nearest-neighbour memberships A, is computed
//   with one numeric-keyed Map instead of five sparse matrices keyed by "row:col" strings: at 20,000
//   points that step took 11 s and ~600 MB of live heap, the peak of the whole map;
// - the search graph it builds for `transform` (never called here) is skipped: 3.5 s and 280 MB more.
// The fit reads the set afterwards through its largest value and getAll, sorted by (row, col), so
// building it in that order rather than umap-js's changes nothing.
import { UMAP, type UMAPParameters } from 'umap-js';
import { SparseMatrix } from 'umap-js/dist/matrix.js';

/** umap-js's own steps this module calls or replaces (private in its types). */
interface UmapInternals {
  knnIndices?: number[][];
  knnDistances?: number[][];
  localConnectivity: number;
  smoothKNNDistance(distances: number[][], k: number, localConnectivity: number): { sigmas: number[]; rhos: number[] };
  computeMembershipStrengths(indices: number[][], distances: number[][], sigmas: number[], rhos: number[]): { rows: number[]; cols: number[]; vals: number[] };
  fuzzySimplicialSet(X: number[][], nNeighbors: number, setOpMixRatio?: number): SparseMatrix;
  makeSearchGraph(X: number[][]): unknown;
}

export function leanUmap(params: UMAPParameters): UMAP {
  const umap = new UMAP(params);
  const inner = umap as unknown as UmapInternals;
  inner.makeSearchGraph = () => undefined;
  inner.fuzzySimplicialSet = (X, nNeighbors, setOpMixRatio = 1) => {
    const { knnIndices = [], knnDistances = [], localConnectivity } = inner;
    const { sigmas, rhos } = inner.smoothKNNDistance(knnDistances, nNeighbors, localConnectivity);
    const { rows, cols, vals } = inner.computeMembershipStrengths(knnIndices, knnDistances, sigmas, rhos);
    return fuzzyUnion(rows, cols, vals, X.length, setOpMixRatio);
  };
  return umap;
}

/**
 * umap-js's set union of the memberships (a later duplicate overwrites, as its SparseMatrix does),
 * value for value: ((a + b) − ab)·mix + ab·(1 − mix), a = A[r][c], b = A[c][r], absent = 0.
 */
function fuzzyUnion(rows: number[], cols: number[], vals: number[], n: number, mix: number): SparseMatrix {
  const a = new Map<number, number>();
  for (let t = 0; t < vals.length; t++) a.set(rows[t]! * n + cols[t]!, vals[t]!);
  const keys = new Set<number>(a.keys());
  for (const key of a.keys()) keys.add((key % n) * n + Math.floor(key / n));
  const ordered = Float64Array.from(keys).sort();
  const outRows = new Array<number>(ordered.length);
  const outCols = new Array<number>(ordered.length);
  const outVals = new Array<number>(ordered.length);
  ordered.forEach((key, i) => {
    const r = Math.floor(key / n);
    const c = key % n;
    const x = a.get(key) ?? 0;
    const y = a.get(c * n + r) ?? 0;
    const both = x * y;
    outRows[i] = r;
    outCols[i] = c;
    outVals[i] = (x + y - both) * mix + both * (1.0 - mix);
  });
  return new SparseMatrix(outRows, outCols, outVals, [n, n]);
}
