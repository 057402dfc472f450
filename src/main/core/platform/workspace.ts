// A workspace: one folder holding facet.db and the caches (thumbnails, decoded image tensors, runs).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FacetError } from '../../../shared/errors.js';
import type { WorkspaceInfo } from '../../../shared/domain.js';
import { resolveUserPath } from './files/user-path.js';
import { openDatabase, type Database } from './store/db.js';
import { schemaVersion } from './store/migrations/index.js';
import { reasonInWords } from '../../../shared/user-words.js';

export const APP_FOLDER_NAME = 'Facet Studio';

/** The OS's per-user data folder for the app: where the workspace lives when none is given. */
export function defaultWorkspaceDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), APP_FOLDER_NAME, 'workspace');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_FOLDER_NAME, 'workspace');
  // The XDG spec says a relative (or empty) XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : path.join(home, '.local', 'share');
  return path.join(xdg, 'facet-studio', 'workspace');
}

/** --workspace DIR, else $FACET_WORKSPACE, else the per-user data folder. */
export function resolveWorkspaceDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  // An empty value (FACET_WORKSPACE= in a shell) means "not set", not "the current folder".
  const dir = explicit || env.FACET_WORKSPACE || defaultWorkspaceDir(env);
  return resolveUserPath(dir, explicit ? '--workspace' : 'FACET_WORKSPACE', { relativeTo: process.cwd() });
}

export class Workspace {
  readonly dir: string;
  readonly db: Database;

  private constructor(dir: string, db: Database) {
    this.dir = dir;
    this.db = db;
  }

  static open(dir: string): Workspace {
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new FacetError('workspace', `Cannot create the workspace folder: ${reasonInWords(error)}.`, {
        file: dir,
        hint: 'Pass --workspace with a folder you can write to, or set FACET_WORKSPACE.',
      });
    }
    const db = openDatabase(path.join(dir, 'facet.db'));
    return new Workspace(dir, db);
  }

  get databasePath(): string {
    return path.join(this.dir, 'facet.db');
  }

  get cacheDir(): string {
    return path.join(this.dir, 'cache');
  }

  /** Thumbnails are named by content hash, so identical files share one and a rescan reuses them. */
  thumbnailPath(hash: string): string {
    return path.join(this.cacheDir, 'thumbs', hash.slice(0, 2), `${hash}.jpg`);
  }

  info(): WorkspaceInfo {
    return { dir: this.dir, database: this.databasePath, cache: this.cacheDir, schemaVersion: schemaVersion(this.db) };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
