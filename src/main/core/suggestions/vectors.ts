// One feature vector per usable image of a dataset for a backbone: stored pretrained embeddings, or
// for 'face' the face analysis' descriptor (top face, else the whole picture).
import type { BackboneName } from '../../../shared/labelling.js';
import { DEFAULT_BACKBONE } from '../../../shared/labelling.js';
import { FacetError } from '../../../shared/errors.js';
import { eachPixelEmbedding, pixelEmbeddingIds, pixelEmbeddings, type ImageVector } from '../embeddings/embedding-store.js';
import { datasetEmbeddings } from '../faces/face-store.js';
import type { Database } from '../platform/store/db.js';

export function datasetVectors(db: Database, datasetId: number, backbone: BackboneName): ImageVector[] {
  if (backbone !== 'face') return pixelEmbeddings(db, datasetId, backbone);
  return datasetEmbeddings(db, datasetId).flatMap((e) => {
    const vector = e.face ?? e.whole;
    return vector ? [{ imageId: e.imageId, path: e.path, hash: e.hash, vector }] : [];
  });
}

/** A dataset's vectors as the map reads them: a sample of rows, then every row once, in order. */
export interface VectorSource {
  count: number;
  /** These rows (positions in the order of `each`), in the order asked. */
  rows(indices: number[]): Float32Array[];
  each(fn: (vector: Float32Array, index: number) => void): void;
}

export function heldVectors(vectors: Float32Array[]): VectorSource {
  return { count: vectors.length, rows: (indices) => indices.map((i) => vectors[i]!), each: (fn) => vectors.forEach(fn) };
}

/**
 * datasetVectors as a source, with the image of each row. Pixel embeddings stay in the store until
 * read (100,000 of MobileNet's 1,792 dimensions are 717 MB); read it in one transaction so both
 * passes see the same rows.
 */
export function datasetVectorSource(db: Database, datasetId: number, backbone: BackboneName): { imageIds: number[]; source: VectorSource } {
  if (backbone === 'face') {
    const held = datasetVectors(db, datasetId, backbone);
    return { imageIds: held.map((v) => v.imageId), source: heldVectors(held.map((v) => v.vector)) };
  }
  const imageIds = pixelEmbeddingIds(db, datasetId, backbone);
  return {
    imageIds,
    source: {
      count: imageIds.length,
      rows: (indices) => {
        const byId = vectorsOf(db, backbone, indices.map((i) => imageIds[i]!));
        return indices.map((i) => byId.get(imageIds[i]!)!);
      },
      each: (fn) => eachPixelEmbedding(db, datasetId, backbone, fn),
    },
  };
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
