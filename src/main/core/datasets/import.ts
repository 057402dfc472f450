// Import and rescan of a class-folder data set into the workspace. A rescan picks up added, removed
// and changed files and never touches labels or splits made in the studio: a known path keeps its
// label and split; only new images take their folder's class and a split where one is short.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DuplicateGroup, ImportProgress, ImportSummary, SkippedFile, SplitFractions } from '../../../shared/domain.js';
import { FACE_GROUP_PREFIX } from '../../../shared/faces.js';
import type { ParsedArgs } from '../../../shared/contract.js';
import { FacetError } from '../../../shared/errors.js';
import { DEFAULT_SEED, DEFAULT_SPLIT, formatSplit, percentToFractions } from '../../../shared/splits.js';
import { CHECKER, checkPattern, requireSafeGroupBy, requireSafeStoredGroupBy } from './group-by-check.js';
import { requireInputFolder, type UserPathContext } from '../platform/files/user-path.js';
import { nowIso, writeTransaction, type Database } from '../platform/store/db.js';
import type { Workspace } from '../platform/workspace.js';
import type { ProbeResult } from './probe.js';
import { inProcessProber, type ImageProber } from './image-prober.js';
import { getDataset, listClasses } from './queries.js';
import { groupKeyOf, scanFolder, type ScannedFile } from './scan.js';
import { assignSplits, drawHoldout, type SplitCandidate } from './splits.js';
import { reasonInWords } from '../../../shared/user-words.js';

export type ProgressListener = (progress: ImportProgress) => void;

interface ExistingRow {
  id: number;
  path: string;
  status: 'ok' | 'unreadable' | 'missing';
  size: number | null;
  mtime_ms: number | null;
  class_id: number | null;
  hash: string | null;
}

/** Files are probed in parallel; sharp also uses libvips threads per image, so a few more than the cores. */
export const IMPORT_CONCURRENCY = Math.max(2, Math.min(8, os.availableParallelism() * 2));
/** Rows written per transaction: big enough to be fast, small enough that a kill loses little. */
const WRITE_CHUNK = 256;

export async function importFolder(
  ws: Workspace,
  args: ParsedArgs<'datasets/import'>,
  onProgress?: ProgressListener,
  paths: UserPathContext = {},
  probe: ImageProber = inProcessProber(ws),
): Promise<ImportSummary> {
  const root = await requireInputFolder(args.folder, 'folder', paths);
  await requireSafeGroupBy(args.groupBy);
  const db = ws.db;
  const existing = db.prepare('SELECT id, split_train, split_val, split_test, seed, group_by, unlabelled FROM datasets WHERE root = ?').get(root) as
    | { id: number; split_train: number; split_val: number; split_test: number; seed: number; group_by: string | null; unlabelled: number }
    | undefined;
  if (existing) {
    // Splits are persisted: a re-import is a rescan, and may not silently change how splits were drawn.
    const wanted = args.split ? percentToFractions(args.split) : undefined;
    const stored: SplitFractions = { train: existing.split_train, val: existing.split_val, test: existing.split_test };
    // The one change allowed: a stored group-by pattern refused now (saved before the check existed)
    // is replaced by the new one, already proven safe above.
    const replacesRefused = args.groupBy !== undefined && args.groupBy !== existing.group_by && (await storedPatternRefused(existing.group_by));
    if (
      (wanted && formatSplit(wanted) !== formatSplit(stored)) ||
      (args.seed !== undefined && args.seed !== existing.seed) ||
      (args.groupBy !== undefined && args.groupBy !== existing.group_by && !replacesRefused) ||
      (args.unlabelled && existing.unlabelled === 0)
    ) {
      throw new FacetError('conflict', `This folder is already imported as dataset ${existing.id} with split ${formatSplit(stored)}, seed ${existing.seed}${existing.group_by ? `, group-by ${existing.group_by}` : ''}.`, {
        file: root,
        hint: 'Run `facet import` without split options to rescan it; its splits are kept so earlier runs stay comparable.',
      });
    }
    if (replacesRefused) replaceGroupBy(db, existing.id, args.groupBy!);
    return rescanDataset(ws, existing.id, onProgress, 'rescan', probe);
  }
  const fractions = args.split ? percentToFractions(args.split) : DEFAULT_SPLIT;
  const datasetId = Number(
    db
      .prepare(
        `INSERT INTO datasets (name, root, split_train, split_val, split_test, seed, group_by, group_by_checked, unlabelled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(args.name ?? path.basename(root), root, fractions.train, fractions.val, fractions.test, args.seed ?? DEFAULT_SEED, args.groupBy ?? null, args.groupBy === undefined ? null : CHECKER, args.unlabelled ? 1 : 0, nowIso())
      .lastInsertRowid,
  );
  return rescanDataset(ws, datasetId, onProgress, 'import', probe);
}

export async function rescanDataset(
  ws: Workspace,
  datasetId: number,
  onProgress?: ProgressListener,
  source: 'import' | 'rescan' = 'rescan',
  probe: ImageProber = inProcessProber(ws),
): Promise<ImportSummary> {
  const started = performance.now();
  const db = ws.db;
  const dataset = getDataset(db, datasetId);
  await requireSafeStoredPattern(db, dataset);
  const emit = throttle(onProgress);
  emit({ datasetId, phase: 'scanning', done: 0, total: 0 }, true);

  const unlabelledOnly = (db.prepare('SELECT unlabelled FROM datasets WHERE id = ?').get(datasetId) as { unlabelled: number }).unlabelled === 1;
  let scan;
  try {
    scan = await scanFolder(dataset.root, { unlabelled: unlabelledOnly });
  } catch (error) {
    throw new FacetError('io', `Cannot read the dataset folder: ${reasonInWords(error)}.`, {
      file: dataset.root,
      hint: 'Check that the folder still exists and is readable.',
    });
  }

  const existing = new Map<string, ExistingRow>();
  for (const row of db.prepare('SELECT id, path, status, size, mtime_ms, class_id, hash FROM images WHERE dataset_id = ?').iterate(datasetId) as IterableIterator<ExistingRow>) {
    existing.set(row.path, row);
  }
  // Folders that bring no file the dataset does not know yet (empty ones included).
  const withNewFiles = new Set(scan.files.filter((f) => !existing.has(f.path)).map((f) => f.classFolder));
  const classIdByFolder = ensureClasses(db, datasetId, scan.classFolders, scan.classFolders.filter((f) => !withNewFiles.has(f)));

  // Unchanged files (same size and modification time, already read) need no work at all, unless
  // their thumbnail went missing from the cache: those are read again to restore it.
  const toProbe: ScannedFile[] = [];
  const counts = { added: 0, changed: 0, removed: 0, unchanged: 0, thumbnailsRestored: 0 };
  for (const file of scan.files) {
    const row = existing.get(file.path);
    const same = row && row.status === 'ok' && row.size === file.size && row.mtime_ms === file.mtimeMs;
    if (same && row.hash !== null && existsSync(ws.thumbnailPath(row.hash))) counts.unchanged++;
    else toProbe.push(file);
  }

  const total = toProbe.length;
  let done = 0;
  emit({ datasetId, phase: 'reading', done, total }, true);
  let pending: { file: ScannedFile; result: ProbeResult }[] = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    writeTransaction(db, () => saveProbed(db, datasetId, dataset.groupBy, batch, existing, classIdByFolder, source, counts));
  };
  // A bad image is a SkippedFile, never an exception; what does throw (the workspace cache or the
  // database failing, the decoder process dying) fails the import; what was saved so far stays.
  await probe(toProbe, (index, result) => {
    const file = toProbe[index]!;
    pending.push({ file, result });
    done++;
    if (pending.length >= WRITE_CHUNK) flush();
    emit({ datasetId, phase: 'reading', done, total, path: file.path });
  }, IMPORT_CONCURRENCY);

  emit({ datasetId, phase: 'saving', done, total }, true);
  writeTransaction(db, () => {
    if (pending.length) flush();
    saveScanSkips(db, datasetId, scan.skipped, existing);
    const seen = new Set(scan.files.map((f) => f.path));
    for (const s of scan.skipped) seen.add(s.path);
    const markMissing = db.prepare(`UPDATE images SET status = 'missing', updated_at = ? WHERE id = ?`);
    const dropSkip = db.prepare('DELETE FROM images WHERE id = ?');
    const now = nowIso();
    for (const row of existing.values()) {
      if (seen.has(row.path)) continue;
      // Labelled images keep their row (label, split, history) in case the file comes back, also
      // when the file had turned unreadable before it went: deleting the row would drop its history.
      if (row.status === 'ok' || (row.status === 'unreadable' && row.class_id !== null)) {
        markMissing.run(now, row.id);
        counts.removed++;
      } else if (row.status === 'unreadable') dropSkip.run(row.id);
    }
    assignNewSplits(db, datasetId, dataset.split, dataset.seed);
    drawHoldouts(db, datasetId, dataset.split, dataset.seed);
    db.prepare('UPDATE datasets SET last_scan_at = ? WHERE id = ?').run(nowIso(), datasetId);
  });
  emit({ datasetId, phase: 'done', done, total }, true);

  return summarize(db, datasetId, {
    ...counts,
    emptyClasses: scan.emptyClasses,
    seconds: (performance.now() - started) / 1000,
  });
}

/**
 * The stored group-by pattern runs on every file a rescan reads: checked first, unless this checker
 * already proved it (the check takes seconds: its worker loads the checker).
 */
async function requireSafeStoredPattern(db: Database, dataset: { id: number; name: string; root: string; groupBy: string | null }): Promise<void> {
  const { checked } = db.prepare('SELECT group_by_checked AS checked FROM datasets WHERE id = ?').get(dataset.id) as { checked: string | null };
  if (dataset.groupBy === null || checked === CHECKER) return;
  await requireSafeStoredGroupBy(dataset);
  db.prepare('UPDATE datasets SET group_by_checked = ? WHERE id = ?').run(CHECKER, dataset.id);
}

async function storedPatternRefused(groupBy: string | null): Promise<boolean> {
  return groupBy !== null && groupBy !== 'subfolder' && !(await checkPattern(groupBy)).safe;
}

/**
 * A new group-by pattern for a dataset whose stored one is refused: every image's key is made again
 * with it (identity-group keys, written by face grouping, stay). Labels and splits stay as they are.
 */
function replaceGroupBy(db: Database, datasetId: number, groupBy: string): void {
  writeTransaction(db, () => {
    db.prepare('UPDATE datasets SET group_by = ?, group_by_checked = ? WHERE id = ?').run(groupBy, CHECKER, datasetId);
    const update = db.prepare('UPDATE images SET group_key = ? WHERE id = ?');
    const rows = db.prepare('SELECT id, path, group_key AS groupKey FROM images WHERE dataset_id = ?').all(datasetId) as { id: number; path: string; groupKey: string | null }[];
    for (const row of rows) if (!row.groupKey?.startsWith(FACE_GROUP_PREFIX)) update.run(groupKeyOf(row.path, groupBy), row.id);
  });
}

/**
 * Folder → class id; a folder seen for the first time becomes a class of the same name (or joins one).
 * A folder whose class was deleted in the studio stays without a class while it brings no new file
 * (it is empty, or its images were left unlabelled), so a rescan does not bring the deleted class
 * back; once new images arrive in it, it becomes a class again.
 */
function ensureClasses(db: Database, datasetId: number, folders: string[], quietFolders: string[]): Map<string, number> {
  const empty = new Set(quietFolders);
  return writeTransaction(db, () => {
    const map = new Map<string, number>();
    const byFolder = db.prepare(
      'SELECT f.class_id, c.deleted_at FROM class_folders f JOIN classes c ON c.id = f.class_id WHERE f.dataset_id = ? AND f.folder = ?',
    );
    const byName = db.prepare('SELECT id FROM classes WHERE dataset_id = ? AND name = ? AND deleted_at IS NULL');
    const insertClass = db.prepare('INSERT INTO classes (dataset_id, name, created_at) VALUES (?, ?, ?)');
    const upsertFolder = db.prepare(
      'INSERT INTO class_folders (dataset_id, folder, class_id) VALUES (?, ?, ?) ON CONFLICT (dataset_id, folder) DO UPDATE SET class_id = excluded.class_id',
    );
    for (const folder of folders) {
      const mapped = byFolder.get(datasetId, folder) as { class_id: number; deleted_at: string | null } | undefined;
      if (mapped && mapped.deleted_at === null) {
        map.set(folder, mapped.class_id);
        continue;
      }
      if (mapped && empty.has(folder)) continue;
      const named = byName.get(datasetId, folder) as { id: number } | undefined;
      const classId = named ? named.id : Number(insertClass.run(datasetId, folder, nowIso()).lastInsertRowid);
      upsertFolder.run(datasetId, folder, classId);
      map.set(folder, classId);
    }
    return map;
  });
}

function saveProbed(
  db: Database,
  datasetId: number,
  groupBy: string | null,
  batch: { file: ScannedFile; result: ProbeResult }[],
  existing: Map<string, ExistingRow>,
  classIdByFolder: Map<string, number>,
  source: 'import' | 'rescan',
  counts: { added: number; changed: number; unchanged: number; thumbnailsRestored: number },
): void {
  const now = nowIso();
  const insert = db.prepare(
    `INSERT INTO images (dataset_id, path, folder_class, class_id, status, skip_code, skip_reason, hash, size, mtime_ms, width, height, format, group_key, created_at, updated_at)
     VALUES (@datasetId, @path, @folder, @classId, @status, @skipCode, @skipReason, @hash, @size, @mtime, @width, @height, @format, @groupKey, @now, @now)`,
  );
  const update = db.prepare(
    `UPDATE images SET status = @status, skip_code = @skipCode, skip_reason = @skipReason, hash = @hash, size = @size, mtime_ms = @mtime,
       width = @width, height = @height, format = @format, group_key = @groupKey, updated_at = @now, class_id = COALESCE(class_id, @classId)
     WHERE id = @id`,
  );
  const history = db.prepare(
    `INSERT INTO label_history (image_id, from_class_id, to_class_id, source, edit_id, created_at) VALUES (?, NULL, ?, ?, NULL, ?)`,
  );
  for (const { file, result } of batch) {
    const classId = file.classFolder === null ? null : (classIdByFolder.get(file.classFolder) ?? null);
    const row = existing.get(file.path);
    const values = {
      datasetId,
      path: file.path,
      folder: file.classFolder,
      classId,
      status: result.ok ? 'ok' : 'unreadable',
      skipCode: result.ok ? null : result.skip.code,
      skipReason: result.ok ? null : result.skip.reason,
      hash: result.ok ? result.image.hash : null,
      size: file.size,
      mtime: result.ok ? file.mtimeMs : null,
      width: result.ok ? result.image.width : null,
      height: result.ok ? result.image.height : null,
      format: result.ok ? result.image.format : null,
      groupKey: groupKeyOf(file.path, groupBy),
      now,
    };
    if (!row) {
      const id = Number(insert.run(values).lastInsertRowid);
      if (result.ok) {
        counts.added++;
        if (classId !== null) history.run(id, classId, source, now);
      }
      continue;
    }
    update.run({ ...values, id: row.id });
    if (!result.ok) continue;
    if (row.status === 'ok' && row.hash === result.image.hash && row.size === file.size) {
      counts.unchanged++; // read again only because its thumbnail had gone from the cache
      counts.thumbnailsRestored++;
    } else if (row.status === 'ok') counts.changed++;
    else counts.added++; // back from missing, or readable now
    if (row.class_id === null && classId !== null) history.run(row.id, classId, source, now);
  }
}

/** Files skipped by the scan itself (hidden, outside class folders, loops…) are recorded too. */
function saveScanSkips(db: Database, datasetId: number, skipped: SkippedFile[], existing: Map<string, ExistingRow>): void {
  const now = nowIso();
  const upsert = db.prepare(
    `INSERT INTO images (dataset_id, path, folder_class, status, skip_code, skip_reason, created_at, updated_at)
     VALUES (?, ?, ?, 'unreadable', ?, ?, ?, ?)
     ON CONFLICT (dataset_id, path) DO UPDATE SET status = 'unreadable', skip_code = excluded.skip_code, skip_reason = excluded.skip_reason, updated_at = excluded.updated_at`,
  );
  for (const s of skipped) {
    const row = existing.get(s.path);
    if (row?.status === 'ok') {
      // A labelled image that can no longer be read: keep its label, report why.
      db.prepare(`UPDATE images SET status = 'unreadable', skip_code = ?, skip_reason = ?, updated_at = ? WHERE id = ?`).run(s.code, s.reason, now, row.id);
      continue;
    }
    const folder = s.path.includes('/') ? s.path.split('/')[0]! : null;
    upsert.run(datasetId, s.path, folder, s.code, s.reason, now, now);
  }
}

function assignNewSplits(db: Database, datasetId: number, fractions: SplitFractions, seed: number): void {
  const rows = db
    .prepare(`SELECT id, path, class_id AS classId, group_key AS groupKey, split FROM images WHERE dataset_id = ? AND status = 'ok' AND class_id IS NOT NULL`)
    .all(datasetId) as SplitCandidate[];
  if (!rows.some((r) => r.split === null)) return;
  const assigned = assignSplits(rows, fractions, seed);
  const update = db.prepare('UPDATE images SET split = ? WHERE id = ?');
  for (const [id, split] of assigned) update.run(split, id);
}

/** Unlabelled images get their held-out draw (the split their first label will give them) on arrival. */
function drawHoldouts(db: Database, datasetId: number, fractions: SplitFractions, seed: number): void {
  const rows = db
    .prepare(`SELECT id, path FROM images WHERE dataset_id = ? AND status = 'ok' AND class_id IS NULL AND split IS NULL AND holdout IS NULL`)
    .all(datasetId) as { id: number; path: string }[];
  const update = db.prepare('UPDATE images SET holdout = ? WHERE id = ?');
  for (const r of rows) update.run(drawHoldout(seed, r.path, fractions), r.id);
}

export function summarize(
  db: Database,
  datasetId: number,
  extra: { added: number; changed: number; removed: number; unchanged: number; thumbnailsRestored: number; emptyClasses: string[]; seconds: number },
): ImportSummary {
  const dataset = getDataset(db, datasetId);
  const classes = listClasses(db, datasetId);
  const splits = { train: 0, val: 0, test: 0 };
  for (const c of classes) for (const s of ['train', 'val', 'test'] as const) splits[s] += c.splits[s];
  const skipped = db
    .prepare(`SELECT path, skip_code AS code, skip_reason AS reason FROM images WHERE dataset_id = ? AND status = 'unreadable' ORDER BY path`)
    .all(datasetId) as SkippedFile[];
  const dupRows = db
    .prepare(
      `SELECT i.hash, i.path, c.name AS class FROM images i LEFT JOIN classes c ON c.id = i.class_id
       WHERE i.dataset_id = ? AND i.status = 'ok' AND i.hash IN (
         SELECT hash FROM images WHERE dataset_id = ? AND status = 'ok' GROUP BY hash HAVING COUNT(*) > 1)
       ORDER BY i.hash, i.path`,
    )
    .all(datasetId, datasetId) as { hash: string; path: string; class: string | null }[];
  const duplicates = new Map<string, DuplicateGroup>();
  for (const r of dupRows) {
    const group = duplicates.get(r.hash) ?? { hash: r.hash, paths: [], classes: [] };
    group.paths.push(r.path);
    if (r.class !== null && !group.classes.includes(r.class)) group.classes.push(r.class);
    duplicates.set(r.hash, group);
  }
  const groups = dataset.groupBy
    ? (db.prepare(`SELECT COUNT(DISTINCT group_key) AS n FROM images WHERE dataset_id = ? AND status = 'ok' AND group_key IS NOT NULL`).get(datasetId) as { n: number }).n
    : null;
  return {
    datasetId,
    name: dataset.name,
    root: dataset.root,
    imported: dataset.images,
    unlabelled: dataset.unlabelled,
    added: extra.added,
    changed: extra.changed,
    removed: extra.removed,
    unchanged: extra.unchanged,
    thumbnailsRestored: extra.thumbnailsRestored,
    skipped,
    classes: classes.map((c) => ({ name: c.name, count: c.count })),
    splits,
    duplicates: [...duplicates.values()],
    emptyClasses: extra.emptyClasses,
    groups,
    seconds: Math.round(extra.seconds * 1000) / 1000,
  };
}

/** At most ~10 progress events a second; phase changes always go through. */
function throttle(listener?: ProgressListener): (p: ImportProgress, force?: boolean) => void {
  let last = 0;
  return (p, force = false) => {
    if (!listener) return;
    const now = performance.now();
    if (!force && now - last < 100) return;
    last = now;
    listener(p);
  };
}
