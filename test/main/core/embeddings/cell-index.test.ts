// The inverted file behind neighbours at scale: against brute force on clustered vectors.
import { describe, expect, it } from 'vitest';
import { CellIndex, squaredDistance } from '../../../../src/main/core/embeddings/cell-index.js';
import { mulberry32 } from '../../../../src/main/core/platform/random.js';

function clustered(n: number, dims: number, clusters: number, spread: number, seed: number): Float32Array[] {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: dims }, gauss));
  return Array.from({ length: n }, (_, i) => Float32Array.from(centres[i % clusters]!, (x) => x + spread * gauss()));
}

function bruteForce(vectors: Float32Array[], q: number, k: number): number[] {
  const dims = vectors[0]!.length;
  return vectors
    .map((v, i) => ({ i, d: i === q ? Infinity : squaredDistance(vectors[q]!, v, 0, dims, Infinity) }))
    .sort((a, b) => a.d - b.d)
    .slice(0, k)
    .map((x) => x.i);
}

describe('CellIndex', () => {
  const vectors = clustered(3000, 48, 25, 0.6, 7);
  const queries = Array.from({ length: 150 }, (_, j) => j * 20);

  it('finds at least 90% of the true 10 nearest, never the query itself, nearest first', () => {
    const index = new CellIndex(vectors, 3);
    let found = 0;
    for (const q of queries) {
      const { ids, squared } = index.nearest(vectors[q]!, 10, q);
      expect(Array.from(ids)).not.toContain(q);
      for (let r = 1; r < 10; r++) expect(squared[r]!).toBeGreaterThanOrEqual(squared[r - 1]!);
      const truth = new Set(bruteForce(vectors, q, 10));
      found += Array.from(ids).filter((i) => truth.has(i)).length;
    }
    expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.9);
  });

  it('is exact when it may probe every cell', () => {
    const index = new CellIndex(vectors, 3, Number.MAX_SAFE_INTEGER);
    for (const q of queries.slice(0, 40)) expect(Array.from(index.nearest(vectors[q]!, 10, q).ids)).toEqual(bruteForce(vectors, q, 10));
  });

  it('fits its cells on a sample above 20,000 vectors and still indexes every one', () => {
    const many = clustered(21_000, 8, 40, 0.3, 9);
    const index = new CellIndex(many, 1);
    expect(index.size).toBe(21_000);
    // Each vector's nearest is an exact copy planted at the end: found through the cells it was assigned to.
    const probe = Float32Array.from(many[20_999]!);
    expect(index.nearest(probe, 1).ids[0]).toBe(20_999);
    expect(index.nearest(probe, 1).squared[0]).toBe(0);
  });
});
