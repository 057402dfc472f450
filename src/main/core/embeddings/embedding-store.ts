// Pretrained embeddings per content hash and backbone (table embeddings): a picture copied into two
// datasets is embedded once, and a stopped pass resumes where it was.
import type { BackboneName } from '../../../shared/labelling.js';
import { nowIso, writeTransaction, type Database } from '../platform/store/db.js';

const toBlob = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const fromBlob = (b: Buffer): Float32Array => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

export function saveEmbeddings(db: Database, backbone: BackboneName, vectors: { hash: string; vector: Float32Array }[]): void {
  const insert = db.prepare('INSERT OR REPLACE INTO embeddings (hash, backbone, dimensions, vector, created_at) VALUES (?, ?, ?, ?, ?)');
  const now = nowIso();
  writeTransaction(db, () => {
    for (const v of vectors) insert.run(v.hash, backbone, v.vector.length, toBlob(v.vector), now);
  });
}

export function embeddedHashes(db: Database, backbone: BackboneName): Set<string> {
  return new Set((db.prepare('SELECT hash FROM embeddings WHERE backbone = ?').all(backbone) as { hash: string }[]).map((r) => r.hash));
}

/** Usable images of a dataset with a vector of this backbone: how many of how many. */
export function embeddingCounts(db: Database, datasetId: number, backbone: BackboneName): { images: number; embedded: number } {
  const r = db
    .prepare(
      `SELECT COUNT(*) AS images, COUNT(e.hash) AS embedded FROM images i LEFT JOIN embeddings e ON e.hash = i.hash AND e.backbone = ?
       WHERE i.dataset_id = ? AND i.status = 'ok' AND i.excluded = 0`,
    )
    .get(backbone, datasetId) as { images: number; embedded: number };
  return r;
}

export interface ImageVector {
  imageId: number;
  path: string;
  hash: string;
  vector: Float32Array;
}

const PIXEL_ROWS = `FROM images i JOIN embeddings e ON e.hash = i.hash AND e.backbone = ?
  WHERE i.dataset_id = ? AND i.status = 'ok' AND i.excluded = 0 ORDER BY i.path`;

/** The stored vector of every usable image of a dataset that has one, in path order. */
export function pixelEmbeddings(db: Database, datasetId: number, backbone: BackboneName): ImageVector[] {
  // Row by row: each stored blob is let go once copied, not held beside its copy.
  const rows = db.prepare(`SELECT i.id, i.path, i.hash, e.vector ${PIXEL_ROWS}`).iterate(backbone, datasetId) as IterableIterator<{ id: number; path: string; hash: string; vector: Buffer }>;
  return Array.from(rows, (r) => ({ imageId: r.id, path: r.path, hash: r.hash, vector: fromBlob(r.vector) }));
}

/** The images pixelEmbeddings gives, in its order, without their vectors. */
export function pixelEmbeddingIds(db: Database, datasetId: number, backbone: BackboneName): number[] {
  return db.prepare(`SELECT i.id ${PIXEL_ROWS}`).pluck().all(backbone, datasetId) as number[];
}

/** pixelEmbeddings' vectors one at a time (a large dataset's are never all held). */
export function eachPixelEmbedding(db: Database, datasetId: number, backbone: BackboneName, fn: (vector: Float32Array, index: number) => void): void {
  let index = 0;
  for (const vector of db.prepare(`SELECT e.vector ${PIXEL_ROWS}`).pluck().iterate(backbone, datasetId) as IterableIterator<Buffer>) fn(fromBlob(vector), index++);
}

/** Stored vectors of these hashes with this backbone (hashes without one are absent from the map). */
export function vectorsByHash(db: Database, backbone: BackboneName, hashes: string[]): Map<string, Float32Array> {
  const stmt = db.prepare('SELECT vector FROM embeddings WHERE hash = ? AND backbone = ?');
  const out = new Map<string, Float32Array>();
  for (const hash of new Set(hashes)) {
    const row = stmt.get(hash, backbone) as { vector: Buffer } | undefined;
    if (row) out.set(hash, fromBlob(row.vector));
  }
  return out;
}

/** One stored view: view `view` (from 1) of the picture `hash` under an augmentation `recipe`. */
export interface ViewVector {
  hash: string;
  view: number;
  vector: Float32Array;
}

/** Embeddings of augmented views (table view_embeddings); `recipe` is opaque here (training/augmented-views.ts). */
export function saveViewEmbeddings(db: Database, backbone: BackboneName, recipe: string, views: ViewVector[]): void {
  const insert = db.prepare('INSERT OR REPLACE INTO view_embeddings (hash, backbone, recipe, view, dimensions, vector, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const now = nowIso();
  writeTransaction(db, () => {
    for (const v of views) insert.run(v.hash, backbone, recipe, v.view, v.vector.length, toBlob(v.vector), now);
  });
}

/** `hash:view` of every view stored with this backbone and recipe. */
export function storedViewKeys(db: Database, backbone: BackboneName, recipe: string): Set<string> {
  const rows = db.prepare('SELECT hash, view FROM view_embeddings WHERE backbone = ? AND recipe = ?').all(backbone, recipe) as { hash: string; view: number }[];
  return new Set(rows.map((r) => `${r.hash}:${r.view}`));
}

/** Stored views 1..views of these hashes under the recipe, keyed `hash:view` (missing ones are absent). */
export function viewVectors(db: Database, backbone: BackboneName, recipe: string, views: number, hashes: string[]): Map<string, Float32Array> {
  const stmt = db.prepare('SELECT view, vector FROM view_embeddings WHERE hash = ? AND backbone = ? AND recipe = ? AND view <= ?');
  const out = new Map<string, Float32Array>();
  for (const hash of new Set(hashes)) {
    for (const row of stmt.all(hash, backbone, recipe, views) as { view: number; vector: Buffer }[]) out.set(`${hash}:${row.view}`, fromBlob(row.vector));
  }
  return out;
}
