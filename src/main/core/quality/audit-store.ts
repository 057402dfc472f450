// The rows of an audit: created with the labels and folds it audits (so the audit process and any
// later reader see the same picture of the dataset), filled with probabilities fold by fold, finished.
import type { SplitName } from '../../../shared/domain.js';
import { FacetError } from '../../../shared/errors.js';
import { AuditSettingsSchema, type Audit, type AuditSettings, type AuditStatus, type ClassImbalance, type ConflictingDuplicate, type Leak } from '../../../shared/quality.js';
import type { BackendName } from '../../../shared/runs.js';
import { nowIso, writeTransaction, type Database } from '../platform/store/db.js';
import { getDataset } from '../datasets/queries.js';
import { stratifiedFolds } from './folds.js';

export interface AuditClass {
  id: number;
  name: string;
}

/** One image of an audit as the audit process needs it. */
export interface AuditItem {
  imageId: number;
  path: string;
  hash: string;
  split: SplitName | null;
  classIndex: number;
  classId: number;
  fold: number;
}

export interface AuditFindings {
  duplicates: ConflictingDuplicate[];
  leaks: Leak[];
  imbalance: ClassImbalance;
}

interface AuditRow {
  id: number;
  dataset_id: number;
  settings: string;
  classes: string;
  images: number;
  status: AuditStatus;
  error: string | null;
  backend: BackendName | null;
  findings: string | null;
  seconds: number | null;
  created_at: string;
  finished_at: string | null;
}

/** The images an audit covers: usable, labelled with a live class, not excluded. */
function auditableImages(db: Database, datasetId: number) {
  return db
    .prepare(
      `SELECT i.id, i.path, i.hash, i.split, i.class_id, c.name FROM images i JOIN classes c ON c.id = i.class_id
       WHERE i.dataset_id = ? AND i.status = 'ok' AND i.excluded = 0 AND i.hash IS NOT NULL AND c.deleted_at IS NULL ORDER BY i.path`,
    )
    .all(datasetId) as { id: number; path: string; hash: string; split: SplitName | null; class_id: number; name: string }[];
}

export function createAudit(db: Database, datasetId: number, settings: AuditSettings): number {
  return writeTransaction(db, () => {
    getDataset(db, datasetId);
    const rows = auditableImages(db, datasetId);
    const ids = new Map<string, number>();
    for (const r of rows) ids.set(r.name, r.class_id);
    const names = [...ids.keys()].sort();
    if (names.length < 2) {
      throw new FacetError('invalid-argument', `Dataset ${datasetId} has ${names.length} class(es) with images; an audit needs at least 2.`, {
        field: 'dataset',
        hint: 'Import a folder with one sub-folder per class, or add classes and label images.',
      });
    }
    const index = new Map(names.map((n, i) => [n, i]));
    const labels = rows.map((r) => index.get(r.name)!);
    if (rows.length < settings.folds * 2) {
      throw new FacetError('invalid-argument', `Dataset ${datasetId} has ${rows.length} usable images: too few for ${settings.folds} folds.`, {
        field: 'folds',
        hint: 'Use fewer folds (--folds 2) or add images.',
      });
    }
    const folds = stratifiedFolds(labels, settings.folds, settings.seed);
    const classes: AuditClass[] = names.map((name) => ({ id: ids.get(name)!, name }));
    const auditId = Number(
      db
        .prepare(`INSERT INTO audits (dataset_id, settings, classes, images, status, created_at) VALUES (?, ?, ?, ?, 'queued', ?)`)
        .run(datasetId, JSON.stringify(settings), JSON.stringify(classes), rows.length, nowIso()).lastInsertRowid,
    );
    const ins = db.prepare('INSERT INTO audit_predictions (audit_id, image_id, class_index, class_id, fold) VALUES (?, ?, ?, ?, ?)');
    rows.forEach((r, i) => ins.run(auditId, r.id, labels[i], r.class_id, folds[i]));
    return auditId;
  });
}

function toAudit(r: AuditRow): Audit {
  return {
    id: r.id,
    datasetId: r.dataset_id,
    status: r.status,
    error: r.error,
    settings: AuditSettingsSchema.parse(JSON.parse(r.settings)),
    classes: (JSON.parse(r.classes) as AuditClass[]).map((c) => c.name),
    images: r.images,
    backend: r.backend,
    seconds: r.seconds,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

function auditRow(db: Database, auditId: number): AuditRow {
  const row = db.prepare('SELECT * FROM audits WHERE id = ?').get(auditId) as AuditRow | undefined;
  if (!row) throw new FacetError('not-found', `There is no audit ${auditId}.`, { field: 'auditId', hint: 'Run one with facet audit DATASET.' });
  return row;
}

export function getAudit(db: Database, auditId: number): Audit {
  return toAudit(auditRow(db, auditId));
}

export function latestAuditId(db: Database, datasetId: number): number {
  getDataset(db, datasetId);
  const row = db.prepare('SELECT id FROM audits WHERE dataset_id = ? ORDER BY id DESC LIMIT 1').get(datasetId) as { id: number } | undefined;
  if (!row) throw new FacetError('not-found', `Dataset ${datasetId} has not been audited yet.`, { field: 'datasetId', hint: 'Run facet audit DATASET.' });
  return row.id;
}

export function auditClasses(db: Database, auditId: number): AuditClass[] {
  return JSON.parse(auditRow(db, auditId).classes) as AuditClass[];
}

export function auditFindings(db: Database, auditId: number): AuditFindings | null {
  const f = auditRow(db, auditId).findings;
  return f ? (JSON.parse(f) as AuditFindings) : null;
}

export function loadAuditItems(db: Database, auditId: number): AuditItem[] {
  return db
    .prepare(
      `SELECT p.image_id AS imageId, i.path, i.hash, i.split, p.class_index AS classIndex, p.class_id AS classId, p.fold
       FROM audit_predictions p JOIN images i ON i.id = p.image_id WHERE p.audit_id = ? ORDER BY i.path`,
    )
    .all(auditId) as AuditItem[];
}

/** Probabilities of the images predicted so far, by image id. */
export function loadAuditProbabilities(db: Database, auditId: number): Map<number, number[]> {
  const rows = db.prepare('SELECT image_id, probabilities FROM audit_predictions WHERE audit_id = ? AND probabilities IS NOT NULL').all(auditId) as {
    image_id: number;
    probabilities: string;
  }[];
  return new Map(rows.map((r) => [r.image_id, JSON.parse(r.probabilities) as number[]]));
}

export function saveFoldProbabilities(db: Database, auditId: number, rows: { imageId: number; probabilities: number[] }[]): void {
  writeTransaction(db, () => {
    const up = db.prepare('UPDATE audit_predictions SET probabilities = ? WHERE audit_id = ? AND image_id = ?');
    for (const r of rows) up.run(JSON.stringify(r.probabilities.map((p) => Math.round(p * 1e6) / 1e6)), auditId, r.imageId);
  });
}

/** An interrupted or cancelled audit goes back to the queue; its stored fold predictions stay. */
export function reopenAudit(db: Database, auditId: number): void {
  db.prepare(`UPDATE audits SET status = 'queued', error = NULL, finished_at = NULL, pid = NULL WHERE id = ? AND status IN ('interrupted', 'cancelled')`).run(auditId);
}

export function markAuditRunning(db: Database, auditId: number, pid: number, backend: BackendName, engine: unknown): void {
  db.prepare(`UPDATE audits SET status = 'running', pid = ?, backend = ?, engine = ? WHERE id = ?`).run(pid, backend, JSON.stringify(engine), auditId);
}

export function saveAuditFindings(db: Database, auditId: number, findings: AuditFindings): void {
  db.prepare('UPDATE audits SET findings = ? WHERE id = ?').run(JSON.stringify(findings), auditId);
}

export function finishAudit(db: Database, auditId: number, status: AuditStatus, error: string | null = null, seconds: number | null = null): void {
  db.prepare('UPDATE audits SET status = ?, error = ?, seconds = COALESCE(?, seconds), finished_at = ?, pid = NULL WHERE id = ?').run(status, error, seconds, nowIso(), auditId);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * On start-up: audits whose process is gone can never finish. One still queued without a pid may be
 * starting in another process right now, so it gets a minute's grace.
 */
export function markInterruptedAudits(db: Database): void {
  const rows = db.prepare(`SELECT id, pid FROM audits WHERE status IN ('queued', 'running')`).all() as { id: number; pid: number | null }[];
  for (const r of rows) {
    if (r.pid !== null && pidAlive(r.pid)) continue;
    db.prepare(
      `UPDATE audits SET status = 'interrupted', pid = NULL, error = COALESCE(error, 'The audit process stopped before it finished; resume it to finish the remaining folds.')
       WHERE id = ? AND (pid IS NOT NULL OR julianday('now') - julianday(created_at) > 60.0 / 86400)`,
    ).run(r.id);
  }
}
