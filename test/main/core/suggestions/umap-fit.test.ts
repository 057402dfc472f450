// The lean umap-js fit (its fuzzy set without string-keyed sparse matrices, no search graph) lays out
// exactly what umap-js itself does.
import { UMAP, type UMAPParameters } from 'umap-js';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../src/main/core/platform/random.js';
import { leanUmap } from '../../../../src/main/core/suggestions/umap-fit.js';

function clustered(n: number, dims: number, seed: number): number[][] {
  const random = mulberry32(seed);
  const centres = Array.from({ length: 6 }, () => Array.from({ length: dims }, () => random() * 4));
  return Array.from({ length: n }, (_, i) => centres[i % 6]!.map((m) => m + random() - 0.5));
}

function fit(make: (p: UMAPParameters) => UMAP, data: number[][], epochs?: number): number[][] {
  const umap = make({ nComponents: 2, nNeighbors: 15, minDist: 0.1, random: mulberry32(11) });
  const planned = umap.initializeFit(data);
  for (let e = 0; e < (epochs ?? planned); e++) umap.step();
  return umap.getEmbedding();
}

describe('lean umap fit', () => {
  it.each([
    ['300 points', 300, 8],
    ['3,000 points (fewer epochs planned)', 3000, 20],
  ])('lays %s out exactly as umap-js', (_, n, dims) => {
    const data = clustered(n, dims, n);
    // 30 epochs are enough to carry any difference in the graph into the coordinates.
    expect(fit(leanUmap, data, 30)).toEqual(fit((p) => new UMAP(p), data, 30));
  });

  it('plans the same number of epochs and starts from the same graph', () => {
    const data = clustered(500, 5, 3);
    const lean = leanUmap({ nNeighbors: 15, random: mulberry32(1) });
    const stock = new UMAP({ nNeighbors: 15, random: mulberry32(1) });
    expect(lean.initializeFit(data)).toBe(stock.initializeFit(data));
    const edges = (u: UMAP) => (u as unknown as { graph: { getAll(): { row: number; col: number; value: number }[] } }).graph.getAll().filter((e) => e.value !== 0);
    expect(edges(lean)).toEqual(edges(stock));
  });
});
