import { describe, expect, it } from 'vitest';
import { DEFAULT_HEALTH_THRESHOLDS } from '../../../../../src/shared/health.js';
import { findIssues, nearDuplicateGroups, outliers, pairwiseFacts, pairwiseIssues, pairwiseIssuesFrom, REDUNDANT_LINKS, summarize, type CheckedImage } from '../../../../../src/main/core/quality/health/checks.js';
import { mulberry32 } from '../../../../../src/main/core/platform/random.js';
import { burst, checkedImage, jpeg, scene, scoreSyntheticSets } from './synthetic.js';

const t = DEFAULT_HEALTH_THRESHOLDS;

describe('label-free checks on pictures made to have one problem each', () => {
  it('flags each problem in its own set with recall and precision of at least 0.9', async () => {
    const scores = await scoreSyntheticSets(12, 24);
    for (const s of scores) {
      expect(s.recall, `${s.type} recall`).toBeGreaterThanOrEqual(0.9);
      expect(s.precision, `${s.type} precision`).toBeGreaterThanOrEqual(0.9);
    }
  }, 120_000);

  it('flags nothing in a set of ordinary colour pictures of one size', async () => {
    const images = await Promise.all(Array.from({ length: 30 }, async (_, i) => checkedImage(i + 1, `ok${i}.jpg`, await jpeg(scene(500 + i)))));
    expect(findIssues(images, t)).toEqual([]);
  }, 60_000);

  it('does not call a grayscale set grayscale: only a grey picture among colour ones is odd', async () => {
    const gray = await Promise.all(Array.from({ length: 10 }, async (_, i) => checkedImage(i + 1, `g${i}.jpg`, await (await import('sharp')).default(await jpeg(scene(700 + i))).grayscale().jpeg().toBuffer())));
    expect(findIssues(gray, t).filter((x) => x.type === 'grayscale')).toEqual([]);
  }, 60_000);

  it('a changed threshold changes the verdict without measuring again', async () => {
    const images = await Promise.all(Array.from({ length: 6 }, async (_, i) => checkedImage(i + 1, `ok${i}.jpg`, await jpeg(scene(900 + i)))));
    const strict = { ...t, blurry: 0.01 };
    expect(findIssues(images, strict).filter((x) => x.type === 'blurry')).toHaveLength(6);
  }, 60_000);
});

describe('near-duplicate groups', () => {
  it('a burst of 20 near-identical shots is one group of 20, not 190 pairs; distinct pictures are in no group', async () => {
    const shots = await burst(3, 20);
    const pair = await burst(4, 2);
    const distinct = await Promise.all(Array.from({ length: 25 }, (_, i) => jpeg(scene(300 + i))));
    const files = [...shots.map((b, i) => ({ p: `burst/${String(i).padStart(2, '0')}.jpg`, b })), ...pair.map((b, i) => ({ p: `pair/${i}.jpg`, b })), ...distinct.map((b, i) => ({ p: `other/${i}.jpg`, b }))];
    const images = await Promise.all(files.map((f, i) => checkedImage(i + 1, f.p, f.b)));
    const groups = nearDuplicateGroups(images, t);
    expect(groups.map((g) => g.members.length)).toEqual([20, 2]);
    expect(groups[0]!.members.every((m) => m.image.path.startsWith('burst/'))).toBe(true);
    expect(groups[1]!.members.every((m) => m.image.path.startsWith('pair/'))).toBe(true);
    const summary = summarize(findIssues(images, t));
    expect(summary['near-duplicate']).toBe(2);
  }, 60_000);

  it('300 copies of one picture keep a bounded number of links, still one group, whole after excluding a few', async () => {
    const [bytes] = await burst(5, 1);
    const copy = await checkedImage(1, 'copy/000.jpg', bytes!);
    // Identical pixels, different files (as a camera's re-saves or a synced folder's copies are).
    const images = Array.from({ length: 300 }, (_, i) => ({ ...copy, imageId: i + 1, path: `copy/${String(i).padStart(3, '0')}.jpg`, hash: `h${i}` }));
    const facts = pairwiseFacts(images, t);
    // All pairs would be 44,850 links.
    expect(facts.links.length).toBeLessThanOrEqual(300 * REDUNDANT_LINKS + 300);
    expect(pairwiseIssuesFrom(images, t, facts).filter((i) => i.type === 'near-duplicate')).toHaveLength(300);
    const rest = images.filter((_, i) => i % 50 !== 0);
    const groups = new Set(pairwiseIssuesFrom(rest, t, facts).map((i) => i.group));
    expect([...groups]).toEqual([1]);
    expect(pairwiseIssuesFrom(rest, t, facts)).toHaveLength(rest.length);
  }, 60_000);

  it('the same file twice is a group; embeddings almost equal link pictures whose pixels differ', () => {
    const im = (id: number, hash: string): CheckedImage => ({ imageId: id, path: `p${id}`, label: null, hash, width: 10, height: 10, measures: null });
    const images = [im(1, 'a'), im(2, 'a'), im(3, 'b'), im(4, 'c'), im(5, 'd')];
    const vectors = new Map<string, number[]>([
      ['b', [1, 0, 0, 0.01]],
      ['c', [1, 0, 0, 0.02]],
      ['d', [0, 1, 0, 0]],
    ]);
    const groups = nearDuplicateGroups(images, t, { backbone: 'test', vectors });
    expect(groups.map((g) => g.members.map((m) => m.image.imageId))).toEqual([[1, 2], [3, 4]]);
  });
});

describe('outliers by kNN distance in embedding space', () => {
  it('finds the points far from every cluster and none of the clustered ones', () => {
    const rand = mulberry32(11);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const dims = 128;
    const centres = Array.from({ length: 4 }, () => Array.from({ length: dims }, gauss));
    const vectors = new Map<string, number[]>();
    const images: CheckedImage[] = [];
    for (let i = 0; i < 200; i++) {
      const c = centres[i % 4]!;
      vectors.set(`h${i}`, c.map((x) => x + 0.35 * gauss()));
      images.push({ imageId: i + 1, path: `in/${i}`, label: null, hash: `h${i}`, width: 1, height: 1, measures: null });
    }
    for (let i = 0; i < 8; i++) {
      vectors.set(`o${i}`, Array.from({ length: dims }, gauss));
      images.push({ imageId: 1000 + i, path: `out/${i}`, label: null, hash: `o${i}`, width: 1, height: 1, measures: null });
    }
    const found = outliers(images, t, { backbone: 'test', vectors }).map((o) => o.image.path);
    const hits = found.filter((p) => p.startsWith('out/')).length;
    expect(hits / 8).toBeGreaterThanOrEqual(0.9);
    expect(hits / found.length).toBeGreaterThanOrEqual(0.9);
  });
});

describe('pairwise issues from pairs compared once, over a larger set', () => {
  it('gives the issues of any subset exactly as comparing that subset would: a group split by removing its bridge, outliers among what is left', () => {
    const rand = mulberry32(21);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const dims = 16;
    const at = (angle: number) => Array.from({ length: dims }, (_, d) => (d === 0 ? Math.cos(angle) : d === 1 ? Math.sin(angle) : 0));
    const vectors = new Map<string, number[]>();
    const images: CheckedImage[] = [];
    const add = (id: number, v: number[]) => {
      vectors.set(`h${id}`, v);
      images.push({ imageId: id, path: `p${String(id).padStart(3, '0')}`, label: null, hash: `h${id}`, width: 1, height: 1, measures: null });
    };
    // A chain: 1–2 and 2–3 are within the near-duplicate distance (0.016), 1–3 is not (0.064).
    add(1, at(0));
    add(2, at(0.18));
    add(3, at(0.36));
    const centre = Array.from({ length: dims }, gauss);
    for (let i = 10; i < 50; i++) add(i, centre.map((x) => x + 0.6 * gauss()));
    for (let i = 90; i < 93; i++) add(i, Array.from({ length: dims }, gauss));
    const embeddings = { backbone: 'test', vectors };
    const facts = pairwiseFacts(images, t, embeddings);
    expect(nearDuplicateGroups(images, t, embeddings).map((g) => g.members.map((m) => m.image.imageId))).toEqual([[1, 2, 3]]);

    const without = (ids: number[]) => images.filter((im) => !ids.includes(im.imageId));
    for (const gone of [[2], [10, 11, 12, 13, 14], [2, 90], []]) {
      const subset = without(gone);
      expect(pairwiseIssuesFrom(subset, t, facts), `without ${gone.join(', ')}`).toEqual(pairwiseIssues(subset, t, embeddings));
    }
    expect(pairwiseIssuesFrom(without([2]), t, facts).filter((i) => i.type === 'near-duplicate')).toEqual([]);
    expect(pairwiseIssuesFrom(images, t, facts).filter((i) => i.type === 'outlier').length).toBeGreaterThan(0);
  });
});

describe('the pairwise checks at scale (neighbours from the cell index instead of every pair)', () => {
  it('finds the same outliers and embedding near-duplicate groups as comparing every pair', () => {
    const rand = mulberry32(5);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const dims = 128;
    const centres = Array.from({ length: 6 }, () => Array.from({ length: dims }, gauss));
    const vectors = new Map<string, number[]>();
    const images: CheckedImage[] = [];
    const add = (hash: string, v: number[], path: string) => {
      vectors.set(hash, v);
      images.push({ imageId: images.length + 1, path, label: null, hash, width: 1, height: 1, measures: null });
    };
    for (let i = 0; i < 600; i++) add(`h${i}`, centres[i % 6]!.map((x) => x + 0.35 * gauss()), `in/${i}`);
    // Near-duplicates by embedding: five pairs and one burst of four, a hair apart.
    for (let d = 0; d < 5; d++) add(`d${d}`, vectors.get(`h${d * 7}`)!.map((x) => x + 0.001 * gauss()), `dup/${d}`);
    for (let b = 0; b < 3; b++) add(`b${b}`, vectors.get('h100')!.map((x) => x + 0.001 * gauss()), `burst/${b}`);
    for (let i = 0; i < 10; i++) add(`o${i}`, Array.from({ length: dims }, gauss), `out/${i}`);
    const embeddings = { backbone: 'test', vectors };
    const exact = pairwiseFacts(images, t, embeddings);
    const cells = pairwiseFacts(images, t, embeddings, { exactMax: 50 });
    const groups = (facts: ReturnType<typeof pairwiseFacts>) =>
      [...new Set(pairwiseIssuesFrom(images, t, facts).filter((i) => i.type === 'near-duplicate').map((i) => i.group))].length;
    const flagged = (facts: ReturnType<typeof pairwiseFacts>, type: string) =>
      pairwiseIssuesFrom(images, t, facts).filter((i) => i.type === type).map((i) => i.path).sort();
    expect(groups(exact)).toBe(6);
    expect(flagged(cells, 'near-duplicate')).toEqual(flagged(exact, 'near-duplicate'));
    expect(groups(cells)).toBe(6);
    const outliersExact = flagged(exact, 'outlier');
    expect(outliersExact.filter((p) => p.startsWith('out/')).length).toBeGreaterThanOrEqual(9);
    expect(flagged(cells, 'outlier')).toEqual(outliersExact);
  });
});
