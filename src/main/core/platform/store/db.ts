// Opens a workspace database: WAL, foreign keys, a busy timeout, migrations applied.
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { FacetError } from '../../../../shared/errors.js';
import { migrate } from './migrations/index.js';
import { reasonInWords } from '../../../../shared/user-words.js';

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
    throw cannotOpen(file, error);
  }
  try {
    if (!options.readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    if (!options.readonly) migrate(db);
  } catch (error) {
    db.close();
    const mapped = asStoreError(db, error);
    throw mapped instanceof FacetError ? mapped : cannotOpen(file, error);
  }
  return db;
}

/** Runs fn in an IMMEDIATE transaction: the write lock is taken up front, so no write is lost to a race. */
export function writeTransaction<T>(db: Database, fn: () => T): T {
  try {
    return db.transaction(fn).immediate();
  } catch (error) {
    throw asStoreError(db, error);
  }
}

function sqliteCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** SQLite's "database is locked": another connection held the write lock past our busy timeout. */
export function isBusyError(error: unknown): boolean {
  const code = sqliteCode(error);
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/**
 * The one place SQLite's failures to write become messages a user can act on: BUSY (another process
 * kept the lock past the busy timeout) is FacetError 'busy'; a read-only or full disk is 'workspace' /
 * 'io'. In each case the transaction was rolled back: nothing half-written, and a retry is safe. Any
 * other error passes through unchanged.
 */
export function asStoreError(db: Database, error: unknown): unknown {
  const code = sqliteCode(error);
  const file = db.name;
  const dir = path.dirname(file);
  if (isBusyError(error)) {
    let waited = '';
    try {
      if (db.open) waited = ` for ${Math.round(Number(db.pragma('busy_timeout', { simple: true })) / 100) / 10} s`;
    } catch {
      // the connection is unusable: say less
    }
    return new FacetError('busy', `The workspace ${dir} is busy: another Facet process kept its database locked${waited}, so this change was not saved.`, {
      file,
      hint: 'Wait for the other window, server or command (an import or a training run) to finish its write, then try again.',
    });
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new FacetError('workspace', `The workspace ${dir} is read-only, so this change was not saved.`, { file, hint: writableHint(dir) });
  }
  if (code === 'SQLITE_FULL') {
    return new FacetError('io', `The disk holding the workspace ${dir} is full, so this change was not saved.`, { file, hint: 'Free some disk space, then try again.' });
  }
  return error;
}

function cannotOpen(file: string, error: unknown): FacetError {
  return new FacetError('workspace', `Cannot open the workspace database: ${reasonInWords(error)}.`, { file, hint: writableHint(path.dirname(file)) });
}

/** Why the workspace folder cannot be written, in the user's terms. */
function writableHint(dir: string): string {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EROFS') return `The workspace folder ${dir} is on a read-only disk: pass --workspace with a writable folder, or set FACET_WORKSPACE.`;
    if (code === 'EACCES' || code === 'EPERM') return `You may not write to the workspace folder ${dir}: fix its permissions, or pass --workspace with a folder you own.`;
  }
  return 'Check that the workspace folder exists and is writable, or pass another --workspace.';
}

export function nowIso(): string {
  return new Date().toISOString();
}
