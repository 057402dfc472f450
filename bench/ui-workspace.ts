// The benches' labeller workspace (bench/ui.ts, bench/ui-trace.ts): a few hundred real images imported,
// cloned as rows up to any count, and a clustered map with half the images unlabelled and suggested.
import path from 'node:path';
import { Core } from '../src/main/core/index.js';
import { generateDemo } from '../src/main/core/demo/generate.js';
import { Workspace } from '../src/main/core/platform/workspace.js';

const DISTINCT = 300;
/** The map's clusters: bench/ui.ts lassoes the first. */
export const CLUSTERS = 20;

/**
 * A map as map/compute would store it: CLUSTERS tight clusters on a grid, the first half of them
 * unlabelled with a suggestion (so the lasso labels images that had none), the rest labelled.
 */
export function insertMap(core: Core, datasetId: number): void {
  const db = core.workspace.db;
  const ids = (db.prepare(`SELECT id FROM images WHERE dataset_id = ? AND status = 'ok' ORDER BY id`).all(datasetId) as { id: number }[]).map((r) => r.id);
  const classes = (db.prepare('SELECT id FROM classes WHERE dataset_id = ? ORDER BY id').all(datasetId) as { id: number }[]).map((r) => r.id);
  const perCluster = Math.floor(ids.length / CLUSTERS);
  let seed = 7;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const gauss = () => Math.max(-2.5, Math.min(2.5, Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random())));
  const now = new Date().toISOString();
  db.transaction(() => {
    db.prepare('INSERT OR REPLACE INTO maps (dataset_id, backbone, pca_dimensions, computed_at) VALUES (?, ?, ?, ?)').run(datasetId, 'mobilenet', 50, now);
    const point = db.prepare('INSERT INTO map_points (image_id, dataset_id, x, y) VALUES (?, ?, ?, ?)');
    const unlabel = db.prepare('UPDATE images SET class_id = NULL, split = NULL WHERE id = ?');
    const suggest = db.prepare('INSERT OR REPLACE INTO suggestions (image_id, dataset_id, class_id, confidence) VALUES (?, ?, ?, ?)');
    ids.forEach((id, i) => {
      const c = Math.min(CLUSTERS - 1, Math.floor(i / perCluster));
      const cx = (c % 5) * 0.2 + 0.1;
      const cy = Math.floor(c / 5) * 0.25 + 0.12;
      point.run(id, datasetId, cx + gauss() * 0.018, cy + gauss() * 0.018);
      if (c < CLUSTERS / 2) {
        unlabel.run(id);
        suggest.run(id, datasetId, classes[c % classes.length]!, 0.5 + random() * 0.5);
      }
    });
  })();
}

/** 300 real images imported, then cloned as rows sharing their thumbnails up to `total`. */
export async function buildWorkspace(dir: string, total: number): Promise<{ core: Core; datasetId: number }> {
  const data = path.join(dir, 'faces');
  await generateDemo({ out: data, count: DISTINCT, size: 64 });
  const core = new Core(Workspace.open(path.join(dir, 'workspace')));
  const summary = await core.call('datasets/import', { folder: data });
  const db = core.workspace.db;
  const copies = total - summary.imported;
  const now = new Date().toISOString();
  const insert = db.prepare(
    `INSERT INTO images (dataset_id, path, folder_class, class_id, split, status, hash, size, mtime_ms, width, height, format, group_key, created_at, updated_at)
     SELECT dataset_id, ?, folder_class, class_id, split, status, hash, size, mtime_ms, width, height, format, group_key, ?, ? FROM images WHERE id = ?`,
  );
  const rows = db.prepare(`SELECT id, path FROM images WHERE dataset_id = ? AND status = 'ok' ORDER BY id`).all(summary.datasetId) as { id: number; path: string }[];
  db.transaction(() => {
    for (let i = 0; i < copies; i++) {
      const src = rows[i % rows.length]!;
      const dot = src.path.lastIndexOf('.');
      insert.run(`${src.path.slice(0, dot)}_copy${String(i).padStart(5, '0')}${src.path.slice(dot)}`, now, now, src.id);
    }
  })();
  return { core, datasetId: summary.datasetId };
}
