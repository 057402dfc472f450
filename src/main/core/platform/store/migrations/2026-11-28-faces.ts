// Face analysis per image content (so a picture copied into two datasets is analysed once): the
// detector's boxes with scores, 68 landmarks and a 128-d descriptor per face.
import type { Migration } from './migration.js';

export const faces: Migration = {
  id: '2026-11-28-faces',
  up: `
    -- One row per analysed content hash; faces = 0 flags "no face found". whole_embedding is the
    -- descriptor of the whole (upright) picture, kept only when no face was found, so the
    -- face-embedding preset still has an input for that image.
    CREATE TABLE face_analyses (
      hash TEXT PRIMARY KEY,
      detector TEXT NOT NULL,
      min_score REAL NOT NULL,
      width INTEGER NOT NULL,
      height INTEGER NOT NULL,
      faces INTEGER NOT NULL,
      whole_embedding BLOB,
      analysed_at TEXT NOT NULL
    );
    CREATE INDEX face_analyses_faces ON face_analyses(faces);

    -- face_index 0 is the most confident face. Boxes and landmarks are in upright-image pixels;
    -- landmarks are 68 (x, y) float32 pairs, embedding 128 float32 values.
    CREATE TABLE faces (
      id INTEGER PRIMARY KEY,
      hash TEXT NOT NULL REFERENCES face_analyses(hash) ON DELETE CASCADE,
      face_index INTEGER NOT NULL,
      score REAL NOT NULL,
      x REAL NOT NULL,
      y REAL NOT NULL,
      width REAL NOT NULL,
      height REAL NOT NULL,
      landmarks BLOB NOT NULL,
      embedding BLOB NOT NULL,
      UNIQUE (hash, face_index)
    );
  `,
};
