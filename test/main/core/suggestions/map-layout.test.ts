// The map above its fit cap: UMAP on a seeded sample, every other point placed among its nearest
// fitted points (here with the cap lowered to 300 so 1,000 points are enough).
import { describe, expect, it } from 'vitest';
import { layoutPoints, type LayoutPhase } from '../../../../src/main/core/suggestions/map.js';
import { FittedNeighbourhood } from '../../../../src/main/core/suggestions/map-placing.js';
import { mulberry32 } from '../../../../src/main/core/platform/random.js';

/** n vectors of `dims` around `clusters` centres, cluster i % clusters; wider than PCA's 50 dimensions. */
function clustered(n: number, clusters: number, dims = 64, spread = 0.5, seed = 3): { vectors: Float32Array[]; cluster: number[] } {
  const random = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: dims }, gauss));
  const cluster = Array.from({ length: n }, (_, i) => i % clusters);
  return { vectors: cluster.map((c) => Float32Array.from(centres[c]!, (m) => m + spread * gauss())), cluster };
}

const squared = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s;
};

describe('map above the fit cap', () => {
  const { vectors, cluster } = clustered(1000, 5);

  it('fits UMAP on a sample of the cap and places every other point beside fitted points of its own cluster', () => {
    const phases: LayoutPhase[] = [];
    const placing: [number, number][] = [];
    const laid = layoutPoints(vectors, 7, (phase, done, total) => {
      if (phases.at(-1) !== phase) phases.push(phase);
      if (phase === 'placing') placing.push([done, total]);
    }, undefined, { fitCap: 300 })!;
    expect(phases).toEqual(['pca', 'neighbours', 'umap', 'placing']);
    expect(placing[0]).toEqual([0, 700]);
    expect(placing.at(-1)).toEqual([700, 700]);
    expect(laid.fitted).toHaveLength(300);
    expect(new Set(laid.fitted).size).toBe(300);
    expect(laid.coords).toHaveLength(1000);
    expect(laid.coords.every((c) => c.length === 2 && Number.isFinite(c[0]) && Number.isFinite(c[1]))).toBe(true);
    // The sample is spread over the set, not its first rows.
    expect(laid.fitted.at(-1)).toBeGreaterThan(900);
    const fitted = new Set(laid.fitted);
    const placed = [...vectors.keys()].filter((i) => !fitted.has(i));
    const ownCluster = placed.filter((i) => {
      let best = -1;
      for (const j of laid.fitted) if (best < 0 || squared(laid.coords[i]!, laid.coords[j]!) < squared(laid.coords[i]!, laid.coords[best]!)) best = j;
      return cluster[best] === cluster[i];
    }).length;
    expect(ownCluster / placed.length).toBeGreaterThanOrEqual(0.95);
  });

  it('is the same map for the same seed, and another for another seed', () => {
    const a = layoutPoints(vectors, 11, undefined, undefined, { fitCap: 300 })!;
    const b = layoutPoints(vectors, 11, undefined, undefined, { fitCap: 300 })!;
    const c = layoutPoints(vectors, 12, undefined, undefined, { fitCap: 300 })!;
    expect(b.coords).toEqual(a.coords);
    expect(b.fitted).toEqual(a.fitted);
    expect(c.fitted).not.toEqual(a.fitted);
  });

  it('stops when cancelled while placing', () => {
    const controller = new AbortController();
    const seen: [LayoutPhase, number][] = [];
    const laid = layoutPoints(vectors, 7, (phase, done) => {
      seen.push([phase, done]);
      if (phase === 'placing') controller.abort();
    }, controller.signal, { fitCap: 300 });
    expect(laid).toBeNull();
    expect(seen.filter(([phase]) => phase === 'placing')).toEqual([['placing', 0]]);
  });

  it('at or under the cap lays out every point with UMAP and places none', () => {
    const phases = new Set<LayoutPhase>();
    const laid = layoutPoints(vectors.slice(0, 300), 7, (phase) => phases.add(phase), undefined, { fitCap: 300 })!;
    expect(laid.fitted).toHaveLength(300);
    expect(phases.has('placing')).toBe(false);
  });
});

describe('nearest fitted points', () => {
  it('are the true nearest (brute force) for almost every point, nearest first', () => {
    const { vectors } = clustered(2400, 8, 50, 0.8, 9);
    const fitted = vectors.slice(0, 2000);
    const queries = vectors.slice(2000);
    const near = new FittedNeighbourhood(fitted, fitted.map(() => [0, 0]), 1, 10);
    let found = 0;
    for (const q of queries) {
      const { ids, squared: d } = near.nearest(q);
      const truth = fitted.map((f, j) => [squared(q, f), j] as const).sort((x, y) => x[0] - y[0]).slice(0, 10).map(([, j]) => j);
      found += [...ids].filter((j) => truth.includes(j)).length;
      for (let j = 1; j < d.length; j++) expect(d[j]).toBeGreaterThanOrEqual(d[j - 1]!);
    }
    expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.98);
  });

  it('place a point on one island of its cluster, not between two', () => {
    // Cluster 0 laid out as two islands, x ≈ 0 and x ≈ 10 (alternate points); cluster 1 at y ≈ 10.
    const { vectors, cluster } = clustered(600, 2, 20, 0.5, 2);
    const random = mulberry32(4);
    const coords = vectors.map((_, i) => (cluster[i] === 1 ? [5 + random(), 10 + random()] : [(i % 4 === 0 ? 0 : 10) + random(), random()]));
    const near = new FittedNeighbourhood(vectors.slice(0, 500), coords.slice(0, 500), 1);
    for (let i = 500; i < 600; i++) {
      const [x, y] = near.place(vectors[i]!);
      if (cluster[i] === 1) expect(y).toBeGreaterThan(9);
      else expect(Math.min(Math.abs(x - 0.5), Math.abs(x - 10.5))).toBeLessThan(1.5);
    }
  });
});
