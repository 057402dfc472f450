import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, writeTransaction, type Database } from '../../../../../src/main/core/platform/store/db.js';
import { migrate, migrations, schemaVersion } from '../../../../../src/main/core/platform/store/migrations/index.js';
import { tempDir } from '../../datasets/helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
const open: Database[] = [];
function openDb(options?: Parameters<typeof openDatabase>[1]): Database {
  const db = openDatabase(path.join(dir, 'facet.db'), options);
  open.push(db);
  return db;
}

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('facet-store-'));
});
afterEach(async () => {
  for (const db of open.splice(0)) if (db.open) db.close();
  await cleanup();
});

function seedImage(db: Database): number {
  const now = new Date().toISOString();
  const datasetId = Number(
    db
      .prepare(`INSERT INTO datasets (name, root, split_train, split_val, split_test, seed, created_at) VALUES ('d', '/x', 0.8, 0.1, 0.1, 42, ?)`)
      .run(now).lastInsertRowid,
  );
  const classId = Number(db.prepare(`INSERT INTO classes (dataset_id, name, created_at) VALUES (?, 'a', ?)`).run(datasetId, now).lastInsertRowid);
  const imageId = Number(
    db
      .prepare(`INSERT INTO images (dataset_id, path, class_id, status, created_at, updated_at) VALUES (?, 'a/1.png', ?, 'ok', ?, ?)`)
      .run(datasetId, classId, now, now).lastInsertRowid,
  );
  db.prepare(`INSERT INTO label_history (image_id, from_class_id, to_class_id, source, created_at) VALUES (?, NULL, ?, 'import', ?)`).run(imageId, classId, now);
  return imageId;
}

describe('workspace database', () => {
  it('opens in WAL mode with foreign keys on', () => {
    const db = openDb();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(() =>
      db.prepare(`INSERT INTO classes (dataset_id, name, created_at) VALUES (999, 'orphan', 'now')`).run(),
    ).toThrow(/FOREIGN KEY/);
  });

  it('records every migration once and re-running them is a no-op', () => {
    const db = openDb();
    const rows = db.prepare('SELECT id, applied_at FROM schema_migrations ORDER BY id').all() as { id: string; applied_at: string }[];
    expect(rows.map((r) => r.id)).toEqual(migrations.map((m) => m.id));
    expect(schemaVersion(db)).toBe(migrations[migrations.length - 1]!.id);
    expect(migrate(db)).toEqual([]);
    db.close();
    const again = openDb();
    expect(again.prepare('SELECT id, applied_at FROM schema_migrations ORDER BY id').all()).toEqual(rows);
  });

  it('applies a new migration in order, in its own transaction, and rolls back a failing one', () => {
    const db = openDb();
    const extra = [...migrations, { id: '2999-01-01-extra', up: 'CREATE TABLE extra (x INTEGER)' }];
    expect(migrate(db, extra)).toEqual(['2999-01-01-extra']);
    expect(schemaVersion(db)).toBe('2999-01-01-extra');
    const broken = [...extra, { id: '2999-01-02-broken', up: 'CREATE TABLE half (x INTEGER); CREATE TABLE nonsense (' }];
    expect(() => migrate(db, broken)).toThrow();
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'half'`).get()).toBeUndefined();
    expect(schemaVersion(db)).toBe('2999-01-01-extra');
  });

  it('refuses UPDATE and DELETE on label_history (append-only)', () => {
    const db = openDb();
    const imageId = seedImage(db);
    expect(() => db.prepare(`UPDATE label_history SET source = 'user' WHERE image_id = ?`).run(imageId)).toThrow(/append-only/);
    expect(() => db.prepare(`DELETE FROM label_history WHERE image_id = ?`).run(imageId)).toThrow(/append-only/);
    expect((db.prepare('SELECT COUNT(*) AS n FROM label_history').get() as { n: number }).n).toBe(1);
  });

  it('lets a second connection write while the first holds the write lock: it waits instead of failing or losing the write', async () => {
    const file = path.join(dir, 'facet.db');
    const db = openDb();
    seedImage(db);
    // A worker thread holds an IMMEDIATE transaction for 300 ms; our write, on another connection with a
    // busy timeout, must wait for it and then land.
    const holder = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const Database = require('better-sqlite3');
       const db = new Database(workerData.file, { timeout: 5000 });
       db.exec('BEGIN IMMEDIATE');
       db.prepare("INSERT INTO edits (dataset_id, source, state, created_at) VALUES (1, 'user', 'done', 'holder')").run();
       parentPort.postMessage('locked');
       const until = Date.now() + 300;
       while (Date.now() < until) {}
       db.exec('COMMIT');
       db.close();
       parentPort.postMessage('released');`,
      { eval: true, workerData: { file } },
    );
    const events: string[] = [];
    const released = new Promise<void>((resolve, reject) => {
      holder.on('message', (m: string) => {
        events.push(m);
        if (m === 'released') resolve();
      });
      holder.on('error', reject);
    });
    await new Promise<void>((resolve) => holder.once('message', () => resolve()));
    const second = openDb({ busyTimeoutMs: 5000 });
    const started = Date.now();
    writeTransaction(second, () => {
      second.prepare("INSERT INTO edits (dataset_id, source, state, created_at) VALUES (1, 'user', 'done', 'waiter')").run();
    });
    const waited = Date.now() - started;
    await released;
    await holder.terminate();
    expect(waited).toBeGreaterThanOrEqual(150);
    const rows = db.prepare('SELECT created_at FROM edits ORDER BY id').all() as { created_at: string }[];
    expect(rows.map((r) => r.created_at)).toEqual(['holder', 'waiter']);
  });

  it('fails with a clear error, not a hang, when the lock outlasts the busy timeout', () => {
    const db = openDb();
    seedImage(db);
    const other = openDb({ busyTimeoutMs: 50 });
    db.exec('BEGIN IMMEDIATE');
    try {
      expect(() => writeTransaction(other, () => other.prepare("INSERT INTO edits (dataset_id, source, state, created_at) VALUES (1, 'user', 'done', 'x')").run())).toThrow(/locked|busy/i);
    } finally {
      db.exec('ROLLBACK');
    }
  });
});
