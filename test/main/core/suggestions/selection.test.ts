// The active queue's two methods on constructed embeddings whose right picks are known: TypiClust takes
// typical images of the clusters with the fewest labels (never outliers), Zhdanov's diverse choice
// takes uncertain images without two from one small group before the others have one; both are the
// same for a seed.
import { describe, expect, it } from 'vitest';
import { kMeans } from '../../../../src/main/core/embeddings/kmeans.js';
import { mulberry32 } from '../../../../src/main/core/platform/random.js';
import { typicalPicks, typicality, uncertainDiversePicks, type SelectionPool } from '../../../../src/main/core/suggestions/selection.js';

const DIMS = 16;

/** Points around given centres: `spread` of Gaussian noise per dimension, a group name per point. */
function groups(spec: { name: string; centre: number[]; count: number; spread: number }[], seed = 3): { vectors: Float32Array[]; group: string[] } {
  const random = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const vectors: Float32Array[] = [];
  const group: string[] = [];
  for (const g of spec) {
    for (let i = 0; i < g.count; i++) {
      vectors.push(Float32Array.from({ length: DIMS }, (_, j) => (g.centre[j] ?? 0) + g.spread * gauss()));
      group.push(g.name);
    }
  }
  return { vectors, group };
}

const axis = (j: number, length = 5) => Array.from({ length: DIMS }, (_, k) => (k === j ? length : 0));

/** Two tight clusters of 30 and four outliers, each far from everything. */
function clustersAndOutliers() {
  return groups([
    { name: 'a', centre: axis(0), count: 30, spread: 0.3 },
    { name: 'b', centre: axis(1), count: 30, spread: 0.3 },
    { name: 'outlier', centre: axis(2, 12), count: 1, spread: 0 },
    { name: 'outlier', centre: axis(3, 12), count: 1, spread: 0 },
    { name: 'outlier', centre: axis(4, -12), count: 1, spread: 0 },
    { name: 'outlier', centre: axis(5, -12), count: 1, spread: 0 },
  ]);
}

const nothingLabelled = (n: number): SelectionPool['labelled'] => new Array<boolean>(n).fill(false);

describe('k-means', () => {
  it('finds well separated groups and gives the same clusters for a seed', () => {
    const { vectors, group } = groups([
      { name: 'a', centre: axis(0), count: 20, spread: 0.3 },
      { name: 'b', centre: axis(1), count: 20, spread: 0.3 },
      { name: 'c', centre: axis(2), count: 20, spread: 0.3 },
    ]);
    const one = kMeans(vectors, 3, { seed: 9 });
    expect([...one.sizes].sort()).toEqual([20, 20, 20]);
    for (let i = 0; i < vectors.length; i++) for (let j = 0; j < vectors.length; j++) expect(one.assignment[i] === one.assignment[j]).toBe(group[i] === group[j]);
    expect(kMeans(vectors, 3, { seed: 9 }).assignment).toEqual(one.assignment);
  });
});

describe('typicality', () => {
  it('is highest in the middle of a cluster and lowest for a point far out', () => {
    const { vectors } = groups([{ name: 'a', centre: axis(0), count: 40, spread: 0.3 }]);
    vectors.push(Float32Array.from(axis(0, 8)));
    const t = typicality(vectors, 10);
    const distanceToCentre = vectors.map((v) => Math.hypot(...Array.from(v, (x, j) => x - axis(0)[j]!)));
    const mostTypical = [...t.keys()].sort((x, y) => t[y]! - t[x]!)[0]!;
    expect(distanceToCentre[mostTypical]!).toBeLessThan([...distanceToCentre].sort((x, y) => x - y)[10]!);
    expect([...t.keys()].sort((x, y) => t[x]! - t[y]!)[0]).toBe(vectors.length - 1);
  });
});

describe('TypiClust picks (few labels)', () => {
  it('with no labels takes one typical image of each cluster, never an outlier', () => {
    const { vectors, group } = clustersAndOutliers();
    const pool: SelectionPool = { vectors, labelled: nothingLabelled(vectors.length), pickable: vectors.map(() => true) };
    const two = typicalPicks(pool, 2, 1);
    expect(two.map((i) => group[i]).sort()).toEqual(['a', 'b']);
    const six = typicalPicks(pool, 6, 1);
    expect(six).toHaveLength(6);
    expect(six.every((i) => group[i] !== 'outlier')).toBe(true);
    expect(six.filter((i) => group[i] === 'a')).toHaveLength(3);
  });

  it('picks the image nearest the middle of its cluster', () => {
    const { vectors, group } = clustersAndOutliers();
    const pool: SelectionPool = { vectors, labelled: nothingLabelled(vectors.length), pickable: vectors.map(() => true) };
    for (const pick of typicalPicks(pool, 2, 1)) {
      const centre = axis(group[pick] === 'a' ? 0 : 1);
      const distances = vectors.map((v, i) => (group[i] === group[pick] ? Math.hypot(...Array.from(v, (x, j) => x - centre[j]!)) : Infinity));
      const rank = [...distances].sort((x, y) => x - y).indexOf(distances[pick]!);
      expect(rank).toBeLessThan(5); // among the 5 of 30 nearest the true centre
    }
  });

  it('goes to the clusters with the fewest labels first', () => {
    const { vectors, group } = groups([
      { name: 'a', centre: axis(0), count: 30, spread: 0.3 },
      { name: 'b', centre: axis(1), count: 30, spread: 0.3 },
      { name: 'c', centre: axis(2), count: 30, spread: 0.3 },
    ]);
    // One image of a and one of c are labelled: (2 labelled + 1) clusters, and the uncovered one is b.
    const labelled = vectors.map((_, i) => i === 0 || i === 60);
    const pool: SelectionPool = { vectors, labelled, pickable: labelled.map((l) => !l) };
    for (const seed of [1, 2, 3, 4]) expect(typicalPicks(pool, 1, seed).map((i) => group[i])).toEqual(['b']);
  });

  it('never picks an image that is not pickable, and stops when none is left', () => {
    const { vectors } = clustersAndOutliers();
    const pickable = vectors.map((_, i) => i % 7 === 0);
    const picks = typicalPicks({ vectors, labelled: nothingLabelled(vectors.length), pickable }, 50, 2);
    expect(picks.length).toBe(pickable.filter(Boolean).length);
    expect(picks.every((i) => pickable[i])).toBe(true);
    expect(new Set(picks).size).toBe(picks.length);
  });

  it('is the same for a seed', () => {
    const { vectors } = groups([
      { name: 'a', centre: axis(0), count: 60, spread: 2 },
      { name: 'b', centre: axis(1), count: 60, spread: 2 },
    ]);
    const pool: SelectionPool = { vectors, labelled: nothingLabelled(vectors.length), pickable: vectors.map(() => true) };
    expect(typicalPicks(pool, 10, 11)).toEqual(typicalPicks(pool, 10, 11));
  });
});

describe('uncertain and diverse picks (enough labels)', () => {
  /** A tiny tight group with the most uncertain images, and three larger groups a little less uncertain. */
  function uncertainGroups() {
    const { vectors, group } = groups([
      { name: 'tiny', centre: axis(0), count: 5, spread: 0.05 },
      { name: 'a', centre: axis(1), count: 20, spread: 0.5 },
      { name: 'b', centre: axis(2), count: 20, spread: 0.5 },
      { name: 'c', centre: axis(3), count: 20, spread: 0.5 },
      { name: 'sure', centre: axis(4), count: 40, spread: 0.5 },
    ]);
    const random = mulberry32(8);
    const uncertainty = group.map((g) => (g === 'tiny' ? 0.9 : g === 'sure' ? 0.05 * random() : 0.5 + 0.1 * random()));
    return { vectors, group, uncertainty };
  }

  it('take one image of the tiny uncertain group, then one of each other uncertain group', () => {
    const { vectors, group, uncertainty } = uncertainGroups();
    const pool: SelectionPool = { vectors, labelled: nothingLabelled(vectors.length), pickable: vectors.map(() => true) };
    const picks = uncertainDiversePicks(pool, uncertainty, 4, 5);
    expect(picks.map((i) => group[i]).sort()).toEqual(['a', 'b', 'c', 'tiny']);
  });

  it('take uncertain images, never sure ones, never one that is not pickable', () => {
    const { vectors, group, uncertainty } = uncertainGroups();
    const pickable = group.map((g, i) => g !== 'tiny' || i > 2);
    const picks = uncertainDiversePicks({ vectors, labelled: nothingLabelled(vectors.length), pickable }, uncertainty, 6, 5);
    expect(picks).toHaveLength(6);
    expect(picks.every((i) => pickable[i] && group[i] !== 'sure')).toBe(true);
    expect(picks.filter((i) => group[i] === 'tiny').length).toBeLessThanOrEqual(1);
  });

  it('are the same for a seed', () => {
    const { vectors, uncertainty } = uncertainGroups();
    const pool: SelectionPool = { vectors, labelled: nothingLabelled(vectors.length), pickable: vectors.map(() => true) };
    expect(uncertainDiversePicks(pool, uncertainty, 8, 21)).toEqual(uncertainDiversePicks(pool, uncertainty, 8, 21));
  });
});
