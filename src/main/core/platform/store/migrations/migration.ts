// The shape of one schema migration. Its own file so a migration imports it without importing the
// list that imports every migration (an import cycle).
import type { Database } from 'better-sqlite3';

export interface Migration {
  /** Date-prefixed and unique; the order of the list in index.ts is the order of application. */
  id: string;
  up: string | ((db: Database) => void);
}
