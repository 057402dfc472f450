// The audit's checks that need no model: the same file under two labels, near-identical pictures in
// different splits (a test image the model has in effect trained on), and classes far smaller than the rest.
import type { SplitName } from '../../../shared/domain.js';
import type { AuditImageRef, ClassImbalance, ConflictingDuplicate, Leak } from '../../../shared/quality.js';
import { hammingHalves, hashHalves } from './dhash.js';

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
 * first; `a` is the one in the earlier split (train before val before test). All pairs are compared
 * (n² / 2 popcounts of two 32-bit words: ~0.1 s for 10,000 images). Candidates only: confirm them
 * with `pixelCorrelation`.
 */
export function crossSplitCandidates(images: AuditedImage[], maxDistance: number, limit = 100_000): LeakCandidate[] {
  const hashed = images
    .filter((im): im is AuditedImage & { dhash: string; split: SplitName } => im.dhash !== null && im.split !== null)
    .map((im) => ({ im, h: hashHalves(im.dhash) }));
  const leaks: LeakCandidate[] = [];
  for (let x = 0; x < hashed.length; x++) {
    const p = hashed[x]!;
    for (let y = x + 1; y < hashed.length; y++) {
      const q = hashed[y]!;
      if (p.im.split === q.im.split) continue;
      const distance = hammingHalves(p.h, q.h);
      if (distance > maxDistance) continue;
      const [a, b] = SPLIT_ORDER[p.im.split] <= SPLIT_ORDER[q.im.split] ? [p.im, q.im] : [q.im, p.im];
      leaks.push({ a: ref(a), b: ref(b), distance, exact: a.hash === b.hash });
    }
  }
  leaks.sort((l, r) => l.distance - r.distance || l.a.path.localeCompare(r.a.path) || l.b.path.localeCompare(r.b.path));
  return leaks.slice(0, limit);
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
