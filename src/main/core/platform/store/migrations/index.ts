// Versioned schema migrations, applied in order, each in its own transaction.
import type { Database } from 'better-sqlite3';
import { initial } from './2026-11-26-initial.js';
import { runs } from './2026-11-26-runs.js';
import { audits } from './2026-11-27-audits.js';
import { faces } from './2026-11-28-faces.js';
import { classEdits } from './2026-11-29-class-edits.js';
import { runOrigin } from './2026-12-06-run-origin.js';
import { health } from './2026-12-06-health.js';
import { healthPairwise } from './2026-12-07-health-pairwise.js';
import type { Migration } from './migration.js';
import { labelling } from './2026-12-06-labelling.js';
import { viewEmbeddings } from './2026-12-07-view-embeddings.js';
import { groupByChecked } from './2026-12-08-group-by-checked.js';
import { imageCounts } from './2026-12-09-image-counts.js';

export type { Migration } from './migration.js';

export const migrations: Migration[] = [initial, runs, audits, faces, classEdits, health, labelling, runOrigin, healthPairwise, viewEmbeddings, groupByChecked, imageCounts];

export function migrate(db: Database, list: Migration[] = migrations): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    (db.prepare('SELECT id FROM schema_migrations').all() as { id: string }[]).map((r) => r.id),
  );
  const ran: string[] = [];
  for (const m of list) {
    if (applied.has(m.id)) continue;
    db.transaction(() => {
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)').run(m.id, new Date().toISOString());
    })();
    ran.push(m.id);
  }
  return ran;
}

export function schemaVersion(db: Database): string {
  const row = db.prepare('SELECT id FROM schema_migrations ORDER BY id DESC LIMIT 1').get() as { id: string } | undefined;
  return row?.id ?? 'none';
}
