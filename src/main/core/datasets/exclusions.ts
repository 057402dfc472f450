// Excluding images from training (a blurry shot, the extra copies of a burst) and bringing them back,
// as edits: one action is one edit, so undo and redo cover it like a relabel, and snapshots (which
// leave excluded images out) record the state at the time a run starts.
import type { LabelChange } from '../../../shared/domain.js';
import { FacetError } from '../../../shared/errors.js';
import { nowIso, writeTransaction, type Database } from '../platform/store/db.js';
import { beginEdit } from './edits.js';
import { getDataset } from './queries.js';

/** Stored as JSON on the edit row: which images the edit flipped, and to which state. */
export interface ExclusionChange {
  excluded: boolean;
  imageIds: number[];
}

export function setExcluded(db: Database, datasetId: number, imageIds: number[], excluded: boolean): LabelChange {
  return writeTransaction(db, () => {
    getDataset(db, datasetId);
    const get = db.prepare('SELECT dataset_id, excluded FROM images WHERE id = ?');
    const toChange: number[] = [];
    for (const imageId of new Set(imageIds)) {
      const row = get.get(imageId) as { dataset_id: number; excluded: number } | undefined;
      if (!row || row.dataset_id !== datasetId) throw new FacetError('not-found', `Image ${imageId} is not in dataset ${datasetId}.`, { field: 'imageIds' });
      if (Boolean(row.excluded) !== excluded) toChange.push(imageId);
    }
    if (toChange.length === 0) return { editId: null, changed: 0, imageIds: [], exclusion: excluded ? 'excluded' : 'included' };
    const editId = beginEdit(db, datasetId, 'user');
    const change: ExclusionChange = { excluded, imageIds: toChange };
    db.prepare('UPDATE edits SET exclusion_change = ? WHERE id = ?').run(JSON.stringify(change), editId);
    flip(db, toChange, excluded);
    return { editId, changed: toChange.length, imageIds: toChange, exclusion: excluded ? 'excluded' : 'included' };
  });
}

/** Undo puts the images back as they were; redo applies the change again. Images already in the target state are skipped. */
export function replayExclusion(db: Database, change: ExclusionChange, direction: 'undo' | 'redo'): number[] {
  const target = direction === 'undo' ? !change.excluded : change.excluded;
  const get = db.prepare('SELECT excluded FROM images WHERE id = ?');
  const ids = change.imageIds.filter((id) => {
    const row = get.get(id) as { excluded: number } | undefined;
    return row !== undefined && Boolean(row.excluded) !== target;
  });
  flip(db, ids, target);
  return ids;
}

function flip(db: Database, imageIds: number[], excluded: boolean): void {
  const update = db.prepare('UPDATE images SET excluded = ?, updated_at = ? WHERE id = ?');
  const now = nowIso();
  for (const id of imageIds) update.run(excluded ? 1 : 0, now, id);
}
