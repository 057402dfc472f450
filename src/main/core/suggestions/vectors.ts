// One feature vector per usable image of a dataset for a backbone: stored pretrained embeddings, or
// for 'face' the face analysis' descriptor (top face, else the whole picture).
import type { BackboneName } from '../../../shared/labelling.js';
import { DEFAULT_BACKBONE } from '../../../shared/labelling.js';
import { FacetError } from '../../../shared/errors.js';
import { pixelEmbeddings, type ImageVector } from '../embeddings/embedding-store.js';
import { datasetEmbeddings } from '../faces/face-store.js';
import type { Database } from '../platform/store/db.js';

export function datasetVectors(db: Database, datasetId: number, backbone: BackboneName): ImageVector[] {
  if (backbone !== 'face') return pixelEmbeddings(db, datasetId, backbone);
  return datasetEmbeddings(db, datasetId).flatMap((e) => {
    const vector = e.face ?? e.whole;
    return vector ? [{ imageId: e.imageId, path: e.path, hash: e.hash, vector }] : [];
  });
}

/** The backbone to use: the one asked for, else the default when it has vectors, else any that has. */
export function pickBackbone(db: Database, datasetId: number, asked?: BackboneName): BackboneName {
  if (asked) return asked;
  const has = (b: BackboneName) =>
    b === 'face'
      ? (db.prepare(`SELECT 1 FROM images i JOIN face_analyses fa ON fa.hash = i.hash WHERE i.dataset_id = ? AND i.status = 'ok' LIMIT 1`).get(datasetId) !== undefined)
      : (db.prepare(`SELECT 1 FROM images i JOIN embeddings e ON e.hash = i.hash AND e.backbone = ? WHERE i.dataset_id = ? AND i.status = 'ok' LIMIT 1`).get(b, datasetId) !== undefined);
  if (has(DEFAULT_BACKBONE)) return DEFAULT_BACKBONE;
  for (const b of ['mobilenet', 'centernet', 'face'] as const) if (has(b)) return b;
  throw new FacetError('conflict', `Dataset ${datasetId} has no embeddings yet.`, {
    field: 'backbone',
    hint: 'Compute them first: facet embed DATASET (or "Compute embeddings" in the studio).',
  });
}

/** Vectors of just these images (the queue needs a few hundred, not the whole dataset). */
export function vectorsOf(db: Database, backbone: BackboneName, imageIds: number[]): Map<number, Float32Array> {
  const out = new Map<number, Float32Array>();
  if (imageIds.length === 0) return out;
  const sql =
    backbone === 'face'
      ? `SELECT i.id, COALESCE(f.embedding, fa.whole_embedding) AS vector FROM images i JOIN face_analyses fa ON fa.hash = i.hash
         LEFT JOIN faces f ON f.hash = i.hash AND f.face_index = 0 WHERE i.id IN (SELECT value FROM json_each(?))`
      : `SELECT i.id, e.vector FROM images i JOIN embeddings e ON e.hash = i.hash AND e.backbone = '${backbone}' WHERE i.id IN (SELECT value FROM json_each(?))`;
  for (const r of db.prepare(sql).all(JSON.stringify(imageIds)) as { id: number; vector: Buffer | null }[]) {
    if (r.vector) out.set(r.id, new Float32Array(r.vector.buffer.slice(r.vector.byteOffset, r.vector.byteOffset + r.vector.byteLength)));
  }
  return out;
}
