// PCA by randomized range finding (Halko, Martinsson & Tropp 2011, "Finding structure with
// randomness", alg. 4.4 with 2 power iterations): the top k directions of n × d vectors in
// O(n·d·k) instead of the O(d³) of an eigendecomposition, fitted on a seeded sample of the rows.
import { mulberry32, shuffleInPlace } from '../platform/random.js';

export interface Pca {
  mean: Float32Array;
  /** k × d, row-major: the principal directions, most variance first. */
  components: Float32Array;
  k: number;
  d: number;
}

/** Orthonormalises the columns of a (rows × cols, row-major) in place with modified Gram–Schmidt. */
function orthonormalise(a: Float64Array, rows: number, cols: number): void {
  for (let j = 0; j < cols; j++) {
    for (let p = 0; p < j; p++) {
      let dot = 0;
      for (let i = 0; i < rows; i++) dot += a[i * cols + j]! * a[i * cols + p]!;
      for (let i = 0; i < rows; i++) a[i * cols + j]! -= dot * a[i * cols + p]!;
    }
    let norm = 0;
    for (let i = 0; i < rows; i++) norm += a[i * cols + j]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < rows; i++) a[i * cols + j]! /= norm;
  }
}

export function fitPca(vectors: Float32Array[], k: number, seed = 42, maxRows = 2000): Pca {
  return fitPcaFrom(vectors.length, (indices) => indices.map((i) => vectors[i]!), k, seed, maxRows);
}

/**
 * The same fit when the n vectors are not all held: rowsAt(indices) gives just the sampled rows, in
 * the order asked (a map of 100,000 wide embeddings streams them from the store).
 */
export function fitPcaFrom(count: number, rowsAt: (indices: number[]) => Float32Array[], k: number, seed = 42, maxRows = 2000): Pca {
  const random = mulberry32(seed);
  const all = Array.from({ length: count }, (_, i) => i);
  const rows = rowsAt(count > maxRows ? shuffleInPlace(all, random).slice(0, maxRows) : all);
  const d = rows[0]?.length ?? 0;
  const n = rows.length;
  k = Math.max(1, Math.min(k, d, n));
  const mean = new Float32Array(d);
  for (const v of rows) for (let j = 0; j < d; j++) mean[j]! += v[j]! / n;
  const x = new Float64Array(n * d);
  rows.forEach((v, i) => {
    for (let j = 0; j < d; j++) x[i * d + j] = v[j]! - mean[j]!;
  });
  const l = Math.min(d, k + 10); // oversampling
  // Y = X Ω, then power iterations Y = X (Xᵀ Y), orthonormalised each time.
  let omega = new Float64Array(d * l).map(() => random() * 2 - 1);
  let y = new Float64Array(n * l);
  const xTimes = (m: Float64Array) => {
    const out = new Float64Array(n * l);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) {
      const xv = x[i * d + j]!;
      if (xv === 0) continue;
      for (let c = 0; c < l; c++) out[i * l + c]! += xv * m[j * l + c]!;
    }
    return out;
  };
  const xtTimes = (m: Float64Array) => {
    const out = new Float64Array(d * l);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) {
      const xv = x[i * d + j]!;
      if (xv === 0) continue;
      for (let c = 0; c < l; c++) out[j * l + c]! += xv * m[i * l + c]!;
    }
    return out;
  };
  y = xTimes(omega);
  orthonormalise(y, n, l);
  for (let it = 0; it < 2; it++) {
    omega = xtTimes(y);
    orthonormalise(omega, d, l);
    y = xTimes(omega);
    orthonormalise(y, n, l);
  }
  // B = Qᵀ X (l × d); its top right singular vectors are the principal directions: eigenvectors of B Bᵀ (l × l).
  const b = new Float64Array(l * d);
  for (let i = 0; i < n; i++) for (let c = 0; c < l; c++) {
    const q = y[i * l + c]!;
    for (let j = 0; j < d; j++) b[c * d + j]! += q * x[i * d + j]!;
  }
  const bbt = new Float64Array(l * l);
  for (let a = 0; a < l; a++) for (let c = a; c < l; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += b[a * d + j]! * b[c * d + j]!;
    bbt[a * l + c] = s;
    bbt[c * l + a] = s;
  }
  const { values, vectors: eig } = symmetricEigen(bbt, l);
  const order = [...values.keys()].sort((p, q) => values[q]! - values[p]!).slice(0, k);
  const components = new Float32Array(k * d);
  order.forEach((e, r) => {
    const sv = Math.sqrt(Math.max(values[e]!, 1e-12));
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let a = 0; a < l; a++) s += eig[a * l + e]! * b[a * d + j]!;
      components[r * d + j] = s / sv;
    }
  });
  return { mean, components, k, d };
}

export function projectPca(pca: Pca, v: Float32Array): Float32Array {
  const { k, d, components } = pca;
  const out = new Float32Array(k);
  const centred = new Float64Array(d);
  for (let j = 0; j < d; j++) centred[j] = v[j]! - pca.mean[j]!;
  // Four components per pass over the vector (a map projects 100,000 of them); each sum keeps its order.
  let r = 0;
  for (; r + 4 <= k; r += 4) {
    const [o0, o1, o2, o3] = [r * d, (r + 1) * d, (r + 2) * d, (r + 3) * d];
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < d; j++) {
      const x = centred[j]!;
      s0 += x * components[o0 + j]!;
      s1 += x * components[o1 + j]!;
      s2 += x * components[o2 + j]!;
      s3 += x * components[o3 + j]!;
    }
    out[r] = s0;
    out[r + 1] = s1;
    out[r + 2] = s2;
    out[r + 3] = s3;
  }
  for (; r < k; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += centred[j]! * components[r * d + j]!;
    out[r] = s;
  }
  return out;
}

/** Jacobi eigenvalue iteration for a small symmetric matrix (columns of `vectors` are eigenvectors). */
function symmetricEigen(m: Float64Array, n: number): { values: number[]; vectors: Float64Array } {
  const a = Float64Array.from(m);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-18) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: Array.from({ length: n }, (_, i) => a[i * n + i]!), vectors: v };
}
