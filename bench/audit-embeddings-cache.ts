// The bench's cache of pretrained embeddings between runs: each bench run imports its set into a new
// workspace, and embedding 1,500 images with a backbone on two cores takes minutes. Vectors are kept
// per content hash and backbone (the workspace's own embeddings layout) in one SQLite file outside the
// repository, so a set written again with the same bytes is not embedded again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from '../src/main/core/platform/store/db.js';

export const EMBEDDINGS_CACHE = process.env.FACET_BENCH_CACHE ?? path.join(os.homedir(), '.cache', 'facet-bench', 'embeddings.sqlite');

function attached<T>(db: Database, fn: () => T): T {
  fs.mkdirSync(path.dirname(EMBEDDINGS_CACHE), { recursive: true });
  db.prepare('ATTACH DATABASE ? AS bench_cache').run(EMBEDDINGS_CACHE);
  try {
    db.exec(`CREATE TABLE IF NOT EXISTS bench_cache.embeddings (hash TEXT NOT NULL, backbone TEXT NOT NULL, dimensions INTEGER NOT NULL, vector BLOB NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (hash, backbone))`);
    return fn();
  } finally {
    db.exec('DETACH DATABASE bench_cache');
  }
}

/** Copies the cached vectors of the dataset's images into the workspace; how many. */
export function restoreEmbeddings(db: Database, datasetId: number, backbone: string): number {
  return attached(db, () =>
    Number(
      db
        .prepare(
          `INSERT OR IGNORE INTO main.embeddings SELECT * FROM bench_cache.embeddings
           WHERE backbone = ? AND hash IN (SELECT hash FROM main.images WHERE dataset_id = ? AND status = 'ok')`,
        )
        .run(backbone, datasetId).changes,
    ),
  );
}

/** Copies the workspace's vectors of this backbone into the cache. */
export function keepEmbeddings(db: Database, backbone: string): void {
  attached(db, () => db.prepare('INSERT OR IGNORE INTO bench_cache.embeddings SELECT * FROM main.embeddings WHERE backbone = ?').run(backbone));
}
