// PCA of a sample of the rows: the same fit whether the rows are held or fetched by index.
import { describe, expect, it } from 'vitest';
import { fitPca, fitPcaFrom, projectPca } from '../../../../src/main/core/embeddings/pca.js';
import { mulberry32 } from '../../../../src/main/core/platform/random.js';

describe('pca', () => {
  const random = mulberry32(8);
  // Most of the variance along the first two axes.
  const vectors = Array.from({ length: 600 }, () => Float32Array.from({ length: 12 }, (_, j) => (random() - 0.5) * (j === 0 ? 10 : j === 1 ? 5 : 1)));

  it('fitted from rows fetched by index asks only for its sample and is the fit of the held rows', () => {
    const asked: number[][] = [];
    const fetched = fitPcaFrom(vectors.length, (indices) => (asked.push(indices), indices.map((i) => vectors[i]!)), 3, 5, 100);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toHaveLength(100);
    expect(new Set(asked[0]).size).toBe(100);
    expect(fetched).toEqual(fitPca(vectors, 3, 5, 100));
  });

  it('puts the widest direction first and projects onto it', () => {
    const pca = fitPca(vectors, 2, 5, 100);
    expect(Math.abs(pca.components[0]!)).toBeGreaterThan(0.95);
    const v = vectors[3]!;
    expect(projectPca(pca, v)[0]).toBeCloseTo((v[0]! - pca.mean[0]!) * pca.components[0]! + [...v].slice(1).reduce((s, x, j) => s + (x - pca.mean[j + 1]!) * pca.components[j + 1]!, 0), 4);
  });
});
