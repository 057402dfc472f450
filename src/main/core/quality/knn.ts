// Nearest neighbours in embedding space, shared by the outlier check, near-duplicates by embedding
// and the kNN label check. Vectors are L2-normalised so cosine distance is 1 − dot product. Vectors
// wider than PROJECTED_DIMENSIONS are first reduced by a seeded Gaussian random projection, which
// keeps pairwise distances within a small factor (Johnson–Lindenstrauss lemma; Achlioptas,
// "Database-friendly random projections", PODS 2001), and candidate pairs are then measured again on
// the full vectors. Up to EXACT_NEIGHBOURS_MAX vectors every pair is compared (a second or two);
// beyond, an inverted file of k-means cells finds them (../embeddings/cell-index.ts), so 100,000
// pictures take seconds rather than the minutes of 5·10⁹ pairs.
import { CellIndex, insertSorted } from '../embeddings/cell-index.js';
import { mulberry32 } from '../platform/random.js';

export const PROJECTED_DIMENSIONS = 96;

export function normalised(v: ArrayLike<number>): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * inv;
  return out;
}

export function cosineDistance(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += a[i]! * b[i]!;
  return 1 - d;
}

/** Normalised vectors, projected to PROJECTED_DIMENSIONS when wider (then normalised again). */
export function searchVectors(vectors: ArrayLike<number>[], seed = 1): Float32Array[] {
  const dims = vectors[0]?.length ?? 0;
  if (dims <= PROJECTED_DIMENSIONS) return vectors.map(normalised);
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const matrix = new Float32Array(PROJECTED_DIMENSIONS * dims);
  for (let i = 0; i < matrix.length; i++) matrix[i] = gauss();
  // Projected first and normalised after: the projection is linear, so this equals projecting the
  // unit vector, and no full-width copy of every vector is made (100,000 × 1,792 floats = 717 MB).
  return vectors.map((v) => {
    const out = new Float32Array(PROJECTED_DIMENSIONS);
    for (let p = 0; p < PROJECTED_DIMENSIONS; p++) {
      let s = 0;
      const row = p * dims;
      for (let i = 0; i < dims; i++) s += matrix[row + i]! * v[i]!;
      out[p] = s;
    }
    return normalised(out);
  });
}

export interface Neighbours {
  /** indices[i]: the k nearest other rows of row i, nearest first. */
  indices: Int32Array[];
  distances: Float32Array[];
}

/** Above this many vectors, neighbours come from the cell index rather than from every pair. */
export const EXACT_NEIGHBOURS_MAX = 8_000;

/** The k nearest other rows of every row (cosine distance on normalised vectors). */
export function nearestNeighbours(vectors: Float32Array[], k: number, exactMax = EXACT_NEIGHBOURS_MAX): Neighbours {
  const n = vectors.length;
  const kk = Math.min(k, Math.max(0, n - 1));
  if (n > exactMax && kk > 0) {
    // On unit vectors ‖a − b‖² = 2 − 2a·b = 2 × cosine distance: the same order, half the value.
    const index = new CellIndex(vectors, 1);
    const indices: Int32Array[] = [];
    const distances: Float32Array[] = [];
    for (let i = 0; i < n; i++) {
      const { ids, squared } = index.nearest(vectors[i]!, kk, i);
      indices.push(ids);
      distances.push(Float32Array.from(squared, (d) => (Number.isFinite(d) ? d / 2 : Infinity)));
    }
    return { indices, distances };
  }
  const indices = Array.from({ length: n }, () => new Int32Array(kk).fill(-1));
  const distances = Array.from({ length: n }, () => new Float32Array(kk).fill(Infinity));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = cosineDistance(vectors[i]!, vectors[j]!);
      insertSorted(distances[i]!, indices[i]!, d, j);
      insertSorted(distances[j]!, indices[j]!, d, i);
    }
  }
  return { indices, distances };
}

export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
