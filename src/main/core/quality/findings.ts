// The audit's checks that need no model: the same file under two labels, near-identical pictures in
// different splits (a test image the model has in effect trained on), and classes far smaller than the rest.
import type { SplitName } from '../../../shared/domain.js';
import type { AuditImageRef, ClassImbalance, ConflictingDuplicate, Leak } from '../../../shared/quality.js';
import { hashHalves, popcount32 } from './dhash.js';

export interface AuditedImage extends AuditImageRef {
  /** dHash, 16 hex digits; null when it could not be computed. */
  dhash: string | null;
}

/** Groups of identical files (same content hash) that carry more than one label, largest first. */
export function conflictingDuplicates(images: AuditImageRef[]): ConflictingDuplicate[] {
  const byHash = new Map<string, AuditImageRef[]>();
  for (const im of images) {
    const group = byHash.get(im.hash);
    if (group) group.push(im);
    else byHash.set(im.hash, [im]);
  }
  const out: ConflictingDuplicate[] = [];
  for (const [hash, group] of byHash) {
    const labels = [...new Set(group.map((g) => g.label ?? '(unlabelled)'))].sort();
    if (group.length > 1 && labels.length > 1) out.push({ hash, labels, images: [...group].sort((a, b) => a.path.localeCompare(b.path)) });
  }
  return out.sort((a, b) => b.images.length - a.images.length || a.hash.localeCompare(b.hash));
}

const SPLIT_ORDER: Record<SplitName, number> = { train: 0, val: 1, test: 2 };

export type LeakCandidate = Omit<Leak, 'correlation'>;

/**
 * Pairs of images in different splits whose dHashes are at most `maxDistance` bits apart, closest
 * first (then by path); `a` is the one in the earlier split (train before val before test); at most
 * `limit`. All pairs are compared, over typed arrays (n² / 2 popcounts of two 32-bit words: ~0.1 s
 * for 10,000 images, ~40 s for 100,000). The pairs are kept per distance, and once `limit` of them lie
 * within some distance, farther pairs are no longer kept: a set of many copies (100,000 pictures of
 * 300, each copied 333 times, has millions of such pairs) stays within memory and needs no sort of
 * millions. Candidates only: confirm them with `pixelCorrelation`.
 */
export function crossSplitCandidates(images: AuditedImage[], maxDistance: number, limit = 100_000): LeakCandidate[] {
  const hashed = images.filter((im): im is AuditedImage & { dhash: string; split: SplitName } => im.dhash !== null && im.split !== null);
  const n = hashed.length;
  const hi = new Int32Array(n);
  const lo = new Int32Array(n);
  const split = new Uint8Array(n);
  hashed.forEach((im, i) => {
    [hi[i], lo[i]] = hashHalves(im.dhash);
    split[i] = SPLIT_ORDER[im.split];
  });
  // byDistance[d]: pairs (x, y), flattened, whose distance is d.
  const byDistance: number[][] = Array.from({ length: Math.max(0, maxDistance) + 1 }, () => []);
  let within = maxDistance;
  let kept = 0;
  for (let x = 0; x < n; x++) {
    const hx = hi[x]!;
    const lx = lo[x]!;
    const sx = split[x]!;
    for (let y = x + 1; y < n; y++) {
      if (split[y] === sx) continue;
      const distance = popcount32(hx ^ hi[y]!) + popcount32(lx ^ lo[y]!);
      if (distance > within) continue;
      byDistance[distance]!.push(x, y);
      kept++;
      // Enough pairs this close: drop the farthest distance kept while the rest still hold `limit`.
      while (within > 0 && kept - byDistance[within]!.length / 2 >= limit) {
        kept -= byDistance[within]!.length / 2;
        byDistance[within] = [];
        within--;
      }
    }
  }
  // Within one distance, by path: each pair as one number (rank of a's path × n + rank of b's), so
  // millions of pairs sort as a typed array and only the `limit` kept become objects.
  const byPath = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => hashed[a]!.path.localeCompare(hashed[b]!.path));
  const rank = new Int32Array(n);
  byPath.forEach((i, r) => (rank[i] = r));
  const leaks: LeakCandidate[] = [];
  for (let d = 0; d <= within && leaks.length < limit; d++) {
    const pairs = byDistance[d]!;
    const keys = new Float64Array(pairs.length / 2);
    for (let p = 0; p < pairs.length; p += 2) {
      const [x, y] = [pairs[p]!, pairs[p + 1]!];
      const [a, b] = split[x]! <= split[y]! ? [x, y] : [y, x];
      keys[p / 2] = rank[a]! * n + rank[b]!;
    }
    keys.sort();
    for (let k = 0; k < keys.length && leaks.length < limit; k++) {
      const a = hashed[byPath[Math.floor(keys[k]! / n)]!]!;
      const b = hashed[byPath[keys[k]! % n]!]!;
      leaks.push({ a: ref(a), b: ref(b), distance: d, exact: a.hash === b.hash });
    }
  }
  return leaks;
}

/** Pearson correlation of two equally sized pixel arrays; 1 when both are flat and equal, 0 when one is flat. */
export function pixelCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (n !== b.length) throw new Error(`pixel arrays differ in length: ${n} vs ${b.length}`);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]! - ma;
    const y = b[i]! - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  if (saa === 0 || sbb === 0) return saa === sbb && ma === mb ? 1 : 0;
  return sab / Math.sqrt(saa * sbb);
}

function ref(im: AuditedImage): AuditImageRef {
  return { imageId: im.imageId, path: im.path, hash: im.hash, label: im.label, split: im.split };
}

/** Class counts, the largest / smallest ratio, and the classes below `rareShare` of an even share. */
export function classImbalance(counts: { class: string; count: number }[], rareShare: number): ClassImbalance {
  const total = counts.reduce((a, c) => a + c.count, 0);
  const even = counts.length > 0 ? total / counts.length : 0;
  const max = Math.max(0, ...counts.map((c) => c.count));
  const min = counts.length > 0 ? Math.min(...counts.map((c) => c.count)) : 0;
  return {
    counts: counts.map((c) => ({ class: c.class, count: c.count, share: total > 0 ? c.count / total : 0 })),
    ratio: min > 0 ? max / min : null,
    rare: counts.filter((c) => c.count < rareShare * even).map((c) => c.class),
  };
}
