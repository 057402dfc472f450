// Opens a workspace database: WAL, foreign keys, a busy timeout, migrations applied.
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { FacetError } from '../../../shared/errors.js';
import { migrate } from './migrations/index.js';

export type { Database };

export interface OpenOptions {
  /** How long a write waits for another process's write lock before failing (ms). */
  busyTimeoutMs?: number;
  readonly?: boolean;
}

export function openDatabase(file: string, options: OpenOptions = {}): Database {
  let db: Database;
  try {
    db = new BetterSqlite3(file, { readonly: options.readonly ?? false, timeout: options.busyTimeoutMs ?? 10_000 });
  } catch (error) {
    throw new FacetError('workspace', `Cannot open the workspace database: ${(error as Error).message}`, {
      file,
      hint: 'Check that the workspace folder exists and is writable, or pass another --workspace.',
    });
  }
  if (!options.readonly) db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  if (!options.readonly) migrate(db);
  return db;
}

/** Runs fn in an IMMEDIATE transaction: the write lock is taken up front, so no write is lost to a race. */
export function writeTransaction<T>(db: Database, fn: () => T): T {
  return db.transaction(fn).immediate();
}

export function nowIso(): string {
  return new Date().toISOString();
}
