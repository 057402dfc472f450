// Seeded k-means on embedding vectors: k-means++ starts (Arthur & Vassilvitskii 2007, "k-means++: the
// advantages of careful seeding"), then Lloyd iterations until no point moves. Optional weights pull
// the centres toward heavy points (the weighted k-means of Zhdanov 2019's diverse mini-batches).
// Deterministic for a seed: the only randomness is the k-means++ draws.
import { mulberry32 } from '../platform/random.js';

export interface Clustering {
  /** The cluster of every point. */
  assignment: Int32Array;
  centres: Float32Array[];
  /** Points per cluster. */
  sizes: number[];
}

export interface KMeansOptions {
  seed: number;
  /** At most this many Lloyd iterations (it stops earlier when no point moves). */
  iterations?: number;
  /** One non-negative weight per point (default 1). */
  weights?: ArrayLike<number>;
}

export function squaredDistance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}

export function kMeans(points: Float32Array[], k: number, opts: KMeansOptions): Clustering {
  const n = points.length;
  const dims = points[0]?.length ?? 0;
  k = Math.max(1, Math.min(k, n));
  if (n === 0) return { assignment: new Int32Array(0), centres: [], sizes: [] };
  const weight = (i: number) => (opts.weights ? opts.weights[i]! : 1);
  const random = mulberry32(opts.seed);

  // k-means++: each next centre is drawn with probability ∝ weight × squared distance to the nearest centre.
  const centres: Float32Array[] = [];
  const nearest = new Float64Array(n).fill(Infinity);
  const draw = (mass: (i: number) => number): number => {
    let total = 0;
    for (let i = 0; i < n; i++) total += mass(i);
    if (!(total > 0)) return -1;
    let r = random() * total;
    for (let i = 0; i < n; i++) {
      r -= mass(i);
      if (r < 0) return i;
    }
    return n - 1;
  };
  let first = draw(weight);
  if (first < 0) first = Math.floor(random() * n);
  centres.push(Float32Array.from(points[first]!));
  while (centres.length < k) {
    const last = centres[centres.length - 1]!;
    for (let i = 0; i < n; i++) nearest[i] = Math.min(nearest[i]!, squaredDistance(points[i]!, last));
    const next = draw((i) => weight(i) * nearest[i]!);
    if (next < 0) break; // every remaining point sits on a centre: fewer distinct clusters than k
    centres.push(Float32Array.from(points[next]!));
  }

  // Lloyd iterations on flat buffers (the hot loop: n × k × dims per pass).
  const kk = centres.length;
  const flat = new Float32Array(n * dims);
  points.forEach((p, i) => flat.set(p, i * dims));
  const c = new Float32Array(kk * dims);
  centres.forEach((centre, j) => c.set(centre, j * dims));
  const assignment = new Int32Array(n).fill(-1);
  const iterations = opts.iterations ?? 25;
  for (let it = 0; it < iterations; it++) {
    let moved = 0;
    for (let i = 0; i < n; i++) {
      const off = i * dims;
      let best = 0;
      let bestD = Infinity;
      for (let j = 0; j < kk; j++) {
        const cOff = j * dims;
        let d = 0;
        for (let t = 0; t < dims && d < bestD; t++) {
          const x = flat[off + t]! - c[cOff + t]!;
          d += x * x;
        }
        if (d < bestD) {
          bestD = d;
          best = j;
        }
      }
      if (assignment[i] !== best) {
        assignment[i] = best;
        moved++;
      }
    }
    // Converged when (almost) no point moves: the last few per mille change no pick.
    if (moved === 0 || (it > 0 && moved <= n / 1000)) break;
    const sums = new Float64Array(kk * dims);
    const mass = new Float64Array(kk);
    for (let i = 0; i < n; i++) {
      const j = assignment[i]!;
      const w = weight(i);
      mass[j]! += w;
      for (let t = 0; t < dims; t++) sums[j * dims + t]! += w * flat[i * dims + t]!;
    }
    // A centre that lost all its (weighted) points stays where it is.
    for (let j = 0; j < kk; j++) if (mass[j]! > 0) for (let t = 0; t < dims; t++) c[j * dims + t] = sums[j * dims + t]! / mass[j]!;
  }
  centres.forEach((centre, j) => centre.set(c.subarray(j * dims, (j + 1) * dims)));
  const sizes = centres.map(() => 0);
  for (let i = 0; i < n; i++) sizes[assignment[i]!]!++;
  return { assignment, centres, sizes };
}
