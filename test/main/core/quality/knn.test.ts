import { describe, expect, it } from 'vitest';
import { cosineDistance, nearestNeighbours, searchVectors } from '../../../../src/main/core/quality/knn.js';
import { mulberry32 } from '../../../../src/main/core/platform/random.js';

describe('nearestNeighbours', () => {
  const rand = mulberry32(3);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const centres = Array.from({ length: 12 }, () => Array.from({ length: 300 }, gauss));
  const raw = Array.from({ length: 1500 }, (_, i) => centres[i % 12]!.map((x) => x + 0.5 * gauss()));
  const vectors = searchVectors(raw);

  it('projects wide vectors to unit vectors of 96 dimensions, the same as projecting the normalised ones', () => {
    expect(vectors[0]).toHaveLength(96);
    const norm = Math.hypot(...Array.from(vectors[0]!));
    expect(norm).toBeCloseTo(1, 5);
    const scaled = searchVectors(raw.map((v) => v.map((x) => 7 * x)));
    expect(Array.from(scaled[0]!).every((x, d) => Math.abs(x - vectors[0]![d]!) < 1e-5)).toBe(true);
  });

  it('above its exact limit, finds ≥ 90% of the true neighbours with their true cosine distances', () => {
    const exact = nearestNeighbours(vectors, 20);
    const cells = nearestNeighbours(vectors, 20, 100);
    let found = 0;
    for (let i = 0; i < vectors.length; i++) {
      const truth = new Set(exact.indices[i]);
      const ids = cells.indices[i]!;
      expect(Array.from(ids)).not.toContain(i);
      ids.forEach((j, r) => {
        if (truth.has(j)) found++;
        expect(cells.distances[i]![r]!).toBeCloseTo(cosineDistance(vectors[i]!, vectors[j]!), 4);
      });
    }
    expect(found / (vectors.length * 20)).toBeGreaterThanOrEqual(0.9);
  });
});
