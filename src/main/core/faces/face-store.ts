// Reading and writing face analyses (tables face_analyses and faces, keyed by content hash).
import type { SplitName } from '../../../shared/domain.js';
import { FacetError } from '../../../shared/errors.js';
import type { FaceCounts, FaceDetectorName, ImageFaces } from '../../../shared/faces.js';
import { nowIso, writeTransaction, type Database } from '../platform/store/db.js';
import type { ImageAnalysis } from './analyzer.js';

const toBlob = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const fromBlob = (b: Buffer): Float32Array => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

export function saveAnalysis(db: Database, hash: string, analysis: ImageAnalysis, detector: FaceDetectorName, minScore: number): void {
  writeTransaction(db, () => {
    db.prepare('DELETE FROM face_analyses WHERE hash = ?').run(hash);
    db.prepare(
      `INSERT INTO face_analyses (hash, detector, min_score, width, height, faces, whole_embedding, analysed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(hash, detector, minScore, analysis.width, analysis.height, analysis.faces.length, analysis.wholeEmbedding ? toBlob(analysis.wholeEmbedding) : null, nowIso());
    const insert = db.prepare(
      `INSERT INTO faces (hash, face_index, score, x, y, width, height, landmarks, embedding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const f of analysis.faces) {
      insert.run(hash, f.index, f.score, f.box.x, f.box.y, f.box.width, f.box.height, toBlob(Float32Array.from(f.landmarks.flat())), toBlob(f.embedding));
    }
  });
}

/** Content hashes among `hashes` that have an analysis already. */
export function analysedHashes(db: Database): Set<string> {
  return new Set((db.prepare('SELECT hash FROM face_analyses').all() as { hash: string }[]).map((r) => r.hash));
}

export interface FaceTotals {
  images: number;
  analysedImages: number;
  faces: number;
  noFace: number;
  multiFace: number;
}

/** Counts over the usable images of a dataset (a duplicated picture counts once per image). */
export function faceCounts(db: Database, datasetId: number): FaceTotals {
  const r = db
    .prepare(
      `SELECT COUNT(*) AS images, COUNT(fa.hash) AS analysed, COALESCE(SUM(fa.faces), 0) AS faces,
              SUM(CASE WHEN fa.faces = 0 THEN 1 ELSE 0 END) AS noFace, SUM(CASE WHEN fa.faces > 1 THEN 1 ELSE 0 END) AS multiFace
       FROM images i LEFT JOIN face_analyses fa ON fa.hash = i.hash WHERE i.dataset_id = ? AND i.status = 'ok'`,
    )
    .get(datasetId) as { images: number; analysed: number; faces: number; noFace: number | null; multiFace: number | null };
  return { images: r.images, analysedImages: r.analysed, faces: r.faces, noFace: r.noFace ?? 0, multiFace: r.multiFace ?? 0 };
}

/** The labeller's face buckets (the Face crops toggle, the Faces filter), in one pass. */
export function faceBuckets(db: Database, datasetId: number): FaceCounts {
  const t = faceCounts(db, datasetId);
  return { images: t.images, analysed: t.analysedImages, noFace: t.noFace, oneFace: t.analysedImages - t.noFace - t.multiFace, multiFace: t.multiFace };
}

export function getImageFaces(db: Database, imageId: number): ImageFaces {
  const img = db.prepare('SELECT id, path, hash, group_key FROM images WHERE id = ?').get(imageId) as
    | { id: number; path: string; hash: string | null; group_key: string | null }
    | undefined;
  if (!img) throw new FacetError('not-found', `There is no image ${imageId}.`, { field: 'imageId' });
  const fa = img.hash
    ? (db.prepare('SELECT detector, width, height FROM face_analyses WHERE hash = ?').get(img.hash) as { detector: FaceDetectorName; width: number; height: number } | undefined)
    : undefined;
  const faces = img.hash ? faceRows(db, img.hash) : [];
  return {
    imageId: img.id,
    path: img.path,
    hash: img.hash ?? '',
    analysed: fa !== undefined,
    width: fa?.width ?? null,
    height: fa?.height ?? null,
    detector: fa?.detector ?? null,
    faces: faces.map((f) => {
      const pts = fromBlob(f.landmarks);
      const landmarks: [number, number][] = [];
      for (let i = 0; i + 1 < pts.length; i += 2) landmarks.push([pts[i]!, pts[i + 1]!]);
      return { index: f.face_index, score: f.score, box: { x: f.x, y: f.y, width: f.width, height: f.height }, landmarks };
    }),
    groupKey: img.group_key,
  };
}

interface FaceRow {
  face_index: number;
  score: number;
  x: number;
  y: number;
  width: number;
  height: number;
  landmarks: Buffer;
  embedding: Buffer;
}

function faceRows(db: Database, hash: string): FaceRow[] {
  return db.prepare('SELECT face_index, score, x, y, width, height, landmarks, embedding FROM faces WHERE hash = ? ORDER BY face_index').all(hash) as FaceRow[];
}

/** The box of the most confident face of a picture, with the picture's upright size. */
/** A face box with the picture size it was measured on and its roll (degrees, from the eye line). */
export interface StoredFaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
  imageWidth: number;
  imageHeight: number;
  /** Angle of the line from the left to the right eye centre (iBUG points 36–41 and 42–47); 0 = level. */
  roll: number;
}

/** The eye line's angle in degrees (image coordinates, y down): positive when the right eye is lower. */
export function eyeRoll(landmarks: Float32Array): number {
  if (landmarks.length < 96) return 0;
  const centre = (from: number, to: number): [number, number] => {
    let x = 0;
    let y = 0;
    for (let i = from; i <= to; i++) {
      x += landmarks[2 * i]!;
      y += landmarks[2 * i + 1]!;
    }
    const n = to - from + 1;
    return [x / n, y / n];
  };
  const [lx, ly] = centre(36, 41);
  const [rx, ry] = centre(42, 47);
  return (Math.atan2(ry - ly, rx - lx) * 180) / Math.PI;
}

export function topFaceBoxes(db: Database, hashes: string[]): Map<string, StoredFaceBox> {
  const stmt = db.prepare(
    `SELECT f.x, f.y, f.width, f.height, f.landmarks, fa.width AS iw, fa.height AS ih FROM faces f JOIN face_analyses fa ON fa.hash = f.hash WHERE f.hash = ? AND f.face_index = 0`,
  );
  const out = new Map<string, StoredFaceBox>();
  for (const h of hashes) {
    const r = stmt.get(h) as { x: number; y: number; width: number; height: number; landmarks: Buffer; iw: number; ih: number } | undefined;
    if (r) out.set(h, { x: r.x, y: r.y, width: r.width, height: r.height, imageWidth: r.iw, imageHeight: r.ih, roll: eyeRoll(fromBlob(r.landmarks)) });
  }
  return out;
}

export interface ImageEmbedding {
  imageId: number;
  path: string;
  hash: string;
  split: SplitName | null;
  groupKey: string | null;
  /** The most confident face's descriptor; null when no face was found. */
  face: Float32Array | null;
  /** The whole picture's descriptor, stored when no face was found. */
  whole: Float32Array | null;
}

/** One embedding per usable, analysed image of a dataset, in path order. */
export function datasetEmbeddings(db: Database, datasetId: number): ImageEmbedding[] {
  const rows = db
    .prepare(
      `SELECT i.id, i.path, i.hash, i.split, i.group_key, f.embedding, fa.whole_embedding
       FROM images i JOIN face_analyses fa ON fa.hash = i.hash LEFT JOIN faces f ON f.hash = i.hash AND f.face_index = 0
       WHERE i.dataset_id = ? AND i.status = 'ok' ORDER BY i.path`,
    )
    .all(datasetId) as { id: number; path: string; hash: string; split: SplitName | null; group_key: string | null; embedding: Buffer | null; whole_embedding: Buffer | null }[];
  return rows.map((r) => ({
    imageId: r.id,
    path: r.path,
    hash: r.hash,
    split: r.split,
    groupKey: r.group_key,
    face: r.embedding ? fromBlob(r.embedding) : null,
    whole: r.whole_embedding ? fromBlob(r.whole_embedding) : null,
  }));
}

/** Embedding per content hash for the face-embedding preset: the top face, else the whole picture. */
export function embeddingsByHash(db: Database, hashes: string[]): Map<string, Float32Array> {
  const stmt = db.prepare(
    `SELECT f.embedding, fa.whole_embedding FROM face_analyses fa LEFT JOIN faces f ON f.hash = fa.hash AND f.face_index = 0 WHERE fa.hash = ?`,
  );
  const out = new Map<string, Float32Array>();
  for (const h of new Set(hashes)) {
    const r = stmt.get(h) as { embedding: Buffer | null; whole_embedding: Buffer | null } | undefined;
    const blob = r?.embedding ?? r?.whole_embedding;
    if (blob) out.set(h, fromBlob(blob));
  }
  return out;
}

/** Usable, labelled images of a dataset (what a run would train on) that have no face analysis yet. */
export function unanalysedImages(db: Database, datasetId: number): { count: number; total: number; example: string | null } {
  const row = db
    .prepare(
      `SELECT COUNT(*) AS total, SUM(fa.hash IS NULL) AS count, MIN(CASE WHEN fa.hash IS NULL THEN i.path END) AS example
       FROM images i LEFT JOIN face_analyses fa ON fa.hash = i.hash
       WHERE i.dataset_id = ? AND i.status = 'ok' AND i.class_id IS NOT NULL AND i.split IS NOT NULL`,
    )
    .get(datasetId) as { total: number; count: number | null; example: string | null };
  return { count: row.count ?? 0, total: row.total, example: row.example };
}
