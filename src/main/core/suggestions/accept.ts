// Reading and accepting suggestions. Accepting makes ordinary labels with source 'suggestion' (one
// edit, so one undo takes a bulk acceptance back); a preview only counts.
import type { ParsedArgs } from '../../../shared/contract.js';
import type { AcceptResult, Suggestion, SuggestionPage, SuggestionsByImage, SuggestionsStatus, SuggestionsSummary } from '../../../shared/labelling.js';
import { assignLabels } from '../datasets/labels.js';
import { getDataset } from '../datasets/queries.js';
import { writeTransaction, type Database } from '../platform/store/db.js';

interface SuggestionRow {
  image_id: number;
  path: string;
  hash: string | null;
  class_id: number;
  class_name: string;
  confidence: number;
}

function where(q: { datasetId: number; minConfidence?: number; classId?: number; imageIds?: number[] }): { sql: string; params: Record<string, unknown> } {
  const parts = ['s.dataset_id = @datasetId', "i.status = 'ok'", 'i.excluded = 0', 'i.class_id IS NULL', 'c.deleted_at IS NULL'];
  const params: Record<string, unknown> = { datasetId: q.datasetId };
  if (q.minConfidence !== undefined) {
    parts.push('s.confidence >= @minConfidence');
    params.minConfidence = q.minConfidence;
  }
  if (q.classId !== undefined) {
    parts.push('s.class_id = @classId');
    params.classId = q.classId;
  }
  if (q.imageIds !== undefined) {
    parts.push('s.image_id IN (SELECT value FROM json_each(@imageIds))');
    params.imageIds = JSON.stringify(q.imageIds);
  }
  return { sql: parts.join(' AND '), params };
}

const FROM = `FROM suggestions s JOIN images i ON i.id = s.image_id JOIN classes c ON c.id = s.class_id`;

const toSuggestion = (r: SuggestionRow): Suggestion => ({ imageId: r.image_id, path: r.path, hash: r.hash, classId: r.class_id, className: r.class_name, confidence: r.confidence });

/** Suggestions of unlabelled images, most confident first. */
export function listSuggestions(db: Database, q: ParsedArgs<'suggestions/list'>): SuggestionPage {
  getDataset(db, q.datasetId);
  const w = where(q);
  const total = (db.prepare(`SELECT COUNT(*) AS n ${FROM} WHERE ${w.sql}`).get(w.params) as { n: number }).n;
  const offset = q.offset ?? 0;
  const rows = db
    .prepare(`SELECT s.image_id, i.path, i.hash, s.class_id, c.name AS class_name, s.confidence ${FROM} WHERE ${w.sql} ORDER BY s.confidence DESC, i.path LIMIT @limit OFFSET @offset`)
    .all({ ...w.params, limit: q.limit ?? 100_000, offset }) as SuggestionRow[];
  return { total, offset, items: rows.map(toSuggestion) };
}

/** The same suggestions as listSuggestions, in no order and without paths: what the labeller's grid needs. */
export function suggestionsByImage(db: Database, datasetId: number): SuggestionsByImage {
  getDataset(db, datasetId);
  const w = where({ datasetId });
  const rows = db.prepare(`SELECT s.image_id, s.class_id, s.confidence ${FROM} WHERE ${w.sql}`).raw().all(w.params) as [number, number, number][];
  const classes = db.prepare('SELECT id, name FROM classes WHERE dataset_id = ? AND deleted_at IS NULL ORDER BY id').all(datasetId) as { id: number; name: string }[];
  const used = new Set(rows.map((r) => r[1]));
  return {
    datasetId,
    imageIds: rows.map((r) => r[0]),
    classIds: rows.map((r) => r[1]),
    confidences: rows.map((r) => r[2]),
    classes: classes.filter((c) => used.has(c.id)),
  };
}

export function acceptSuggestions(db: Database, a: ParsedArgs<'suggestions/accept'>): AcceptResult {
  getDataset(db, a.datasetId);
  const w = where(a);
  const rows = db
    .prepare(`SELECT s.image_id, i.path, i.hash, s.class_id, c.name AS class_name, s.confidence ${FROM} WHERE ${w.sql} ORDER BY s.confidence DESC, i.path`)
    .all(w.params) as SuggestionRow[];
  const byClass = new Map<number, { classId: number; className: string; count: number }>();
  for (const r of rows) {
    const entry = byClass.get(r.class_id) ?? { classId: r.class_id, className: r.class_name, count: 0 };
    entry.count++;
    byClass.set(r.class_id, entry);
  }
  const accepted = rows.map((r) => ({ imageId: r.image_id, path: r.path, classId: r.class_id, class: r.class_name, confidence: r.confidence }));
  const result: AcceptResult = { preview: a.preview ?? false, count: rows.length, byClass: [...byClass.values()], accepted, change: null };
  if (a.preview || rows.length === 0) return result;
  // Bulk acceptance is not a person checking each image: its suggestions go before the labels, so
  // the "suggestions right lately" figure (table suggestion_outcomes) does not count them.
  result.change = writeTransaction(db, () => {
    const drop = db.prepare('DELETE FROM suggestions WHERE image_id = ?');
    for (const r of rows) drop.run(r.image_id);
    return assignLabels(db, a.datasetId, rows.map((r) => ({ imageId: r.image_id, classId: r.class_id })), 'suggestion');
  });
  return result;
}

export function suggestionsStatus(db: Database, datasetId: number, running: boolean): SuggestionsStatus {
  const dataset = getDataset(db, datasetId);
  const row = db.prepare('SELECT summary, last_history_id, refreshed_at FROM suggestion_refreshes WHERE dataset_id = ?').get(datasetId) as
    | { summary: string; last_history_id: number; refreshed_at: string }
    | undefined;
  // From the history (its index on source) to the images, not the other way: the images are the many.
  const since = (
    db
      .prepare(
        `SELECT COUNT(*) AS n FROM label_history h CROSS JOIN images i ON i.id = h.image_id
         WHERE i.dataset_id = ? AND h.id > ? AND h.source IN ('user', 'suggestion', 'undo', 'redo', 'merge', 'delete')`,
      )
      .get(datasetId, row?.last_history_id ?? 0) as { n: number }
  ).n;
  return {
    datasetId,
    running,
    last: row ? { ...(JSON.parse(row.summary) as SuggestionsSummary), refreshedAt: row.refreshed_at } : null,
    labelsSinceRefresh: since,
    labelled: dataset.images - dataset.unlabelled,
    unlabelled: dataset.unlabelled,
  };
}
