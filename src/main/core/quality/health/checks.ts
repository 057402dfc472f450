// Deciding the label-free issues of a dataset from the stored measures (metrics.ts), the image sizes
// and, where they exist, embeddings. Pure: the same measures and thresholds give the same issues.
//
// Per image: blurry, dark, overexposed, low information, grayscale-in-a-colour-set (see metrics.ts
// for the measures). Relative to the set (CleanVision's odd_aspect_ratio and odd_size compare with
// the dataset too): an aspect ratio or a size (√(w·h)) a threshold factor away from the set's median.
// Groups: near-duplicates are linked pairs (same file; dHash within a few bits AND 16×16 pixels
// correlating, because look-alike portraits on one backdrop share dHashes; or embeddings almost equal)
// joined transitively, so a burst of 20 shots is one group of 20, not 190 pairs.
// Outliers: mean cosine distance to the OUTLIER_NEIGHBOURS nearest embeddings, over the set's median
// of that distance (the kNN outlier score; Ramaswamy et al., "Efficient algorithms for mining
// outliers from large data sets", SIGMOD 2000; cleanlab Datalab's outlier check uses the same).
import type { HealthIssue, HealthIssueType, HealthThresholds } from '../../../../shared/health.js';
import { HEALTH_ISSUE_TYPES } from '../../../../shared/health.js';
import { hashHalves, popcount32 } from '../dhash.js';
import { pixelCorrelation } from '../findings.js';
import { cosineDistance, EXACT_NEIGHBOURS_MAX, median, nearestNeighbours, searchVectors, type Neighbours } from '../knn.js';
import type { ImageMeasures } from './metrics.js';

export const OUTLIER_NEIGHBOURS = 5;

export interface CheckedImage {
  imageId: number;
  path: string;
  label: string | null;
  hash: string;
  width: number;
  height: number;
  /** null: not measured (unreadable thumbnail, or imported before the checks). */
  measures: ImageMeasures | null;
}

/** Embedding vectors by content hash, from one backbone. */
export interface EmbeddingVectors {
  backbone: string;
  vectors: ReadonlyMap<string, ArrayLike<number>>;
}

const clampScore = (x: number) => Math.round(Math.min(1, Math.max(0.01, x)) * 1000) / 1000;

/** Every issue of the set: the per-image checks and the pairwise ones, in the report's order. */
export function findIssues(images: CheckedImage[], t: HealthThresholds, embeddings: EmbeddingVectors | null = null): HealthIssue[] {
  return sortIssues([...imageIssues(images, t), ...pairwiseIssues(images, t, embeddings)]);
}

const issueOf = (im: CheckedImage, type: HealthIssueType, score: number, value: number, group: number | null = null): HealthIssue => ({
  type,
  imageId: im.imageId,
  path: im.path,
  hash: im.hash,
  label: im.label,
  score: clampScore(score),
  value: Math.round(value * 1000) / 1000,
  group,
});

/** The checks of each picture on its own or against the set's medians: linear in the number of pictures. */
export function imageIssues(images: CheckedImage[], t: HealthThresholds): HealthIssue[] {
  const issues: HealthIssue[] = [];
  const add = (im: CheckedImage, type: HealthIssueType, score: number, value: number) => issues.push(issueOf(im, type, score, value));

  const measured = images.filter((im): im is CheckedImage & { measures: ImageMeasures } => im.measures !== null);
  // A grayscale picture is only a problem in a set that is mostly in colour.
  const colourShare = measured.length ? measured.filter((im) => im.measures.colourfulness >= t.grayscale).length / measured.length : 0;
  for (const im of measured) {
    const m = im.measures;
    const lowInformation = m.entropy < t.lowInformation;
    if (lowInformation) add(im, 'low-information', 1 - m.entropy / t.lowInformation, m.entropy);
    // A flat picture has no edges to be sharp: it is reported as nearly empty, not as blurry.
    if (!lowInformation && m.blur > t.blurry) add(im, 'blurry', (m.blur - t.blurry) / (1 - t.blurry) + 0.05, m.blur);
    if (m.lumaP99 < t.dark) add(im, 'dark', 1 - m.lumaP99 / t.dark, m.lumaP99);
    if (m.lumaP5 > t.overexposed) add(im, 'overexposed', (m.lumaP5 - t.overexposed) / Math.max(1, 255 - t.overexposed), m.lumaP5);
    if (colourShare >= 0.5 && m.colourfulness < t.grayscale) add(im, 'grayscale', 1 - m.colourfulness / t.grayscale, m.colourfulness);
  }

  const sized = images.filter((im) => im.width > 0 && im.height > 0);
  const logAspect = median(sized.map((im) => Math.log(im.width / im.height)));
  const logSize = median(sized.map((im) => 0.5 * Math.log(im.width * im.height)));
  for (const im of sized) {
    const aspectFactor = Math.exp(Math.abs(Math.log(im.width / im.height) - logAspect));
    if (aspectFactor >= t.aspectRatioFactor) add(im, 'odd-aspect-ratio', 1 - t.aspectRatioFactor / aspectFactor + 0.05, im.width / im.height);
    const sizeFactor = Math.exp(Math.abs(0.5 * Math.log(im.width * im.height) - logSize));
    if (sizeFactor >= t.sizeFactor) add(im, 'odd-size', 1 - t.sizeFactor / sizeFactor + 0.05, Math.sqrt(im.width * im.height));
  }
  return issues;
}

/**
 * What the checks that compare pictures with each other need, found by comparing every pair (about
 * a second at 10,000 pictures): the linked near-duplicate pairs and each picture's nearest
 * neighbours in embedding space. The health job computes them over every picture of a dataset,
 * excluded ones too (pairwise.ts); the issues of whichever pictures are in the set now follow from
 * them in linear time (pairwiseIssuesFrom), so excluding a picture needs no new comparison.
 */
export interface PairwiseFacts {
  /** Linked pairs of image ids; similarity 1 for an identical file, else the pixel correlation or 1 − cosine distance. */
  links: { a: number; b: number; similarity: number }[];
  /** Per picture with an embedding, its nearest others (ids), nearest first: OUTLIER_NEIGHBOURS + NEIGHBOUR_SPARE of them. */
  neighbours: { imageId: number; ids: number[]; distances: number[] }[];
}

/**
 * Neighbours kept beyond the OUTLIER_NEIGHBOURS the outlier score averages, for the ones excluded
 * later: the score stays exact while at most this many of a picture's nearest are excluded.
 */
export const NEIGHBOUR_SPARE = 10;

/** exactMax: up to this many pictures with embeddings, every pair is compared (knn.ts; tests lower it). */
export function pairwiseFacts(images: CheckedImage[], t: HealthThresholds, embeddings: EmbeddingVectors | null = null, { exactMax = EXACT_NEIGHBOURS_MAX } = {}): PairwiseFacts {
  const space = embeddings ? embeddingSpace(images, embeddings, exactMax) : null;
  const links = nearDuplicateLinks(images, t, space).map((l) => ({ a: images[l.a]!.imageId, b: images[l.b]!.imageId, similarity: Math.round(l.similarity * 1e4) / 1e4 }));
  const neighbours: PairwiseFacts['neighbours'] = [];
  if (space) {
    const { rows, near } = space;
    rows.forEach((row, i) => {
      const ids = Array.from(near.indices[i]!).filter((j) => j >= 0);
      neighbours.push({ imageId: images[row.i]!.imageId, ids: ids.map((j) => images[rows[j]!.i]!.imageId), distances: ids.map((_, r) => near.distances[i]![r]!) });
    });
  }
  return { links, neighbours };
}

/** The pictures with an embedding (index into images, vector), their search vectors and nearest neighbours among each other. */
interface EmbeddingSpace {
  exact: boolean;
  rows: { i: number; v: ArrayLike<number> }[];
  search: Float32Array[];
  near: Neighbours;
}

function embeddingSpace(images: CheckedImage[], embeddings: EmbeddingVectors, exactMax: number): EmbeddingSpace {
  const rows = images.flatMap((im, i) => {
    const v = embeddings.vectors.get(im.hash);
    return v ? [{ i, v }] : [];
  });
  const search = searchVectors(rows.map((r) => r.v));
  return { exact: rows.length <= exactMax, rows, search, near: nearestNeighbours(search, OUTLIER_NEIGHBOURS + NEIGHBOUR_SPARE, exactMax) };
}

/** The near-duplicate and outlier issues of `images` (the pictures in the set now) from facts computed over them or a superset. */
export function pairwiseIssuesFrom(images: CheckedImage[], t: HealthThresholds, facts: PairwiseFacts): HealthIssue[] {
  const issues: HealthIssue[] = [];
  for (const g of groupsFrom(images, facts.links)) for (const member of g.members) issues.push(issueOf(member.image, 'near-duplicate', member.similarity, member.similarity, g.group));
  for (const o of outliersFrom(images, t, facts.neighbours)) issues.push(issueOf(o.image, 'outlier', 1 - t.outlier / o.ratio + 0.05, o.ratio));
  return issues;
}

/** The checks that compare pictures with each other, near-duplicate groups and outliers, computed now. */
export function pairwiseIssues(images: CheckedImage[], t: HealthThresholds, embeddings: EmbeddingVectors | null = null): HealthIssue[] {
  return pairwiseIssuesFrom(images, t, pairwiseFacts(images, t, embeddings));
}

/** The report's order: by type, then group, then the worst first. */
export function sortIssues(issues: HealthIssue[]): HealthIssue[] {
  const order = new Map(HEALTH_ISSUE_TYPES.map((type, i) => [type, i]));
  return issues.sort((a, b) => order.get(a.type)! - order.get(b.type)! || (a.group ?? 0) - (b.group ?? 0) || b.score - a.score || a.path.localeCompare(b.path));
}

export function summarize(issues: HealthIssue[]): Record<HealthIssueType, number> {
  const summary = Object.fromEntries(HEALTH_ISSUE_TYPES.map((type) => [type, 0])) as Record<HealthIssueType, number>;
  const groups = new Set<number>();
  for (const issue of issues) {
    if (issue.type === 'near-duplicate') groups.add(issue.group!);
    else summary[issue.type] += 1;
  }
  summary['near-duplicate'] = groups.size;
  return summary;
}

class UnionFind {
  private readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]!]!;
      i = this.parent[i]!;
    }
    return i;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

export interface DuplicateGroup {
  /** 1, 2, …: largest group first. */
  group: number;
  /** similarity: the member's best link, 1 for an identical file (correlation or 1 − cosine distance). */
  members: { image: CheckedImage; similarity: number }[];
}

export function nearDuplicateGroups(images: CheckedImage[], t: HealthThresholds, embeddings: EmbeddingVectors | null = null): DuplicateGroup[] {
  return groupsFrom(images, pairwiseFacts(images, t, embeddings).links);
}

/**
 * A link between two pictures already in one group is kept while either of them has fewer links than
 * this; a link that joins two groups always is. So the groups are exactly those of every linked pair,
 * and excluding pictures later splits a group only where one picture loses this many of its links
 * (the report is exact for any subset of a group of up to REDUNDANT_LINKS + 1 pictures). Without the
 * cap, 1,000 copies of one picture would store half a million links.
 */
export const REDUNDANT_LINKS = 8;

/** Linked pairs (indices into images): same file; dHash close and pixels correlating; or embeddings almost equal. */
function nearDuplicateLinks(images: CheckedImage[], t: HealthThresholds, space: EmbeddingSpace | null): { a: number; b: number; similarity: number }[] {
  const links: { a: number; b: number; similarity: number }[] = [];
  const groups = new UnionFind(images.length);
  const kept = new Uint32Array(images.length);
  const link = (a: number, b: number, similarity: number) => {
    if (kept[a]! >= REDUNDANT_LINKS && kept[b]! >= REDUNDANT_LINKS && groups.find(a) === groups.find(b)) return;
    groups.union(a, b);
    kept[a]!++;
    kept[b]!++;
    links.push({ a, b, similarity });
  };
  const byHash = new Map<string, number>();
  images.forEach((im, i) => {
    const first = byHash.get(im.hash);
    if (first === undefined) byHash.set(im.hash, i);
    else link(first, i, 1);
  });
  const hashed = images.flatMap((im, i) => (im.measures ? [{ i, h: hashHalves(im.measures.dhash), sig: im.measures.signature }] : []));
  // The all-pairs scan runs over typed arrays (5·10⁹ pairs at 100,000 pictures): the dHash distance
  // first, the rest only for the few pairs within it.
  const hi = Int32Array.from(hashed, (p) => p.h[0]);
  const lo = Int32Array.from(hashed, (p) => p.h[1]);
  const bits = t.duplicateHashBits;
  for (let x = 0; x < hashed.length; x++) {
    const hx = hi[x]!;
    const lx = lo[x]!;
    for (let y = x + 1; y < hashed.length; y++) {
      if (popcount32(hx ^ hi[y]!) + popcount32(lx ^ lo[y]!) > bits) continue;
      const p = hashed[x]!;
      const q = hashed[y]!;
      if (images[p.i]!.hash === images[q.i]!.hash) continue;
      const correlation = pixelCorrelation(p.sig, q.sig);
      if (correlation >= t.duplicateCorrelation) link(p.i, q.i, correlation);
    }
  }
  if (space) {
    const { exact, rows, search, near } = space;
    const norms = rows.map((r) => {
      let s = 0;
      for (let d = 0; d < r.v.length; d++) s += r.v[d]! * r.v[d]!;
      return Math.sqrt(s);
    });
    // Candidates on the projected vectors (with slack for the projection's error), confirmed on the full ones.
    const slack = Math.max(0.05, 3 * t.duplicateEmbeddingDistance);
    const confirm = (x: number, y: number) => {
      if (images[rows[x]!.i]!.hash === images[rows[y]!.i]!.hash || cosineDistance(search[x]!, search[y]!) > slack) return;
      const a = rows[x]!.v;
      const b = rows[y]!.v;
      let dot = 0;
      for (let d = 0; d < a.length; d++) dot += a[d]! * b[d]!;
      const distance = norms[x]! > 0 && norms[y]! > 0 ? 1 - dot / (norms[x]! * norms[y]!) : 1;
      if (distance <= t.duplicateEmbeddingDistance) link(rows[x]!.i, rows[y]!.i, 1 - distance);
    };
    if (exact) {
      for (let x = 0; x < rows.length; x++) for (let y = x + 1; y < rows.length; y++) confirm(x, y);
    } else {
      // Too many for every pair: a near-duplicate is among a picture's nearest neighbours (a burst of
      // more copies than that still links up, through each copy's nearest ones). Each pair once.
      const seen = new Set<number>();
      for (let x = 0; x < rows.length; x++) {
        const ids = near.indices[x]!;
        for (let r = 0; r < ids.length; r++) {
          const y = ids[r]!;
          if (y < 0 || near.distances[x]![r]! > slack) continue;
          const key = Math.min(x, y) * rows.length + Math.max(x, y);
          if (seen.has(key)) continue;
          seen.add(key);
          confirm(Math.min(x, y), Math.max(x, y));
        }
      }
    }
  }
  return links;
}

/** Groups of the linked pictures among `images` (links between image ids; those to a picture not in `images` are ignored). */
function groupsFrom(images: CheckedImage[], links: PairwiseFacts['links']): DuplicateGroup[] {
  const n = images.length;
  const index = new Map(images.map((im, i) => [im.imageId, i]));
  const uf = new UnionFind(n);
  const best = new Float64Array(n);
  for (const l of links) {
    const a = index.get(l.a);
    const b = index.get(l.b);
    if (a === undefined || b === undefined) continue;
    uf.union(a, b);
    best[a] = Math.max(best[a]!, l.similarity);
    best[b] = Math.max(best[b]!, l.similarity);
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const root = uf.find(i);
    const g = groups.get(root);
    if (g) g.push(i);
    else groups.set(root, [i]);
  }
  return [...groups.values()]
    .filter((g) => g.length > 1)
    .map((g) => g.sort((a, b) => images[a]!.path.localeCompare(images[b]!.path)))
    .sort((a, b) => b.length - a.length || images[a[0]!]!.path.localeCompare(images[b[0]!]!.path))
    .map((g, k) => ({ group: k + 1, members: g.map((i) => ({ image: images[i]!, similarity: Math.round(best[i]! * 1e4) / 1e4 })) }));
}

export function outliers(images: CheckedImage[], t: HealthThresholds, embeddings: EmbeddingVectors): { image: CheckedImage; ratio: number }[] {
  return outliersFrom(images, t, pairwiseFacts(images, t, embeddings).neighbours);
}

/** Outliers among `images`: each one's mean distance to its OUTLIER_NEIGHBOURS nearest others in `images`, over the median of that. */
function outliersFrom(images: CheckedImage[], t: HealthThresholds, neighbours: PairwiseFacts['neighbours']): { image: CheckedImage; ratio: number }[] {
  const present = new Map(images.map((im) => [im.imageId, im]));
  const scored: { image: CheckedImage; score: number }[] = [];
  for (const n of neighbours) {
    const image = present.get(n.imageId);
    if (!image) continue;
    const near: number[] = [];
    for (let r = 0; r < n.ids.length && near.length < OUTLIER_NEIGHBOURS; r++) if (present.has(n.ids[r]!)) near.push(n.distances[r]!);
    if (near.length > 0) scored.push({ image, score: near.reduce((a, b) => a + b, 0) / near.length });
  }
  if (scored.length <= OUTLIER_NEIGHBOURS + 1) return [];
  const typical = median(scored.map((s) => s.score));
  if (typical <= 0) return [];
  return scored.flatMap(({ image, score }) => (score / typical >= t.outlier ? [{ image, ratio: score / typical }] : []));
}
