import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SplitFractions, SplitName } from '../../../../src/shared/domain.js';
import { assignSplits, type SplitCandidate } from '../../../../src/main/core/datasets/splits.js';
import { groupKeyOf } from '../../../../src/main/core/datasets/scan.js';
import { generateDemo } from '../../../../src/main/core/demo/generate.js';
import { tempCore, writeImage } from './helpers.js';

function candidates(perClass: Record<number, number>, group?: (classId: number, i: number) => string | null): SplitCandidate[] {
  const out: SplitCandidate[] = [];
  let id = 1;
  for (const [classId, n] of Object.entries(perClass)) {
    for (let i = 0; i < n; i++) {
      out.push({ id: id++, path: `c${classId}/img${String(i).padStart(4, '0')}.jpg`, classId: Number(classId), groupKey: group?.(Number(classId), i) ?? null, split: null });
    }
  }
  return out;
}

function countsByClass(list: SplitCandidate[], assigned: Map<number, SplitName>): Record<number, Record<SplitName, number>> {
  const counts: Record<number, Record<SplitName, number>> = {};
  for (const c of list) {
    const split = c.split ?? assigned.get(c.id)!;
    counts[c.classId] ??= { train: 0, val: 0, test: 0 };
    counts[c.classId]![split] += 1;
  }
  return counts;
}

const F = (train: number, val: number, test: number): SplitFractions => ({ train, val, test });

describe('assignSplits', () => {
  it('gives exact stratified counts: 200 per class at 80/10/10 → 160/20/20 each', () => {
    const list = candidates({ 1: 200, 2: 200, 3: 200 });
    const assigned = assignSplits(list, F(0.8, 0.1, 0.1), 42);
    expect(assigned.size).toBe(600);
    for (const counts of Object.values(countsByClass(list, assigned))) expect(counts).toEqual({ train: 160, val: 20, test: 20 });
  });

  it('honours decimal splits: 200 per class at 62.5/12.5/25 → 125/25/50', () => {
    const list = candidates({ 1: 200, 2: 200 });
    const counts = countsByClass(list, assignSplits(list, F(0.625, 0.125, 0.25), 42));
    expect(counts[1]).toEqual({ train: 125, val: 25, test: 50 });
    expect(counts[2]).toEqual({ train: 125, val: 25, test: 50 });
  });

  it('stays within one image of the exact share per class and split for awkward sizes', () => {
    const list = candidates({ 1: 7, 2: 33, 3: 101 });
    const fractions = F(0.8, 0.1, 0.1);
    const counts = countsByClass(list, assignSplits(list, fractions, 3));
    for (const [classId, n] of [[1, 7], [2, 33], [3, 101]] as const) {
      for (const s of ['train', 'val', 'test'] as const) expect(Math.abs(counts[classId]![s] - fractions[s] * n)).toBeLessThanOrEqual(1);
    }
  });

  it('puts nothing in a split whose fraction is 0', () => {
    const list = candidates({ 1: 50 });
    const counts = countsByClass(list, assignSplits(list, F(0.9, 0, 0.1), 42));
    expect(counts[1]).toEqual({ train: 45, val: 0, test: 5 });
  });

  it('is deterministic for a seed and differs for another seed', () => {
    const list = candidates({ 1: 100, 2: 100 });
    const a = assignSplits(list, F(0.8, 0.1, 0.1), 42);
    const b = assignSplits(structuredClone(list).reverse(), F(0.8, 0.1, 0.1), 42);
    const c = assignSplits(list, F(0.8, 0.1, 0.1), 43);
    expect([...b].sort((x, y) => x[0] - y[0])).toEqual([...a].sort((x, y) => x[0] - y[0]));
    expect([...c]).not.toEqual([...a]);
  });

  it('does not depend on database ids, only on file names and the seed', () => {
    const list = candidates({ 1: 60 });
    const shifted = list.map((c) => ({ ...c, id: c.id + 1000 }));
    const a = assignSplits(list, F(0.8, 0.1, 0.1), 42);
    const b = assignSplits(shifted, F(0.8, 0.1, 0.1), 42);
    for (const c of list) expect(b.get(c.id + 1000)).toBe(a.get(c.id));
  });

  it('never puts one group key in two splits, even across classes', () => {
    // 40 people, 3 to 7 images each, in each of 3 classes.
    const list = candidates({ 1: 200, 2: 200, 3: 200 }, (_c, i) => `id${String(i % 40).padStart(3, '0')}`);
    const assigned = assignSplits(list, F(0.8, 0.1, 0.1), 42);
    const splitOf = new Map<string, Set<SplitName>>();
    for (const c of list) {
      const set = splitOf.get(c.groupKey!) ?? new Set();
      set.add(assigned.get(c.id)!);
      splitOf.set(c.groupKey!, set);
    }
    for (const [key, set] of splitOf) expect(set.size, key).toBe(1);
    const total = { train: 0, val: 0, test: 0 };
    for (const s of assigned.values()) total[s]++;
    // 40 groups of 15 at 80/10/10 → 32/4/4 groups.
    expect(total).toEqual({ train: 480, val: 60, test: 60 });
  });

  it('keeps the splits images already have and places only the new ones, where the split is short', () => {
    const list = candidates({ 1: 100 });
    const first = assignSplits(list, F(0.8, 0.1, 0.1), 42);
    const old = list.map((c) => ({ ...c, split: first.get(c.id)! }));
    const added = candidates({ 1: 200 }).slice(100).map((c) => ({ ...c, id: c.id + 10_000 }));
    const second = assignSplits([...old, ...added], F(0.8, 0.1, 0.1), 42);
    expect(second.size).toBe(100);
    for (const c of old) expect(second.has(c.id)).toBe(false);
    expect(countsByClass([...old, ...added], second)[1]).toEqual({ train: 160, val: 20, test: 20 });
  });

  it('puts a new image of a known group into that group\'s split', () => {
    const list = candidates({ 1: 30 }, (_c, i) => `p${i % 10}`);
    const first = assignSplits(list, F(0.8, 0.1, 0.1), 42);
    const old = list.map((c) => ({ ...c, split: first.get(c.id)! }));
    const newcomer: SplitCandidate = { id: 999, path: 'c1/new.jpg', classId: 1, groupKey: 'p3', split: null };
    const second = assignSplits([...old, newcomer], F(0.8, 0.1, 0.1), 42);
    expect(second.get(999)).toBe(old.find((c) => c.groupKey === 'p3')!.split);
  });
});

describe('groupKeyOf', () => {
  it('takes the first sub-folder under the class with "subfolder", none for files directly in the class', () => {
    expect(groupKeyOf('cats/alice/deep/1.jpg', 'subfolder')).toBe('alice');
    expect(groupKeyOf('cats/1.jpg', 'subfolder')).toBeNull();
  });

  it('takes the first capture group of a file-name regex, else the whole match', () => {
    expect(groupKeyOf('phone/id017_004.jpg', '^(id\\d+)_')).toBe('id017');
    expect(groupKeyOf('phone/sub/id017_004.jpg', '^id\\d+')).toBe('id017');
    expect(groupKeyOf('phone/other.jpg', '^(id\\d+)_')).toBeNull();
    expect(groupKeyOf('phone/id017_004.jpg', null)).toBeNull();
  });
});

describe('group-aware splits on import', () => {
  let env: Awaited<ReturnType<typeof tempCore>>;
  let demo: string;
  let people: number;
  beforeAll(async () => {
    env = await tempCore();
    demo = path.join(env.dir, 'demo');
    people = (await generateDemo({ out: demo, count: 150, size: 32 })).identities;
  });
  afterAll(async () => env.cleanup());

  it("keeps every person of the demo in one split with --group-by '^(id\\d+)_', and says how many groups", async () => {
    const summary = await env.core.call('datasets/import', { folder: demo, groupBy: '^(id\\d+)_' });
    expect(people).toBeGreaterThanOrEqual(10);
    expect(summary.groups).toBe(people);
    const page = await env.core.call('images/list', { datasetId: summary.datasetId });
    const splits = new Map<string, Set<string>>();
    const sizes = new Map<string, number>();
    for (const img of page.items) {
      expect(img.groupKey).toMatch(/^id\d{3}$/);
      splits.set(img.groupKey!, (splits.get(img.groupKey!) ?? new Set()).add(img.split!));
      sizes.set(img.groupKey!, (sizes.get(img.groupKey!) ?? 0) + 1);
    }
    expect(splits.size).toBe(people);
    for (const set of splits.values()) expect(set.size).toBe(1);
    // Whole people per split: each split is within one person's images of its share of the 150.
    const largest = Math.max(...sizes.values());
    for (const [split, share] of [['train', 0.8], ['val', 0.1], ['test', 0.1]] as const) {
      expect(Math.abs(summary.splits[split] - share * 150)).toBeLessThanOrEqual(largest);
      expect(summary.splits[split]).toBeGreaterThan(0);
    }
  });

  it('keeps every sub-folder (person) in one split with --group-by subfolder', async () => {
    const root = path.join(env.dir, 'people');
    let seed = 1;
    for (const cls of ['happy', 'sad']) {
      for (let p = 0; p < 10; p++) {
        await mkdir(path.join(root, cls, `person${p}`), { recursive: true });
        for (let i = 0; i < 3; i++) await writeImage(path.join(root, cls, `person${p}`, `${i}.png`), { seed: seed++, format: 'png', width: 8, height: 8 });
      }
    }
    const summary = await env.core.call('datasets/import', { folder: root, groupBy: 'subfolder' });
    // "person3" under happy and under sad is one person: 10 groups, not 20.
    expect(summary.groups).toBe(10);
    const page = await env.core.call('images/list', { datasetId: summary.datasetId });
    const splits = new Map<string, Set<string>>();
    for (const img of page.items) splits.set(img.groupKey!, (splits.get(img.groupKey!) ?? new Set()).add(img.split!));
    for (const set of splits.values()) expect(set.size).toBe(1);
    expect(summary.splits).toEqual({ train: 48, val: 6, test: 6 });
  });
});
