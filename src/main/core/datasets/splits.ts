// Train / val / test assignment: stratified per class, seeded, group-aware, and incremental — images
// that already have a split keep it; only unassigned images are placed, where the split is short.
import type { SplitFractions, SplitName } from '../../../shared/domain.js';
import { SPLITS } from '../../../shared/domain.js';
import { hashString, mulberry32, shuffleInPlace } from '../platform/random.js';

export interface SplitCandidate {
  id: number;
  path: string;
  classId: number;
  groupKey: string | null;
  split: SplitName | null;
}

/**
 * Returns the split for every candidate whose split is null.
 *
 * Units of assignment are groups (all images sharing a group key, across classes, so one person never
 * straddles train and test) or single images when they have no key. Units are shuffled with the seed
 * and each goes to the split with the largest shortfall, where shortfall sums over the unit's classes
 * (target share of the class − images it already has in that split) / class size. With single images
 * this reproduces exact stratified counts (within one image per class and split).
 */
export function assignSplits(candidates: SplitCandidate[], fractions: SplitFractions, seed: number): Map<number, SplitName> {
  const classTotals = new Map<number, number>();
  const current = new Map<number, Record<SplitName, number>>();
  const groupSplit = new Map<string, SplitName>();
  for (const c of candidates) {
    classTotals.set(c.classId, (classTotals.get(c.classId) ?? 0) + 1);
    if (!current.has(c.classId)) current.set(c.classId, { train: 0, val: 0, test: 0 });
    if (c.split) {
      current.get(c.classId)![c.split] += 1;
      if (c.groupKey !== null && !groupSplit.has(c.groupKey)) groupSplit.set(c.groupKey, c.split);
    }
  }

  // Build units of unassigned images; a group that already lives in a split joins it directly.
  const result = new Map<number, SplitName>();
  const units = new Map<string, SplitCandidate[]>();
  for (const c of candidates) {
    if (c.split) continue;
    if (c.groupKey !== null) {
      const existing = groupSplit.get(c.groupKey);
      if (existing) {
        result.set(c.id, existing);
        current.get(c.classId)![existing] += 1;
        continue;
      }
    }
    const key = c.groupKey !== null ? `g:${c.groupKey}` : `i:${c.path}`;
    const unit = units.get(key);
    if (unit) unit.push(c);
    else units.set(key, [c]);
  }

  // Sort first so the shuffle depends only on the seed and the file names, never on database ids.
  const order = [...units.keys()].sort();
  shuffleInPlace(order, mulberry32(hashString(`splits:${seed}`)));

  for (const key of order) {
    const unit = units.get(key)!;
    const perClass = new Map<number, number>();
    for (const c of unit) perClass.set(c.classId, (perClass.get(c.classId) ?? 0) + 1);
    let best: SplitName = 'train';
    let bestScore = -Infinity;
    for (const split of SPLITS) {
      if (fractions[split] <= 0) continue;
      let score = 0;
      for (const [classId, n] of perClass) {
        const total = classTotals.get(classId)!;
        const shortfall = fractions[split] * total - current.get(classId)![split];
        score += (n * shortfall) / total;
      }
      if (score > bestScore + 1e-12) {
        bestScore = score;
        best = split;
      }
    }
    for (const c of unit) {
      result.set(c.id, best);
      current.get(c.classId)![best] += 1;
    }
  }
  return result;
}

/**
 * The split an unlabelled image joins when it gets its first label: val or test with the dataset's
 * shares, else train. A coin per image, seeded by the dataset seed and the path alone, so the held-out
 * images are a uniform random sample of the collection, the same whatever order people label in (an
 * active-learning queue picks hard images first; if those filled val / test the scores would lie).
 */
export function drawHoldout(seed: number, path: string, fractions: SplitFractions): SplitName {
  const u = mulberry32(hashString(`holdout:${seed}:${path}`))();
  if (u < fractions.val) return 'val';
  if (u < fractions.val + fractions.test) return 'test';
  return 'train';
}
