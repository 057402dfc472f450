// Stratified K-fold assignment: each class is shuffled with the seed and dealt round-robin, so every
// fold holds about 1/K of every class. Dealing continues where the previous class stopped, so folds
// differ in size by at most one image overall.
import { hashString, mulberry32, shuffleInPlace } from '../platform/random.js';

/** The fold (0..folds-1) of each item, in input order. */
export function stratifiedFolds(labels: ArrayLike<number>, folds: number, seed: number): number[] {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byClass.get(labels[i]!);
    if (list) list.push(i);
    else byClass.set(labels[i]!, [i]);
  }
  const out = new Array<number>(labels.length).fill(0);
  let next = 0;
  for (const cls of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = shuffleInPlace(byClass.get(cls)!, mulberry32(hashString(`audit-folds:${seed}:${cls}`)));
    for (const i of members) {
      out[i] = next;
      next = (next + 1) % folds;
    }
  }
  return out;
}
