// Rows of runs, epochs and evaluations: every state change is committed here before it is shown.
import fs from 'node:fs';
import { FacetError } from '../../../shared/errors.js';
import { HyperparametersSchema, type Hyperparameters } from '../../../shared/hyperparameters.js';
import type { BackendName, EpochMetrics, Evaluation, Run, RunDetail, RunStatus } from '../../../shared/runs.js';
import { nowIso, writeTransaction, type Database } from '../platform/store/db.js';

interface RunRow {
  id: number;
  dataset_id: number;
  dataset_name: string;
  snapshot_id: number;
  name: string;
  preset: string;
  hyperparameters: string;
  backend: BackendName | null;
  engine: string | null;
  origin: string | null;
  status: RunStatus;
  error: string | null;
  pid: number | null;
  epochs_done: number;
  best_epoch: number | null;
  best_val_loss: number | null;
  best_val_accuracy: number | null;
  train_seconds: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  test_loss: number | null;
  test_accuracy: number | null;
}

const RUN_SELECT = `SELECT r.*, d.name AS dataset_name,
  (SELECT loss FROM evaluations e WHERE e.run_id = r.id AND e.split = 'test' ORDER BY e.id DESC LIMIT 1) AS test_loss,
  (SELECT accuracy FROM evaluations e WHERE e.run_id = r.id AND e.split = 'test' ORDER BY e.id DESC LIMIT 1) AS test_accuracy
  FROM runs r JOIN datasets d ON d.id = r.dataset_id`;

function toRun(db: Database, r: RunRow): Run {
  const classes = (db.prepare('SELECT name FROM snapshot_classes WHERE snapshot_id = ? ORDER BY class_index').all(r.snapshot_id) as { name: string }[]).map((c) => c.name);
  const counts = { train: 0, val: 0, test: 0 };
  for (const row of db.prepare('SELECT split, COUNT(*) AS n FROM snapshot_items WHERE snapshot_id = ? GROUP BY split').all(r.snapshot_id) as { split: 'train' | 'val' | 'test'; n: number }[]) {
    counts[row.split] = row.n;
  }
  const engine = r.engine ? (JSON.parse(r.engine) as { reason?: string }) : null;
  return {
    id: r.id,
    datasetId: r.dataset_id,
    datasetName: r.dataset_name,
    snapshotId: r.snapshot_id,
    name: r.name,
    preset: r.preset,
    hyperparameters: HyperparametersSchema.parse(JSON.parse(r.hyperparameters)),
    backend: r.backend,
    engineReason: engine?.reason ?? null,
    origin: r.origin ? (JSON.parse(r.origin) as Run['origin']) : null,
    status: r.status,
    error: r.error,
    epochsDone: r.epochs_done,
    bestEpoch: r.best_epoch,
    bestValLoss: r.best_val_loss,
    bestValAccuracy: r.best_val_accuracy,
    testLoss: r.test_loss,
    testAccuracy: r.test_accuracy,
    trainSeconds: r.train_seconds,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    classes,
    images: counts,
  };
}

export function createRunRow(db: Database, datasetId: number, snapshotId: number, name: string, hp: Hyperparameters): number {
  return Number(
    db
      .prepare(`INSERT INTO runs (dataset_id, snapshot_id, name, preset, hyperparameters, status, created_at) VALUES (?, ?, ?, ?, ?, 'queued', ?)`)
      .run(datasetId, snapshotId, name, hp.preset, JSON.stringify(hp), nowIso()).lastInsertRowid,
  );
}

export function getRun(db: Database, runId: number): Run {
  const row = db.prepare(`${RUN_SELECT} WHERE r.id = ?`).get(runId) as RunRow | undefined;
  if (!row) throw new FacetError('not-found', `There is no run ${runId} in this workspace.`, { field: 'run', hint: 'Run `facet runs` to list them.' });
  return toRun(db, row);
}

export function getRunDetail(db: Database, runId: number): RunDetail {
  return { ...getRun(db, runId), epochs: listEpochs(db, runId), test: latestEvaluation(db, runId, 'test') };
}

export function listRuns(db: Database, datasetId?: number): Run[] {
  const rows = (datasetId === undefined
    ? db.prepare(`${RUN_SELECT} ORDER BY r.id`).all()
    : db.prepare(`${RUN_SELECT} WHERE r.dataset_id = ? ORDER BY r.id`).all(datasetId)) as RunRow[];
  return rows.map((r) => toRun(db, r));
}

export function listEpochs(db: Database, runId: number): EpochMetrics[] {
  return db
    .prepare(
      `SELECT epoch, loss, accuracy, val_loss AS valLoss, val_accuracy AS valAccuracy, seconds, images_per_second AS imagesPerSecond
       FROM epoch_metrics WHERE run_id = ? ORDER BY epoch`,
    )
    .all(runId) as EpochMetrics[];
}

export function markRunning(db: Database, runId: number, pid: number, backend: BackendName, engine: unknown): void {
  db.prepare(`UPDATE runs SET status = 'running', pid = ?, backend = ?, engine = ?, started_at = COALESCE(started_at, ?), error = NULL, finished_at = NULL WHERE id = ?`).run(
    pid,
    backend,
    JSON.stringify(engine),
    nowIso(),
    runId,
  );
}

export function recordEpoch(db: Database, runId: number, m: EpochMetrics, best: { epoch: number; valLoss: number | null; valAccuracy: number | null } | null): void {
  writeTransaction(db, () => {
    db.prepare(
      `INSERT OR REPLACE INTO epoch_metrics (run_id, epoch, loss, accuracy, val_loss, val_accuracy, seconds, images_per_second, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(runId, m.epoch, m.loss, m.accuracy, m.valLoss, m.valAccuracy, m.seconds, m.imagesPerSecond, nowIso());
    // A sum, not an increment: an epoch redone after a crash replaces its row and is counted once.
    db.prepare('UPDATE runs SET epochs_done = ?, train_seconds = (SELECT COALESCE(SUM(seconds), 0) FROM epoch_metrics WHERE run_id = ?) WHERE id = ?').run(m.epoch, runId, runId);
    if (best) db.prepare('UPDATE runs SET best_epoch = ?, best_val_loss = ?, best_val_accuracy = ? WHERE id = ?').run(best.epoch, best.valLoss, best.valAccuracy, runId);
  });
}

export function finishRun(db: Database, runId: number, status: RunStatus, error: string | null = null): void {
  db.prepare('UPDATE runs SET status = ?, error = ?, finished_at = ?, pid = NULL WHERE id = ?').run(status, error, nowIso(), runId);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A trainer killed along with its parent stays a zombie until init reaps it; kill(pid, 0) still
  // succeeds on a zombie, which would leave its run 'running' forever. Linux tells us the state.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

/** Runs left 'running' or 'queued' by a process that died are marked interrupted (on open). */
export function markInterruptedRuns(db: Database): number[] {
  const rows = db.prepare(`SELECT id, pid FROM runs WHERE status IN ('running', 'queued')`).all() as { id: number; pid: number | null }[];
  const dead = rows.filter((r) => r.pid === null || !pidAlive(r.pid));
  // A queued run without a pid may be starting right now in another process; give it a grace period.
  const interrupted: number[] = [];
  for (const r of dead) {
    const res = db
      .prepare(`UPDATE runs SET status = 'interrupted', pid = NULL, error = COALESCE(error, 'The training process stopped unexpectedly.') WHERE id = ? AND (pid IS NOT NULL OR julianday('now') - julianday(created_at) > 60.0 / 86400)`)
      .run(r.id);
    if (res.changes) interrupted.push(r.id);
  }
  return interrupted;
}

export function saveEvaluation(
  db: Database,
  runId: number,
  split: 'test' | 'val',
  e: { loss: number; accuracy: number; confusion: number[][]; perClass: Evaluation['perClass'] },
  predictions: { imageId: number; label: number; predicted: number; confidence: number; probabilities: number[] }[],
): number {
  return writeTransaction(db, () => {
    const id = Number(
      db
        .prepare('INSERT INTO evaluations (run_id, split, loss, accuracy, confusion, per_class, images, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(runId, split, e.loss, e.accuracy, JSON.stringify(e.confusion), JSON.stringify(e.perClass), predictions.length, nowIso()).lastInsertRowid,
    );
    const ins = db.prepare('INSERT INTO predictions (evaluation_id, image_id, label_index, predicted_index, confidence, probabilities) VALUES (?, ?, ?, ?, ?, ?)');
    for (const p of predictions) ins.run(id, p.imageId, p.label, p.predicted, p.confidence, JSON.stringify(p.probabilities.map((v) => Math.round(v * 1e6) / 1e6)));
    return id;
  });
}

export function latestEvaluation(db: Database, runId: number, split: 'test' | 'val'): Evaluation | null {
  const row = db.prepare('SELECT * FROM evaluations WHERE run_id = ? AND split = ? ORDER BY id DESC LIMIT 1').get(runId, split) as
    | { id: number; run_id: number; split: 'test' | 'val'; loss: number; accuracy: number; confusion: string; per_class: string; images: number; created_at: string }
    | undefined;
  if (!row) return null;
  const run = db.prepare('SELECT snapshot_id FROM runs WHERE id = ?').get(runId) as { snapshot_id: number };
  const classes = (db.prepare('SELECT name FROM snapshot_classes WHERE snapshot_id = ? ORDER BY class_index').all(run.snapshot_id) as { name: string }[]).map((c) => c.name);
  return {
    id: row.id,
    runId: row.run_id,
    split: row.split,
    loss: row.loss,
    accuracy: row.accuracy,
    confusion: JSON.parse(row.confusion) as number[][],
    classes,
    perClass: JSON.parse(row.per_class) as Evaluation['perClass'],
    images: row.images,
    createdAt: row.created_at,
  };
}
