// Identity groups from face embeddings (average-linkage agglomerative clustering cut at a distance
// threshold), written as group keys for the group-aware split; and near-duplicate faces across
// splits, reported as leakage.
import { SPLITS, type SplitName } from '../../../shared/domain.js';
import { FacetError } from '../../../shared/errors.js';
import { DEFAULT_DUPLICATE_THRESHOLD, DEFAULT_IDENTITY_THRESHOLD, FACE_GROUP_PREFIX, type FaceLeak, type FaceLeakReport, type IdentityGroups } from '../../../shared/faces.js';
import { getDataset } from '../datasets/queries.js';
import { assignSplits, type SplitCandidate } from '../datasets/splits.js';
import { writeTransaction, type Database } from '../platform/store/db.js';
import { euclidean } from './analyzer.js';
import { datasetEmbeddings } from './face-store.js';

export { FACE_GROUP_PREFIX };

/** The clustering keeps an n·(n−1)/2 float matrix: 20 000 faces is 800 MB, the limit here. */
const MAX_CLUSTER_ITEMS = 20_000;

/**
 * Average-linkage agglomerative clustering (UPGMA) by the nearest-neighbour chain algorithm
 * (O(n²) time and memory), cut where the linkage distance exceeds `threshold`. Returns a cluster
 * index per item; clusters are numbered by their first item.
 */
export function clusterEmbeddings(vectors: Float32Array[], threshold: number): number[] {
  const n = vectors.length;
  if (n === 0) return [];
  if (n > MAX_CLUSTER_ITEMS) {
    throw new FacetError('invalid-argument', `Identity grouping handles at most ${MAX_CLUSTER_ITEMS} faces at once; this dataset has ${n}.`, {
      hint: 'Split the dataset into smaller ones, or group by sub-folder or a file-name pattern instead.',
    });
  }
  const idx = (i: number, j: number) => (i < j ? j * (j - 1) / 2 + i : i * (i - 1) / 2 + j);
  const dist = new Float32Array((n * (n - 1)) / 2);
  for (let j = 1; j < n; j++) for (let i = 0; i < j; i++) dist[idx(i, j)] = euclidean(vectors[i]!, vectors[j]!);
  const size = new Array<number>(n).fill(1);
  const alive = new Array<boolean>(n).fill(true);
  const merges: { a: number; b: number; d: number }[] = [];
  const chain: number[] = [];
  let remaining = n;
  while (remaining > 1) {
    if (chain.length === 0) chain.push(alive.indexOf(true));
    const a = chain[chain.length - 1]!;
    const prev = chain.length > 1 ? chain[chain.length - 2]! : -1;
    // Nearest alive neighbour of a; ties prefer the previous chain element so the chain terminates.
    let best = -1;
    let bestD = Infinity;
    for (let k = 0; k < n; k++) {
      if (k === a || !alive[k]) continue;
      const d = dist[idx(a, k)]!;
      if (d < bestD || (d === bestD && k === prev)) {
        bestD = d;
        best = k;
      }
    }
    if (best !== prev) {
      chain.push(best);
      continue;
    }
    // a and prev are reciprocal nearest neighbours: merge prev into a (Lance–Williams, average).
    chain.pop();
    chain.pop();
    merges.push({ a, b: prev, d: bestD });
    for (let k = 0; k < n; k++) {
      if (!alive[k] || k === a || k === prev) continue;
      dist[idx(a, k)] = (size[a]! * dist[idx(a, k)]! + size[prev]! * dist[idx(prev, k)]!) / (size[a]! + size[prev]!);
    }
    size[a]! += size[prev]!;
    alive[prev] = false;
    remaining--;
  }
  // Average linkage is monotone, so the clusters at the cut are the unions of merges below it.
  const parent = vectors.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  for (const m of merges) if (m.d <= threshold) parent[find(m.b)] = find(m.a);
  const label = new Map<number, number>();
  return vectors.map((_, i) => {
    const root = find(i);
    if (!label.has(root)) label.set(root, label.size);
    return label.get(root)!;
  });
}

export interface GroupOptions {
  threshold?: number;
  /** Re-split every image of the dataset with the new groups (explicit: it moves images between splits). */
  resplit?: boolean;
}

/**
 * Clusters the dataset's face embeddings into identities, writes `face:N` as the group key of
 * images that have none (or an older face key), then places images without a split. Existing splits
 * stay as they are unless `resplit` is set.
 */
export function groupByIdentity(db: Database, datasetId: number, opts: GroupOptions = {}): IdentityGroups {
  const threshold = opts.threshold ?? DEFAULT_IDENTITY_THRESHOLD;
  const dataset = getDataset(db, datasetId);
  const withFace = datasetEmbeddings(db, datasetId).filter((e) => e.face !== null);
  if (withFace.length === 0) {
    throw new FacetError('conflict', `Dataset ${dataset.name} has no analysed faces to group.`, {
      field: 'dataset',
      hint: `Run \`facet faces ${datasetId}\` first; images with no face found keep no group.`,
    });
  }
  const clusters = clusterEmbeddings(withFace.map((e) => e.face!), threshold);
  const members = new Map<number, number>();
  for (const c of clusters) members.set(c, (members.get(c) ?? 0) + 1);

  return writeTransaction(db, () => {
    let keysWritten = 0;
    let keptKeys = 0;
    const update = db.prepare('UPDATE images SET group_key = ? WHERE id = ?');
    withFace.forEach((e, i) => {
      if (e.groupKey !== null && !e.groupKey.startsWith(FACE_GROUP_PREFIX)) {
        keptKeys++;
        return;
      }
      const key = `${FACE_GROUP_PREFIX}${clusters[i]! + 1}`;
      if (key !== e.groupKey) {
        update.run(key, e.imageId);
        keysWritten++;
      }
    });

    const rows = db
      .prepare(`SELECT id, path, class_id AS classId, group_key AS groupKey, split FROM images WHERE dataset_id = ? AND status = 'ok' AND class_id IS NOT NULL`)
      .all(datasetId) as SplitCandidate[];
    const before = new Map(rows.map((r) => [r.id, r.split]));
    const candidates = opts.resplit ? rows.map((r) => ({ ...r, split: null })) : rows;
    const assigned = assignSplits(candidates, dataset.split, dataset.seed);
    const setSplit = db.prepare('UPDATE images SET split = ? WHERE id = ?');
    let moved = 0;
    for (const [id, split] of assigned) {
      setSplit.run(split, id);
      const old = before.get(id);
      if (old !== null && old !== undefined && old !== split) moved++;
    }
    return {
      datasetId,
      threshold,
      linkage: 'average' as const,
      images: withFace.length,
      groups: members.size,
      sharedGroups: [...members.values()].filter((m) => m > 1).length,
      keysWritten,
      keptKeys,
      assigned: assigned.size,
      moved,
      straddling: straddlingGroups(db, datasetId),
    };
  });
}

/** Face groups whose images sit in more than one split (identity leakage the split did not prevent). */
export function straddlingGroups(db: Database, datasetId: number): number {
  return (
    db
      .prepare(
        `SELECT COUNT(*) AS n FROM (SELECT group_key FROM images WHERE dataset_id = ? AND status = 'ok' AND split IS NOT NULL AND group_key LIKE 'face:%'
         GROUP BY group_key HAVING COUNT(DISTINCT split) > 1)`,
      )
      .get(datasetId) as { n: number }
  ).n;
}

/**
 * Pairs of images in different splits whose most confident faces are closer than `threshold`: the
 * same photo (resized, recompressed, mirrored…) or a near-identical shot on both sides of the split.
 */
export function findFaceLeaks(db: Database, datasetId: number, threshold = DEFAULT_DUPLICATE_THRESHOLD): FaceLeakReport {
  getDataset(db, datasetId);
  const items = datasetEmbeddings(db, datasetId).filter((e) => e.face !== null && e.split !== null);
  const bySplit = new Map<SplitName, typeof items>(SPLITS.map((s) => [s, items.filter((e) => e.split === s)]));
  const leaks: FaceLeak[] = [];
  for (const [sa, sb] of [['train', 'test'], ['train', 'val'], ['val', 'test']] as [SplitName, SplitName][]) {
    for (const a of bySplit.get(sa)!) {
      for (const b of bySplit.get(sb)!) {
        const d = euclidean(a.face!, b.face!);
        if (d < threshold) {
          leaks.push({ distance: d, a: { imageId: a.imageId, path: a.path, split: sa }, b: { imageId: b.imageId, path: b.path, split: sb } });
        }
      }
    }
  }
  leaks.sort((x, y) => x.distance - y.distance);
  return { datasetId, threshold, leaks };
}
