// Looking after finished runs: renaming, deleting (rows and files), comparing, and the label changes
// between the snapshots two runs trained on.
import fs from 'node:fs';
import { FacetError } from '../../../shared/errors.js';
import type { LabelDiff, Run, RunComparison } from '../../../shared/runs.js';
import { writeTransaction, type Database } from '../platform/store/db.js';
import { runDir } from './checkpoint.js';
import { getRun, getRunDetail } from './run-store.js';

const EXAMPLES = 20;

export function renameRun(db: Database, runId: number, name: string): Run {
  getRun(db, runId);
  db.prepare('UPDATE runs SET name = ? WHERE id = ?').run(name, runId);
  return getRun(db, runId);
}

/**
 * Deletes a run's rows (epochs, evaluations and predictions cascade), its snapshot when no other run
 * uses it, and its folder of checkpoints. A running run is refused: cancel it first.
 */
export function deleteRun(db: Database, workspaceDir: string, runId: number, isActive: (runId: number) => boolean): { deleted: number } {
  const run = getRun(db, runId);
  if (isActive(runId) || run.status === 'running' || run.status === 'queued') {
    throw new FacetError('conflict', `Run "${run.name}" is still training.`, { field: 'runId', hint: 'Cancel it first, then delete it.' });
  }
  writeTransaction(db, () => {
    db.prepare('DELETE FROM runs WHERE id = ?').run(runId);
    const users = (db.prepare('SELECT COUNT(*) AS n FROM runs WHERE snapshot_id = ?').get(run.snapshotId) as { n: number }).n;
    if (users === 0) db.prepare('DELETE FROM snapshots WHERE id = ?').run(run.snapshotId);
  });
  // The rows are gone first: a failure here leaves only an orphan folder, never a run without files.
  fs.rmSync(runDir(workspaceDir, runId), { recursive: true, force: true });
  return { deleted: runId };
}

/** Class names by image of a snapshot. */
function snapshotLabels(db: Database, snapshotId: number): Map<number, { path: string; name: string }> {
  const rows = db
    .prepare(
      `SELECT si.image_id AS imageId, si.path, sc.name FROM snapshot_items si
       JOIN snapshot_classes sc ON sc.snapshot_id = si.snapshot_id AND sc.class_index = si.class_index
       WHERE si.snapshot_id = ?`,
    )
    .all(snapshotId) as { imageId: number; path: string; name: string }[];
  return new Map(rows.map((r) => [r.imageId, { path: r.path, name: r.name }]));
}

/** Images in both runs' snapshots whose class name differs (the same image_id, another class). */
export function labelDiff(db: Database, fromRunId: number, toRunId: number): LabelDiff {
  const from = getRun(db, fromRunId);
  const to = getRun(db, toRunId);
  const diff: LabelDiff = { fromRunId, toRunId, changed: 0, added: 0, removed: 0, examples: [] };
  if (from.snapshotId === to.snapshotId) return diff;
  const a = snapshotLabels(db, from.snapshotId);
  const b = snapshotLabels(db, to.snapshotId);
  for (const [imageId, before] of a) {
    const after = b.get(imageId);
    if (!after) diff.removed++;
    else if (after.name !== before.name) {
      diff.changed++;
      if (diff.examples.length < EXAMPLES) diff.examples.push({ imageId, path: after.path, from: before.name, to: after.name });
    }
  }
  for (const imageId of b.keys()) if (!a.has(imageId)) diff.added++;
  diff.examples.sort((x, y) => x.path.localeCompare(y.path));
  return diff;
}

/** Two or more runs side by side; label changes are counted against the first run given. */
export function compareRuns(db: Database, runIds: number[]): RunComparison {
  const ids = [...new Set(runIds)];
  if (ids.length < 2) throw new FacetError('invalid-argument', 'Pick at least two different runs to compare.', { field: 'runIds' });
  const runs = ids.map((id) => getRunDetail(db, id));
  const [first, ...rest] = runs;
  return { runs, labelChanges: rest.map((r) => labelDiff(db, first!.id, r.id)) };
}
