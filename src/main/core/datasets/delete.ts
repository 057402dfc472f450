// Deleting a dataset: its rows (classes, images, labels and their history, runs, audits), the
// workspace files only it used (run folders, thumbnails and other caches named by content hash),
// never the original image files. A dry run says what would go, for the confirmation.
import fs from 'node:fs';
import path from 'node:path';
import type { DatasetDeletion } from '../../../shared/domain.js';
import { FacetError } from '../../../shared/errors.js';
import { writeTransaction, type Database } from '../platform/store/db.js';
import { getDataset } from './queries.js';

export interface DeleteDatasetOptions {
  /** The workspace's cache folder: caches below it name their files by content hash (xx/HASH…). */
  cacheDir: string;
  /** The folder holding a run's checkpoints (training's layout, given by the caller). */
  runFolder: (runId: number) => string;
  /** A job of this dataset still working (training, audit, face analysis): refused. */
  busy: (datasetId: number, runIds: number[], auditIds: number[]) => string | null;
  dryRun?: boolean;
}

function ids(db: Database, sql: string, datasetId: number): number[] {
  return (db.prepare(sql).all(datasetId) as { id: number }[]).map((r) => r.id);
}

export function deleteDataset(db: Database, datasetId: number, opts: DeleteDatasetOptions): DatasetDeletion {
  const dataset = getDataset(db, datasetId);
  const runs = db.prepare('SELECT id, name, status FROM runs WHERE dataset_id = ? ORDER BY id').all(datasetId) as { id: number; name: string; status: string }[];
  const auditIds = ids(db, 'SELECT id FROM audits WHERE dataset_id = ? ORDER BY id', datasetId);
  // Content another dataset also holds keeps its cached files and face analysis.
  const ownHashes = (
    db
      .prepare(
        `SELECT DISTINCT hash FROM images WHERE dataset_id = ? AND hash IS NOT NULL
         AND hash NOT IN (SELECT hash FROM images WHERE dataset_id <> ? AND hash IS NOT NULL)`,
      )
      .all(datasetId, datasetId) as { hash: string }[]
  ).map((r) => r.hash);
  const labelled = (db.prepare('SELECT COUNT(*) AS n FROM images WHERE dataset_id = ? AND class_id IS NOT NULL').get(datasetId) as { n: number }).n;
  const summary: DatasetDeletion = {
    datasetId,
    name: dataset.name,
    root: dataset.root,
    images: dataset.images + dataset.skipped + dataset.missing,
    labelled,
    classes: dataset.classes,
    runs: runs.map((r) => r.name),
    audits: auditIds.length,
    cachedContents: ownHashes.length,
    deleted: false,
  };
  if (opts.dryRun) return summary;

  const busy = opts.busy(datasetId, runs.map((r) => r.id), auditIds) ??
    (runs.some((r) => r.status === 'running' || r.status === 'queued') ? 'a training run is still going' : null);
  if (busy) {
    throw new FacetError('conflict', `Dataset "${dataset.name}" cannot be deleted while ${busy}.`, {
      field: 'datasetId',
      hint: 'Cancel it (or wait for it to finish), then delete the dataset.',
    });
  }

  writeTransaction(db, () => {
    // Rows that point at images or classes without cascading go first; the dataset row then takes
    // classes, folders, images (and their label history), edits, snapshots, runs and audits with it.
    db.prepare('DELETE FROM runs WHERE dataset_id = ?').run(datasetId);
    db.prepare('DELETE FROM snapshots WHERE dataset_id = ?').run(datasetId);
    db.prepare('DELETE FROM audits WHERE dataset_id = ?').run(datasetId);
    db.prepare('DELETE FROM class_folders WHERE dataset_id = ?').run(datasetId);
    db.prepare('DELETE FROM datasets WHERE id = ?').run(datasetId);
    const dropHash = [db.prepare('DELETE FROM face_analyses WHERE hash = ?'), db.prepare('DELETE FROM image_dhashes WHERE hash = ?')];
    for (const hash of ownHashes) for (const stmt of dropHash) stmt.run(hash);
  });

  // Files after the rows: a failure here leaves only orphan files, never rows without their files.
  for (const run of runs) fs.rmSync(opts.runFolder(run.id), { recursive: true, force: true });
  removeCachedContents(opts.cacheDir, new Set(ownHashes));
  return { ...summary, deleted: true };
}

/** Every cache file named HASH… under cache/<kind>[/<variant>]/<first two letters>/. */
function removeCachedContents(cacheDir: string, hashes: Set<string>): void {
  if (hashes.size === 0 || !fs.existsSync(cacheDir)) return;
  const byPrefix = new Map<string, string[]>();
  for (const h of hashes) byPrefix.set(h.slice(0, 2), [...(byPrefix.get(h.slice(0, 2)) ?? []), h]);
  const visit = (dir: string, depth: number): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const sub = path.join(dir, entry.name);
      const wanted = byPrefix.get(entry.name);
      if (wanted) {
        for (const file of fs.readdirSync(sub)) {
          if (wanted.some((h) => file.startsWith(h))) fs.rmSync(path.join(sub, file), { force: true });
        }
      } else if (depth < 2) visit(sub, depth + 1);
    }
  };
  visit(cacheDir, 0);
}
