// The audit's model-free checks: conflicting duplicates, cross-split near-duplicates, imbalance; and
// the stratified folds the fold models train on.
import { describe, expect, it } from 'vitest';
import { classImbalance, conflictingDuplicates, crossSplitCandidates, pixelCorrelation, type AuditedImage } from '../../../../src/main/core/quality/findings.js';
import { stratifiedFolds } from '../../../../src/main/core/quality/folds.js';

let nextId = 1;
function image(path: string, hash: string, label: string | null, split: AuditedImage['split'], dhash: string | null = null): AuditedImage {
  return { imageId: nextId++, path, hash, label, split, dhash };
}

describe('conflicting duplicates', () => {
  it('reports identical files with different labels, and not identical files that agree', () => {
    const groups = conflictingDuplicates([
      image('a/1.jpg', 'h1', 'a', 'train'),
      image('b/1.jpg', 'h1', 'b', 'test'),
      image('a/2.jpg', 'h2', 'a', 'train'),
      image('a/3.jpg', 'h2', 'a', 'val'),
      image('a/4.jpg', 'h3', 'a', 'train'),
    ]);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.hash).toBe('h1');
    expect(groups[0]!.labels).toEqual(['a', 'b']);
    expect(groups[0]!.images.map((i) => i.path)).toEqual(['a/1.jpg', 'b/1.jpg']);
  });
});

describe('cross-split near-duplicates', () => {
  const images = [
    image('x/train.jpg', 'h1', 'x', 'train', '0000000000000000'),
    image('x/test.jpg', 'h2', 'x', 'test', '000000000000003f'), // 6 bits from train.jpg
    image('x/test-far.jpg', 'h3', 'x', 'test', '00000000000000ff'), // 8 bits
    image('x/train2.jpg', 'h4', 'x', 'train', '0000000000000001'), // same split as train.jpg: never a leak with it
    image('x/nohash.jpg', 'h5', 'x', 'val', null),
  ];

  it('pairs images in different splits within the distance, closest first, train side first', () => {
    const pairs = crossSplitCandidates(images, 6);
    expect(pairs.map((p) => [p.a.path, p.b.path, p.distance])).toEqual([
      ['x/train2.jpg', 'x/test.jpg', 5],
      ['x/train.jpg', 'x/test.jpg', 6],
    ]);
    expect(pairs.every((p) => !p.exact)).toBe(true);
  });

  it('honours the threshold', () => {
    expect(crossSplitCandidates(images, 4)).toEqual([]);
    expect(crossSplitCandidates(images, 8).map((p) => p.b.path)).toContain('x/test-far.jpg');
  });

  it('marks identical files as exact leaks', () => {
    const pairs = crossSplitCandidates([image('a.jpg', 'same', 'x', 'train', '0123456789abcdef'), image('b.jpg', 'same', 'x', 'val', '0123456789abcdef')], 6);
    expect(pairs).toHaveLength(1);
    expect(pairs[0]!.exact).toBe(true);
    expect(pairs[0]!.distance).toBe(0);
  });

  it('confirms with a correlation that ignores brightness and contrast but not content', () => {
    const a = Array.from({ length: 64 }, (_, i) => (i * 37) % 251);
    expect(pixelCorrelation(a, a.map((v) => v * 0.8 + 20))).toBeCloseTo(1, 10);
    expect(pixelCorrelation(a, [...a].reverse())).toBeLessThan(0.5);
    expect(pixelCorrelation([5, 5, 5], [5, 5, 5])).toBe(1);
    expect(pixelCorrelation([5, 5, 5], [1, 2, 3])).toBe(0);
  });
});

describe('class imbalance', () => {
  it('gives the largest / smallest ratio and the classes below a share of an even split', () => {
    const r = classImbalance([{ class: 'a', count: 100 }, { class: 'b', count: 80 }, { class: 'c', count: 20 }], 0.5);
    expect(r.ratio).toBe(5);
    expect(r.rare).toEqual(['c']); // even share 66.7, half of it 33.3
    expect(r.counts[0]!.share).toBeCloseTo(0.5, 10);
  });

  it('has no ratio when a class is empty', () => {
    expect(classImbalance([{ class: 'a', count: 3 }, { class: 'b', count: 0 }], 0.5).ratio).toBeNull();
  });
});

describe('stratified folds', () => {
  it('spreads every class evenly over the folds, reproducibly from the seed', () => {
    const labels = [...new Array(50).fill(0), ...new Array(30).fill(1), ...new Array(7).fill(2)];
    const folds = stratifiedFolds(labels, 5, 42);
    for (const cls of [0, 1, 2]) {
      const sizes = [0, 1, 2, 3, 4].map((f) => folds.filter((g, i) => g === f && labels[i] === cls).length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
    const totals = [0, 1, 2, 3, 4].map((f) => folds.filter((g) => g === f).length);
    expect(Math.max(...totals) - Math.min(...totals)).toBeLessThanOrEqual(1);
    expect(stratifiedFolds(labels, 5, 42)).toEqual(folds);
    expect(stratifiedFolds(labels, 5, 7)).not.toEqual(folds);
  });
});

describe('cross-split candidates at scale', () => {
  /** The definition, written plainly: every pair, sorted by distance, a's path, b's path. */
  function reference(images: AuditedImage[], maxDistance: number, limit: number): string[] {
    const order = { train: 0, val: 1, test: 2 } as const;
    const bits = (a: string, b: string) => [...(BigInt(`0x${a}`) ^ BigInt(`0x${b}`)).toString(2)].filter((c) => c === '1').length;
    const out: { a: AuditedImage; b: AuditedImage; d: number }[] = [];
    images.forEach((p, x) =>
      images.slice(x + 1).forEach((q) => {
        if (p.split === q.split) return;
        const d = bits(p.dhash!, q.dhash!);
        if (d <= maxDistance) out.push(order[p.split!] <= order[q.split!] ? { a: p, b: q, d } : { a: q, b: p, d });
      }),
    );
    out.sort((l, r) => l.d - r.d || l.a.path.localeCompare(r.a.path) || l.b.path.localeCompare(r.b.path));
    return out.slice(0, limit).map((l) => `${l.d} ${l.a.path} ${l.b.path}`);
  }

  it('gives the closest `limit` pairs in the order of the definition, also among many copies', () => {
    let s = 7;
    const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
    const splits = ['train', 'val', 'test'] as const;
    const bases = Array.from({ length: 12 }, () => BigInt(Math.floor(rand() * 2 ** 32)) * 2n ** 32n + BigInt(Math.floor(rand() * 2 ** 32)));
    const images = Array.from({ length: 400 }, (_, i) => {
      // Copies of 12 pictures, some with a few bits flipped.
      let h = bases[i % 12]!;
      for (let f = 0; f < Math.floor(rand() * 4); f++) h ^= 1n << BigInt(Math.floor(rand() * 64));
      return image(`p/${String(Math.floor(rand() * 1e6)).padStart(6, '0')}-${i}.jpg`, `c${i}`, 'x', splits[Math.floor(rand() * 3)]!, h.toString(16).padStart(16, '0'));
    });
    const show = (pairs: ReturnType<typeof crossSplitCandidates>) => pairs.map((l) => `${l.distance} ${l.a.path} ${l.b.path}`);
    for (const limit of [25, 1000, 100_000]) expect(show(crossSplitCandidates(images, 6, limit)), `limit ${limit}`).toEqual(reference(images, 6, limit));
  });
});

