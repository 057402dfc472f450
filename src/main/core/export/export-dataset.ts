// `facet export-dataset`: a dataset (its current labels, or a run's snapshot) as class folders per
// split — train/CLASS/…, val/…, test/… — plus manifest.csv, the layout Keras'
// image_dataset_from_directory and PyTorch's ImageFolder read, and `facet import` reads back.
import fs from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { SPLITS, type SplitCounts, type SplitName } from '../../../shared/domain.js';
import { FacetError } from '../../../shared/errors.js';
import type { DatasetExportResult } from '../../../shared/export.js';
import type { Database } from '../platform/store/db.js';
import { getDataset } from '../datasets/queries.js';
import { loadSnapshot } from '../training/snapshots.js';
import { csvLines } from './csv.js';
import { writeFileAtomic } from '../platform/files/atomic.js';
import { prepareOutputFolder, resolveUserPath, withTimeLimit, type UserPathContext } from '../platform/files/user-path.js';
import { reasonInWords } from '../../../shared/user-words.js';

export interface ExportDatasetOptions {
  datasetId: number;
  /** Export what this snapshot recorded instead of the current labels and splits. */
  snapshotId?: number;
  out: string;
  /** Hard-link the files instead of copying them, where the file system allows it. */
  link?: boolean;
  /** Write into a folder that is not empty (files with the same names are replaced). */
  force?: boolean;
}

interface Entry {
  source: string;
  label: string;
  split: SplitName;
  hash: string;
}

export const MANIFEST = 'manifest.csv';
const LINK_FALLBACK_CODES = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'EACCES', 'ENOSYS']);

function currentEntries(db: Database, datasetId: number, failed: DatasetExportResult['failed']): Entry[] {
  const rows = db
    .prepare(
      `SELECT i.path, i.hash, i.split, c.name FROM images i JOIN classes c ON c.id = i.class_id
       WHERE i.dataset_id = ? AND i.status = 'ok' AND i.excluded = 0 AND c.deleted_at IS NULL ORDER BY i.path`,
    )
    .all(datasetId) as { path: string; hash: string; split: SplitName | null; name: string }[];
  const entries: Entry[] = [];
  for (const r of rows) {
    if (r.split === null) failed.push({ path: r.path, reason: 'labelled but in no split' });
    else entries.push({ source: r.path, label: r.name, split: r.split, hash: r.hash });
  }
  return entries;
}

function snapshotEntries(db: Database, datasetId: number, snapshotId: number, failed: DatasetExportResult['failed']): Entry[] {
  const snapshot = loadSnapshot(db, snapshotId);
  if (snapshot.datasetId !== datasetId) {
    throw new FacetError('invalid-argument', `Snapshot ${snapshotId} belongs to dataset ${snapshot.datasetId}, not ${datasetId}.`, { field: '--snapshot', hint: '`facet runs` shows each run\'s dataset; `facet compare` its snapshot.' });
  }
  const current = new Map(
    (db.prepare(`SELECT path, hash FROM images WHERE dataset_id = ? AND status = 'ok'`).all(datasetId) as { path: string; hash: string }[]).map((r) => [r.path, r.hash]),
  );
  const entries: Entry[] = [];
  for (const it of snapshot.items) {
    const now = current.get(it.path);
    if (now === undefined) failed.push({ path: it.path, reason: 'in the snapshot but no longer in the dataset' });
    else if (now !== it.hash) failed.push({ path: it.path, reason: 'the file changed since the snapshot was taken' });
    else entries.push({ source: it.path, label: snapshot.classes[it.classIndex]!, split: it.split, hash: it.hash });
  }
  return entries;
}

/** Refuses an export folder inside the dataset's own folder (the next rescan would import the copies). */
async function refuseInsideDataset(out: string, root: string): Promise<void> {
  // The dataset folder is gone: each file will be reported missing.
  const realRoot = await withTimeLimit(fs.realpath(root), 'Reading', root).catch(() => root);
  for (const r of new Set([root, realRoot])) {
    const rel = path.relative(r, out);
    if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
      throw new FacetError('invalid-argument', `${out} is inside the dataset folder ${r}.`, { field: '--out', hint: 'Export outside the dataset folder, or the next rescan would import the copies as new images.' });
    }
  }
}

/** train/CLASS/<path below the class folder>, made unique (case-insensitively) when two files would collide. */
function targetFor(entry: Entry, taken: Set<string>): string {
  if (entry.label === '.' || entry.label === '..') {
    throw new FacetError('invalid-argument', `The class name "${entry.label}" cannot be a folder name.`, { field: 'class', hint: 'Rename the class (facet classes DATASET rename OLD NEW).' });
  }
  const parts = entry.source.split('/').filter((p) => p !== '' && p !== '.' && p !== '..');
  const below = parts.length > 1 ? parts.slice(1) : parts;
  const base = [entry.split, entry.label, ...below].join('/');
  const ext = path.posix.extname(base);
  let target = base;
  for (let i = 2; taken.has(target.toLowerCase()); i++) target = `${base.slice(0, base.length - ext.length)}-${i}${ext}`;
  taken.add(target.toLowerCase());
  return target;
}

export async function exportDataset(db: Database, opts: ExportDatasetOptions, paths: UserPathContext = {}): Promise<DatasetExportResult> {
  const dataset = getDataset(db, opts.datasetId);
  await refuseInsideDataset(resolveUserPath(opts.out, '--out', paths), dataset.root);
  const failed: DatasetExportResult['failed'] = [];
  const entries = opts.snapshotId === undefined ? currentEntries(db, dataset.id, failed) : snapshotEntries(db, dataset.id, opts.snapshotId, failed);
  entries.sort((a, b) => SPLITS.indexOf(a.split) - SPLITS.indexOf(b.split) || a.label.localeCompare(b.label) || a.source.localeCompare(b.source));
  const { dir: out } = await prepareOutputFolder(opts.out, '--out', { ctx: paths, force: opts.force, forceFlag: 'add --force' });

  const taken = new Set<string>([MANIFEST.toLowerCase()]);
  const planned = entries.map((e) => ({ ...e, target: targetFor(e, taken) }));
  let linked = 0;
  let copied = 0;
  let linkFallback: string | undefined;
  const written = new Set<string>();
  const limit = pLimit(8);
  await Promise.all(
    planned.map((e) =>
      limit(async () => {
        const src = path.join(dataset.root, e.source);
        const dest = path.join(out, ...e.target.split('/'));
        await fs.mkdir(path.dirname(dest), { recursive: true });
        await fs.rm(dest, { force: true });
        try {
          if (opts.link && linkFallback === undefined) {
            try {
              await fs.link(src, dest);
              linked++;
              written.add(e.target);
              return;
            } catch (error) {
              const code = (error as NodeJS.ErrnoException).code ?? '';
              if (!LINK_FALLBACK_CODES.has(code)) throw error;
              linkFallback = `hard links are not possible here (${code}), so the files were copied`;
            }
          }
          await fs.copyFile(src, dest);
          copied++;
          written.add(e.target);
        } catch (error) {
          // A copy cut short (disk full) must not stay behind as a truncated image.
          await fs.rm(dest, { force: true }).catch(() => undefined);
          const code = (error as NodeJS.ErrnoException).code;
          failed.push({ path: e.source, reason: code === 'ENOENT' ? 'the file is gone: rescan the dataset' : `cannot copy: ${reasonInWords(error)}` });
        }
      }),
    ),
  );

  const exported = planned.filter((e) => written.has(e.target));
  const manifest = path.join(out, MANIFEST);
  await writeFileAtomic(manifest, csvLines(['path', 'label', 'split', 'hash', 'source'], exported.map((e) => [e.target, e.label, e.split, e.hash, e.source])));

  const splits: SplitCounts = { train: 0, val: 0, test: 0 };
  const byClass = new Map<string, SplitCounts>();
  for (const e of exported) {
    splits[e.split]++;
    const c = byClass.get(e.label) ?? { train: 0, val: 0, test: 0 };
    c[e.split]++;
    byClass.set(e.label, c);
  }
  const result: DatasetExportResult = {
    datasetId: dataset.id,
    snapshotId: opts.snapshotId ?? null,
    out,
    manifest,
    images: exported.length,
    classes: [...byClass.keys()].sort().map((name) => {
      const s = byClass.get(name)!;
      return { name, count: s.train + s.val + s.test, splits: s };
    }),
    splits,
    linked,
    copied,
    failed: failed.sort((a, b) => a.path.localeCompare(b.path)),
  };
  if (linkFallback !== undefined) result.linkFallback = linkFallback;
  return result;
}
