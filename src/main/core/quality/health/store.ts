// Where the health checks keep their state: measures per content hash, thresholds per dataset,
// "keep" decisions per image and issue type. Embeddings are read from issue 17's table when present.
import { FacetError } from '../../../../shared/errors.js';
import { HEALTH_ISSUE_TYPES, HealthThresholdsSchema, type HealthIssueType, type HealthThresholds } from '../../../../shared/health.js';
import { nowIso, writeTransaction, type Database } from '../../platform/store/db.js';
import type { CheckedImage, EmbeddingVectors } from './checks.js';
import type { ImageMeasures } from './metrics.js';

/** Bump when metrics.ts measures differently: older rows are measured again. */
export const MEASURES_VERSION = 1;

interface MeasureRow {
  blur: number | null;
  luma_p99: number | null;
  luma_p5: number | null;
  entropy: number | null;
  colourfulness: number | null;
  dhash: string | null;
  signature: Buffer | null;
}

/** Usable images of the dataset (ok, not excluded) whose content has no current measures. */
export function unmeasured(db: Database, datasetId: number): { hash: string; path: string }[] {
  return db
    .prepare(
      `SELECT i.hash, MIN(i.path) AS path FROM images i LEFT JOIN image_health h ON h.hash = i.hash AND h.version = ?
       WHERE i.dataset_id = ? AND i.status = 'ok' AND i.hash IS NOT NULL AND h.hash IS NULL GROUP BY i.hash ORDER BY path`,
    )
    .all(MEASURES_VERSION, datasetId) as { hash: string; path: string }[];
}

export function saveMeasures(db: Database, rows: { hash: string; measures: ImageMeasures | null; error: string | null }[]): void {
  const put = db.prepare(
    `INSERT OR REPLACE INTO image_health (hash, version, blur, luma_p99, luma_p5, entropy, colourfulness, dhash, signature, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  writeTransaction(db, () => {
    for (const { hash, measures: m, error } of rows) {
      put.run(hash, MEASURES_VERSION, m?.blur ?? null, m?.lumaP99 ?? null, m?.lumaP5 ?? null, m?.entropy ?? null, m?.colourfulness ?? null, m?.dhash ?? null, m ? Buffer.from(m.signature) : null, error);
    }
  });
}

function measuresOf(r: MeasureRow): ImageMeasures | null {
  if (r.blur === null || r.dhash === null || r.signature === null) return null;
  return {
    blur: r.blur,
    lumaP99: r.luma_p99!,
    lumaP5: r.luma_p5!,
    entropy: r.entropy!,
    colourfulness: r.colourfulness!,
    dhash: r.dhash,
    signature: new Uint8Array(r.signature),
  };
}

/** The dataset's usable images with their measures (null when not measured); with `excluded`, the excluded ones too. */
export function checkedImages(db: Database, datasetId: number, opts: { excluded?: boolean } = {}): CheckedImage[] {
  const rows = db
    .prepare(
      `SELECT i.id, i.path, i.hash, i.width, i.height, c.name AS label, h.blur, h.luma_p99, h.luma_p5, h.entropy, h.colourfulness, h.dhash, h.signature
       FROM images i LEFT JOIN classes c ON c.id = i.class_id AND c.deleted_at IS NULL
       LEFT JOIN image_health h ON h.hash = i.hash AND h.version = ?
       WHERE i.dataset_id = ? AND i.status = 'ok' AND (i.excluded = 0 OR ?) AND i.hash IS NOT NULL ORDER BY i.path`,
    )
    .all(MEASURES_VERSION, datasetId, opts.excluded ? 1 : 0) as (MeasureRow & { id: number; path: string; hash: string; width: number | null; height: number | null; label: string | null })[];
  return rows.map((r) => ({ imageId: r.id, path: r.path, label: r.label, hash: r.hash, width: r.width ?? 0, height: r.height ?? 0, measures: measuresOf(r) }));
}

export function getThresholds(db: Database, datasetId: number): HealthThresholds {
  const row = db.prepare('SELECT thresholds FROM health_settings WHERE dataset_id = ?').get(datasetId) as { thresholds: string } | undefined;
  // Stored thresholds are merged over the defaults, so a threshold added later gets its default.
  return HealthThresholdsSchema.parse(row ? JSON.parse(row.thresholds) : {});
}

export function setThresholds(db: Database, datasetId: number, changes: Partial<HealthThresholds>): HealthThresholds {
  const next = HealthThresholdsSchema.parse({ ...getThresholds(db, datasetId), ...changes });
  db.prepare('INSERT INTO health_settings (dataset_id, thresholds) VALUES (?, ?) ON CONFLICT (dataset_id) DO UPDATE SET thresholds = excluded.thresholds').run(datasetId, JSON.stringify(next));
  return next;
}

/** "This picture is fine" for one issue type; holds while the file is unchanged. */
export function keepImages(db: Database, datasetId: number, imageIds: number[], type: HealthIssueType): { kept: number } {
  if (!HEALTH_ISSUE_TYPES.includes(type)) throw new FacetError('invalid-argument', `Unknown health issue type "${type}".`, { field: 'type' });
  return writeTransaction(db, () => {
    const get = db.prepare('SELECT dataset_id, hash FROM images WHERE id = ?');
    const put = db.prepare('INSERT OR REPLACE INTO health_kept (image_id, type, hash, created_at) VALUES (?, ?, ?, ?)');
    let kept = 0;
    for (const id of new Set(imageIds)) {
      const row = get.get(id) as { dataset_id: number; hash: string | null } | undefined;
      if (!row || row.dataset_id !== datasetId || row.hash === null) throw new FacetError('not-found', `Image ${id} is not in dataset ${datasetId}.`, { field: 'imageIds' });
      put.run(id, type, row.hash, nowIso());
      kept++;
    }
    return { kept };
  });
}

/** image id → the issue types the user marked as fine (while the file is unchanged). */
export function keptDecisions(db: Database, datasetId: number): Map<number, Set<string>> {
  const rows = db
    .prepare('SELECT k.image_id, k.type FROM health_kept k JOIN images i ON i.id = k.image_id AND i.hash = k.hash WHERE i.dataset_id = ?')
    .all(datasetId) as { image_id: number; type: string }[];
  const out = new Map<number, Set<string>>();
  for (const r of rows) out.set(r.image_id, (out.get(r.image_id) ?? new Set()).add(r.type));
  return out;
}

/** Every backbone with vectors of the dataset's pictures, most vectors first. */
export function embeddingBackbones(db: Database, datasetId: number): string[] {
  const rows = db
    .prepare(
      `SELECT e.backbone FROM embeddings e WHERE e.hash IN (SELECT hash FROM images WHERE dataset_id = ? AND status = 'ok')
       GROUP BY e.backbone ORDER BY COUNT(*) DESC, e.backbone`,
    )
    .all(datasetId) as { backbone: string }[];
  return rows.map((r) => r.backbone);
}

/** The backbone the checks use (the one with the most vectors of the dataset's pictures), without reading the vectors. */
export function embeddingsInUse(db: Database, datasetId: number): { backbone: string; vectors: number; newest: string } | null {
  return (
    (db
      .prepare(
        `SELECT e.backbone, COUNT(*) AS vectors, MAX(e.created_at) AS newest FROM embeddings e
         WHERE e.hash IN (SELECT hash FROM images WHERE dataset_id = ? AND status = 'ok') GROUP BY e.backbone ORDER BY vectors DESC, e.backbone LIMIT 1`,
      )
      .get(datasetId) as { backbone: string; vectors: number; newest: string } | undefined) ?? null
  );
}

/**
 * The embeddings of the dataset's pictures from `backbone`, or else from the one embeddingsInUse
 * names; null when there are none (issue 17's `embeddings` table: Float32 little-endian vectors per
 * hash and backbone).
 */
export function datasetEmbeddings(db: Database, datasetId: number, backbone: string | undefined = embeddingsInUse(db, datasetId)?.backbone): EmbeddingVectors | null {
  if (!backbone) return null;
  // Row by row: reading them all first would hold every vector twice (100,000 × 1,792 floats: 717 MB each).
  const rows = db
    .prepare(`SELECT e.hash, e.vector FROM embeddings e WHERE e.backbone = ? AND e.hash IN (SELECT hash FROM images WHERE dataset_id = ? AND status = 'ok')`)
    .iterate(backbone, datasetId) as IterableIterator<{ hash: string; vector: Buffer }>;
  const vectors = new Map<string, Float32Array>();
  for (const r of rows) {
    const copy = new Uint8Array(r.vector).buffer;
    vectors.set(r.hash, new Float32Array(copy, 0, copy.byteLength >> 2));
  }
  if (vectors.size === 0) return null;
  return { backbone, vectors };
}
