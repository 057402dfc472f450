// What the user decides about an audit's findings: accept a suggested label (a relabel with source
// 'suggestion', undoable like any other), keep a label ("the label is right": not suggested again
// while it stays unchanged), and resolve a leaking near-duplicate pair (move one image into the
// other's split, or drop it from training).
import type { LabelChange, SplitName } from '../../../shared/domain.js';
import { FacetError } from '../../../shared/errors.js';
import type { LeakAction, LeakResolution } from '../../../shared/quality.js';
import { setLabels } from '../datasets/labels.js';
import { nowIso, writeTransaction, type Database } from '../platform/store/db.js';
import { getAudit } from './audit-store.js';
import { auditReport } from './report.js';

function record(db: Database, d: { datasetId: number; imageId: number; auditId: number | null; decision: 'accept' | 'keep' | 'move' | 'drop'; classId?: number | null; historyId?: number | null; detail?: string }): void {
  db.prepare('INSERT INTO audit_decisions (dataset_id, image_id, audit_id, decision, class_id, history_id, detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    d.datasetId,
    d.imageId,
    d.auditId,
    d.decision,
    d.classId ?? null,
    d.historyId ?? null,
    d.detail ?? null,
    nowIso(),
  );
}

/**
 * Relabels suspects: with `classId`, every image gets that class (the user picked another one);
 * without, each image gets the audit's suggestion for it. One edit per target class.
 */
export function acceptSuggestions(db: Database, auditId: number, imageIds: number[], classId?: number): LabelChange {
  const audit = getAudit(db, auditId);
  const targets = new Map<number, number[]>();
  if (classId !== undefined) {
    targets.set(classId, [...new Set(imageIds)]);
  } else {
    const suspects = new Map(auditReport(db, auditId).suspects.map((s) => [s.imageId, s]));
    for (const id of new Set(imageIds)) {
      const s = suspects.get(id);
      if (!s) {
        throw new FacetError('not-found', `Image ${id} is not a suspect of audit ${auditId} (any more).`, {
          field: 'imageIds',
          hint: 'Give the class to set (classId), or refresh the audit: the label may have been fixed or kept already.',
        });
      }
      targets.set(s.suggestedClassId, [...(targets.get(s.suggestedClassId) ?? []), id]);
    }
  }
  const all: LabelChange = { editId: null, changed: 0, imageIds: [] };
  for (const [target, ids] of targets) {
    const change = setLabels(db, audit.datasetId, ids, target, 'suggestion');
    writeTransaction(db, () => ids.forEach((imageId) => record(db, { datasetId: audit.datasetId, imageId, auditId, decision: 'accept', classId: target })));
    all.editId = change.editId ?? all.editId;
    all.changed += change.changed;
    all.imageIds.push(...change.imageIds);
  }
  return all;
}

/** "The label is right": remembered per image and label until the label changes. */
export function keepLabels(db: Database, auditId: number, imageIds: number[]): { kept: number } {
  const audit = getAudit(db, auditId);
  return writeTransaction(db, () => {
    const get = db.prepare('SELECT id, dataset_id, class_id, (SELECT MAX(h.id) FROM label_history h WHERE h.image_id = images.id) AS history_id FROM images WHERE id = ?');
    let kept = 0;
    for (const imageId of new Set(imageIds)) {
      const row = get.get(imageId) as { id: number; dataset_id: number; class_id: number | null; history_id: number | null } | undefined;
      if (!row || row.dataset_id !== audit.datasetId) throw new FacetError('not-found', `Image ${imageId} is not in dataset ${audit.datasetId}.`, { field: 'imageIds' });
      if (row.class_id === null) throw new FacetError('invalid-argument', `Image ${imageId} has no label to keep.`, { field: 'imageIds' });
      record(db, { datasetId: audit.datasetId, imageId, auditId, decision: 'keep', classId: row.class_id, historyId: row.history_id });
      kept++;
    }
    return { kept };
  });
}

/**
 * Resolves a near-duplicate pair in two splits. 'move': `imageId` joins `otherImageId`'s split (so
 * both sit on the same side of the train/test line); 'drop': `imageId` is excluded from training.
 */
export function resolveLeak(db: Database, args: { imageId: number; otherImageId: number; action: LeakAction; auditId?: number }): LeakResolution {
  return writeTransaction(db, () => {
    const get = db.prepare('SELECT id, dataset_id, split FROM images WHERE id = ?');
    const image = get.get(args.imageId) as { id: number; dataset_id: number; split: SplitName | null } | undefined;
    const other = get.get(args.otherImageId) as { id: number; dataset_id: number; split: SplitName | null } | undefined;
    if (!image) throw new FacetError('not-found', `There is no image ${args.imageId}.`, { field: 'imageId' });
    if (!other || other.dataset_id !== image.dataset_id) throw new FacetError('not-found', `Image ${args.otherImageId} is not in the same dataset as image ${args.imageId}.`, { field: 'otherImageId' });
    const now = nowIso();
    if (args.action === 'move') {
      db.prepare('UPDATE images SET split = ?, updated_at = ? WHERE id = ?').run(other.split, now, image.id);
      record(db, { datasetId: image.dataset_id, imageId: image.id, auditId: args.auditId ?? null, decision: 'move', detail: `${image.split ?? '-'} → ${other.split ?? '-'} (with image ${other.id})` });
      return { imageId: image.id, action: 'move', split: other.split, excluded: false };
    }
    db.prepare('UPDATE images SET excluded = 1, updated_at = ? WHERE id = ?').run(now, image.id);
    record(db, { datasetId: image.dataset_id, imageId: image.id, auditId: args.auditId ?? null, decision: 'drop', detail: `near-duplicate of image ${other.id}` });
    return { imageId: image.id, action: 'drop', split: image.split, excluded: true };
  });
}
