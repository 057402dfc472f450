// A checksum of every row of every table: equal before and after means the database did not change.
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';

export function tableChecksum(db: Database): string {
  const hash = createHash('sha256');
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
  for (const { name } of tables) {
    hash.update(`\0table ${name}\0`);
    const quoted = `"${name.replaceAll('"', '""')}"`;
    for (const row of db.prepare(`SELECT * FROM ${quoted}`).raw().iterate()) {
      hash.update(JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : Buffer.isBuffer(v) ? v.toString('base64') : v)));
    }
  }
  return hash.digest('hex');
}
