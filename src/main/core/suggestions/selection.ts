// Which unlabelled images to label next, on feature vectors alone (the queue feeds it from the store).
//
// Few labels (cold start): TypiClust (Hacohen, Dekel & Weinshall, ICML 2022, "Active Learning on a
// Budget: Opposite Strategies Suit High and Low Budgets"). Uncertainty sampling loses to random order
// at small budgets: the model's doubts are noise then, and the odd images it doubts teach little.
// TypiClust clusters every image into (labelled + batch) k-means clusters and, one pick at a time,
// takes the most typical image (highest inverse mean distance to its nearest neighbours, within its
// cluster) of the largest cluster with the fewest labels; clusters of fewer than MIN_CLUSTER_SIZE
// images (outliers) are left alone.
//
// Enough labels: uncertainty with diversity, as Zhdanov 2019 ("Diverse mini-Batch Active Learning",
// arXiv:1901.05954): pre-filter the β·k most uncertain images, cluster them into k groups by k-means
// weighted by uncertainty, and take from each group the image nearest its centre, so a batch is not
// 50 near copies of one hard case.
import { kMeans, squaredDistance } from '../embeddings/kmeans.js';

/** Most clusters TypiClust makes (its authors cap them at 500 too, for speed). */
export const MAX_CLUSTERS = 500;
/** TypiClust leaves clusters smaller than this alone: a handful of odd images is not typical of anything. */
export const MIN_CLUSTER_SIZE = 5;
/** Neighbours in the typicality estimate (TypiClust's k; half the cluster when it is smaller). */
export const TYPICALITY_NEIGHBOURS = 20;
/** Candidates per pick before the diverse choice (β of Zhdanov 2019). */
export const PREFILTER = 10;

export interface SelectionPool {
  /** One feature vector per image considered: labelled images, candidates, and others (skipped ones). */
  vectors: Float32Array[];
  labelled: boolean[];
  /** Images that may be picked (unlabelled, not skipped). */
  pickable: boolean[];
}

/** Typicality of each point: 1 / mean Euclidean distance to its k nearest other points. */
export function typicality(vectors: Float32Array[], k: number): Float64Array {
  const n = vectors.length;
  const kk = Math.max(1, Math.min(k, n - 1));
  const out = new Float64Array(n);
  if (n < 2) return out.fill(1);
  const nearest = new Float64Array(kk);
  for (let i = 0; i < n; i++) {
    nearest.fill(Infinity);
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const d = Math.sqrt(squaredDistance(vectors[i]!, vectors[j]!));
      if (d >= nearest[kk - 1]!) continue;
      let p = kk - 1;
      while (p > 0 && nearest[p - 1]! > d) {
        nearest[p] = nearest[p - 1]!;
        p--;
      }
      nearest[p] = d;
    }
    let s = 0;
    for (const d of nearest) s += d;
    out[i] = 1 / (s / kk + 1e-9);
  }
  return out;
}

/** TypiClust: indices of up to `budget` pickable points, in pick order. */
export function typicalPicks(pool: SelectionPool, budget: number, seed: number): number[] {
  const n = pool.vectors.length;
  const labelledCount = pool.labelled.filter(Boolean).length;
  const k = Math.min(labelledCount + budget, MAX_CLUSTERS, n);
  const { assignment, sizes } = kMeans(pool.vectors, k, { seed });
  const members = sizes.map(() => [] as number[]);
  for (let i = 0; i < n; i++) members[assignment[i]!]!.push(i);
  const covered = members.map((m) => m.filter((i) => pool.labelled[i]).length);
  const open = members.map((m) => m.filter((i) => pool.pickable[i]));
  const scores = new Map<number, Float64Array>();
  const picks: number[] = [];
  while (picks.length < budget) {
    // The largest cluster with the fewest labels (and picks) that still has a candidate; small ones last.
    let best = -1;
    const rank = (c: number) => [sizes[c]! >= MIN_CLUSTER_SIZE ? 0 : 1, covered[c]!, -sizes[c]!, c];
    for (let c = 0; c < members.length; c++) {
      if (open[c]!.length === 0) continue;
      if (best < 0 || lexicalLess(rank(c), rank(best))) best = c;
    }
    if (best < 0) break;
    const m = members[best]!;
    if (!scores.has(best)) scores.set(best, typicality(m.map((i) => pool.vectors[i]!), Math.min(TYPICALITY_NEIGHBOURS, Math.floor(m.length / 2))));
    const t = scores.get(best)!;
    let pick = -1;
    for (const i of open[best]!) if (pick < 0 || t[m.indexOf(i)]! > t[m.indexOf(pick)]!) pick = i;
    picks.push(pick);
    open[best] = open[best]!.filter((i) => i !== pick);
    covered[best]!++;
  }
  return picks;
}

/** Zhdanov 2019: indices of up to `budget` pickable points, the most uncertain first. */
export function uncertainDiversePicks(pool: SelectionPool, uncertainty: ArrayLike<number>, budget: number, seed: number): number[] {
  const candidates = [...pool.vectors.keys()].filter((i) => pool.pickable[i]).sort((a, b) => uncertainty[b]! - uncertainty[a]! || a - b);
  const shortlist = candidates.slice(0, Math.max(budget, budget * PREFILTER));
  if (shortlist.length <= budget) return shortlist;
  const vectors = shortlist.map((i) => pool.vectors[i]!);
  const weights = shortlist.map((i) => Math.max(uncertainty[i]!, 1e-6));
  const { assignment, centres } = kMeans(vectors, budget, { seed, weights });
  const nearest = centres.map(() => -1);
  const nearestD = centres.map(() => Infinity);
  shortlist.forEach((_, s) => {
    const c = assignment[s]!;
    const d = squaredDistance(vectors[s]!, centres[c]!);
    if (d < nearestD[c]!) {
      nearestD[c] = d;
      nearest[c] = s;
    }
  });
  const chosen = new Set(nearest.filter((s) => s >= 0));
  // Fewer distinct groups than the budget (duplicates): the most uncertain of the rest fill up.
  for (let s = 0; s < shortlist.length && chosen.size < budget; s++) chosen.add(s);
  return [...chosen].sort((a, b) => a - b).map((s) => shortlist[s]!);
}

function lexicalLess(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}
