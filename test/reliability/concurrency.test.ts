// Two processes on one workspace. The decision: that works, safely. WAL lets readers run beside a
// writer, every write takes the lock up front (BEGIN IMMEDIATE) and waits up to the busy timeout for
// it; past the timeout the call fails with FacetError 'busy', naming the workspace, and nothing is
// half-written. No write is ever silently lost.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FacetError } from '../../src/shared/errors.js';
import { Core } from '../../src/main/core/index.js';
import { Workspace } from '../../src/main/core/platform/workspace.js';
import { tempDir, writeToyDataset } from '../main/core/training/helpers.js';
import { tableChecksum } from './checksum.js';
import { requireBuilt } from '../built.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const dist = path.join(repo, 'dist', 'main', 'core');

let dir: string;
let wsDir: string;
let dbFile: string;
let datasetId: number;
let classIds: number[];
let imageIds: number[];

beforeAll(async () => {
  dir = tempDir('facet-concurrency-');
  await writeToyDataset(path.join(dir, 'data'), 8, 16);
  wsDir = path.join(dir, 'ws');
  const core = new Core(Workspace.open(wsDir));
  const summary = await core.call('datasets/import', { folder: path.join(dir, 'data') });
  datasetId = summary.datasetId;
  classIds = (await core.call('classes/list', { datasetId })).map((c) => c.id);
  imageIds = (await core.call('images/list', { datasetId })).items.map((i) => i.id);
  dbFile = core.workspace.databasePath;
  await core.close();
}, 60_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs an ES module script in a separate node process; resolves with its stdout once it exits 0. */
function nodeScript(source: string, args: string[], onStdout?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', source, '--', ...args], { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      onStdout?.(out, child);
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`script exited ${code}: ${err}`))));
  });
}

/** One "other process": relabels images in a loop through the built core, starting at a given time. */
const LABELLER = `
import { openDatabase } from ${JSON.stringify(path.join(dist, 'platform', 'store', 'db.js'))};
import { setLabels } from ${JSON.stringify(path.join(dist, 'datasets', 'labels.js'))};
const [file, datasetId, contested, own, classA, classB, startAt, rounds] = process.argv.slice(1).map((v, i) => (i === 0 ? v : Number(v)));
const db = openDatabase(file);
while (Date.now() < startAt) {}
let edits = 0;
for (let i = 0; i < rounds; i++) {
  const target = i % 2 === 0 ? classA : classB;
  if (setLabels(db, datasetId, [contested], target).editId !== null) edits++;
  if (setLabels(db, datasetId, [own], target).editId !== null) edits++;
}
db.close();
process.stdout.write(JSON.stringify({ edits }));
`;

describe('two processes writing labels at the same time', () => {
  // The other process imports these built modules directly.
  beforeAll(() => requireBuilt('dist/main/core/platform/store/db.js', 'dist/main/core/datasets/labels.js'));

  it('keeps every write: each edit is recorded once and the label history of a contested image is an unbroken chain', async () => {
    const [contested, ownA, ownB] = imageIds as [number, number, number];
    const [c1, c2] = classIds as [number, number];
    const startAt = Date.now() + 1500; // both processes are up and have opened the database by then
    const rounds = 40;
    const [a, b] = await Promise.all([
      nodeScript(LABELLER, [dbFile, datasetId, contested, ownA, c1, c2, startAt, rounds].map(String)),
      nodeScript(LABELLER, [dbFile, datasetId, contested, ownB, c2, c1, startAt, rounds].map(String)),
    ]);
    const edits = (JSON.parse(a) as { edits: number }).edits + (JSON.parse(b) as { edits: number }).edits;

    const ws = Workspace.open(wsDir);
    try {
      const db = ws.db;
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.prepare("SELECT COUNT(*) AS n FROM edits WHERE source = 'user'").get()).toEqual({ n: edits });
      expect(db.prepare("SELECT COUNT(*) AS n FROM label_history WHERE source = 'user'").get()).toEqual({ n: edits });
      // Each process's own image flips every round (2 × 40 edits between them at least).
      expect(edits).toBeGreaterThanOrEqual(2 * rounds);
      for (const id of [contested, ownA, ownB]) {
        const chain = db.prepare('SELECT from_class_id AS "from", to_class_id AS "to" FROM label_history WHERE image_id = ? ORDER BY id').all(id) as { from: number | null; to: number }[];
        for (let i = 1; i < chain.length; i++) expect(chain[i]!.from, `image ${id}, history row ${i}`).toBe(chain[i - 1]!.to);
        const current = db.prepare('SELECT class_id FROM images WHERE id = ?').get(id) as { class_id: number };
        expect(current.class_id).toBe(chain[chain.length - 1]!.to);
      }
    } finally {
      ws.close();
    }
  }, 60_000);
});

/** A separate process that takes the workspace's write lock and holds it until told to let go. */
const LOCK_HOLDER = `
import Database from 'better-sqlite3';
const db = new Database(process.argv[1]);
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\\n');
process.stdin.on('data', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });
`;

describe('a write lock held by another process past the busy timeout', () => {
  it('fails the call with FacetError "busy" that names the workspace and what to do, writes nothing, and the retry lands once', async () => {
    const core = new Core(Workspace.open(wsDir));
    try {
      core.workspace.db.pragma('busy_timeout = 150');
      const release = await new Promise<() => Promise<void>>((resolve, reject) => {
        let finished: Promise<string> | null = null;
        finished = nodeScript(LOCK_HOLDER, [dbFile], (text, child) => {
          if (text.includes('locked')) resolve(async () => {
            child.stdin!.end('go\n');
            await finished;
          });
        });
        finished.catch(reject);
      });
      const before = tableChecksum(core.workspace.db);
      const [imageId] = imageIds as [number];
      const current = (core.workspace.db.prepare('SELECT class_id FROM images WHERE id = ?').get(imageId) as { class_id: number }).class_id;
      const target = classIds.find((c) => c !== current)!;
      let error: unknown;
      try {
        await core.call('labels/set', { datasetId, imageIds: [imageId], classId: target });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FacetError);
      const busy = error as FacetError;
      expect(busy.code).toBe('busy');
      expect(busy.message).toContain(wsDir);
      expect(busy.message).toMatch(/not saved/);
      expect(busy.file).toBe(dbFile);
      expect(busy.hint).toMatch(/try again/);
      // A write outside a transaction (the dataset row of a new import) maps the same way.
      await expect(core.call('datasets/import', { folder: path.join(dir, 'data', 'bright') })).rejects.toMatchObject({ code: 'busy' });
      await release();
      expect(tableChecksum(core.workspace.db)).toBe(before);

      const retry = await core.call('labels/set', { datasetId, imageIds: [imageId], classId: target });
      expect(retry.changed).toBe(1);
      expect(core.workspace.db.prepare("SELECT COUNT(*) AS n FROM label_history WHERE image_id = ? AND to_class_id = ? AND edit_id = ?").get(imageId, target, retry.editId)).toEqual({ n: 1 });
    } finally {
      await core.close();
    }
  }, 30_000);
});
