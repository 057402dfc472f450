// Crash safety with real processes: `facet import` and `facet train` are killed with SIGKILL halfway
// (the whole process group, so the training child dies too). Afterwards the database is intact, the
// run is marked interrupted, --resume finishes it from its last checkpoint without repeating an epoch,
// the re-run import leaves no duplicate, and the label edits made before the kill are all there.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../src/main/core/demo/generate.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = path.join(repo, 'bin', 'facet.js');
const built = fs.existsSync(path.join(repo, 'dist', 'main', 'cli.js')) && fs.existsSync(path.join(repo, 'dist', 'main', 'core', 'job-process.js'));
const SKIP_NOTE = 'dist/ is missing: run `npm run build` first (the test command builds before vitest).';

const IMAGES = 400;
const EPOCHS = 3;
const TRAIN_FLAGS = ['--image-size', '32', '--filters', '8,16', '--dense-units', '16', '--batch-size', '16', '--epochs', String(EPOCHS)];

let dir: string;
let ws: string;
let data: string;

interface Started {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `node bin/facet.js …` in its own process group (detached), so one kill reaches its children too. */
function facet(args: string[]): Started {
  const child = spawn(process.execPath, [bin, '--workspace', ws, ...args], { cwd: repo, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  Object.defineProperty(child, 'facetStdout', { get: () => out });
  return { child, stderr: () => err, exited };
}

async function facetJson<T>(args: string[]): Promise<{ code: number | null; json: T; stderr: string }> {
  const p = facet(['--json', ...args]);
  const { code } = await p.exited;
  const stdout = (p.child as unknown as { facetStdout: string }).facetStdout;
  let json: T;
  try {
    json = JSON.parse(stdout) as T;
  } catch {
    throw new Error(`facet ${args.join(' ')} exited ${code} without JSON.\nstdout: ${stdout}\nstderr: ${p.stderr()}`);
  }
  return { code, json, stderr: p.stderr() };
}

function killGroup(p: Started): void {
  process.kill(-p.child.pid!, 'SIGKILL');
}

async function until(what: string, test: () => boolean, timeoutMs: number, p?: Started): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${p ? `\nstderr so far:\n${p.stderr()}` : ''}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed child whose parent died too may linger as a zombie until init reaps it: that is dead.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

/** A fresh connection, as the next process would open it: WAL recovery happens here. */
function inspect<T>(fn: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(path.join(ws, 'facet.db'));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const integrity = () => inspect((db) => db.pragma('integrity_check', { simple: true }));

beforeAll(async () => {
  if (!built) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facet-crash-'));
  ws = path.join(dir, 'ws');
  data = path.join(dir, 'faces');
  await generateDemo({ out: data, count: IMAGES, size: 64, seed: 7 });
}, 120_000);
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!built)(`SIGKILL in the middle of work (${built ? 'built' : SKIP_NOTE})`, () => {
  const labelled: { path: string; className: string }[] = [];
  let datasetId = 0;
  let runId = 0;

  it('an import killed after its first committed chunk leaves an intact database, and the re-run completes without duplicates', async () => {
    const p = facet(['import', data]);
    // Kill once the first chunk of rows is committed, while later files are still being read.
    const rows = () => {
      if (!fs.existsSync(path.join(ws, 'facet.db'))) return 0;
      try {
        return inspect((db) => (db.prepare("SELECT COUNT(*) AS n FROM images WHERE status = 'ok'").get() as { n: number }).n);
      } catch {
        return 0; // the schema is being created
      }
    };
    let exited = false;
    void p.exited.then(() => (exited = true));
    await until('the first committed chunk of the import', () => exited || rows() > 0, 30_000, p);
    killGroup(p);
    const end = await p.exited;
    expect(end.signal, `the import finished before it could be killed:\n${p.stderr()}`).toBe('SIGKILL');
    const partial = rows();
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(IMAGES);
    expect(integrity()).toBe('ok');

    const again = await facetJson<{ datasetId: number; imported: number; skipped: unknown[]; splits: { train: number; val: number; test: number } }>(['import', data]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json.imported).toBe(IMAGES);
    expect(again.json.skipped).toEqual([]);
    expect(again.json.splits.train + again.json.splits.val + again.json.splits.test).toBe(IMAGES);
    datasetId = again.json.datasetId;
    inspect((db) => {
      expect(db.prepare('SELECT COUNT(*) AS n FROM datasets').get()).toEqual({ n: 1 });
      expect(db.prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT path) AS paths FROM images').get()).toEqual({ n: IMAGES, paths: IMAGES });
      expect(db.prepare("SELECT COUNT(*) AS n FROM images WHERE split IS NULL OR class_id IS NULL OR status <> 'ok'").get()).toEqual({ n: 0 });
      // Exactly one first-label entry in the history per image (import, or the rescan that finished
      // it): nothing recorded twice.
      expect(db.prepare("SELECT COUNT(*) AS n, COUNT(DISTINCT image_id) AS images FROM label_history WHERE source IN ('import', 'rescan')").get()).toEqual({ n: IMAGES, images: IMAGES });
      expect(db.prepare('SELECT COUNT(*) AS n FROM classes WHERE deleted_at IS NULL').get()).toEqual({ n: 3 });
    });
  }, 90_000);

  it('a training run killed mid-epoch is marked interrupted, resumes from its last checkpoint and finishes; label edits survive', async () => {
    expect(datasetId).toBeGreaterThan(0);
    // Label edits from another process first: three images moved to another class.
    const rows = inspect(
      (db) =>
        db
          .prepare(`SELECT i.path, c.name FROM images i JOIN classes c ON c.id = i.class_id WHERE i.dataset_id = ? ORDER BY i.path LIMIT 3`)
          .all(datasetId) as { path: string; name: string }[],
    );
    const classes = inspect((db) => (db.prepare('SELECT name FROM classes WHERE dataset_id = ? ORDER BY name').all(datasetId) as { name: string }[]).map((c) => c.name));
    for (const r of rows) {
      const target = classes.find((c) => c !== r.name)!;
      const res = await facetJson<{ changed: number }>(['label', String(datasetId), r.path, '--class', target]);
      expect(res.code, res.stderr).toBe(0);
      expect(res.json.changed).toBe(1);
      labelled.push({ path: r.path, className: target });
    }

    const p = facet(['train', String(datasetId), ...TRAIN_FLAGS]);
    await until('the first epoch line', () => /^epoch 1\/\d+ .* ([\d.]+) s /m.test(p.stderr()), 120_000, p);
    // Into the second epoch: a third of the first epoch's duration after its line.
    const seconds = Number(/^epoch 1\/\d+ .* ([\d.]+) s /m.exec(p.stderr())![1]);
    await new Promise((r) => setTimeout(r, Math.max(50, seconds * 300)));
    const trainerPid = inspect((db) => (db.prepare('SELECT pid FROM runs ORDER BY id DESC LIMIT 1').get() as { pid: number | null }).pid);
    killGroup(p);
    expect((await p.exited).signal).toBe('SIGKILL');
    expect(trainerPid).toBeTypeOf('number');
    await until('the training process to die with its parent', () => !alive(trainerPid!), 10_000);
    expect(integrity()).toBe('ok');

    // The next process that opens the workspace marks the run interrupted.
    const runs = await facetJson<{ id: number; status: string; epochsDone: number }[]>(['runs']);
    expect(runs.code, runs.stderr).toBe(0);
    expect(runs.json).toHaveLength(1);
    const run = runs.json[0]!;
    runId = run.id;
    expect(run.status).toBe('interrupted');
    expect(run.epochsDone).toBeGreaterThanOrEqual(1);
    expect(run.epochsDone).toBeLessThan(EPOCHS);
    const last = JSON.parse(fs.readFileSync(path.join(ws, 'runs', String(runId), 'last.json'), 'utf8')) as { meta: { epoch: number } };
    expect(last.meta.epoch).toBe(run.epochsDone);
    expect(fs.readdirSync(path.join(ws, 'runs', String(runId))).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const resumed = await facetJson<{ status: string; epochs: { epoch: number }[]; test: { accuracy: number } | null }>(['train', '--resume', String(runId)]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json.status).toBe('completed');
    expect(resumed.json.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1));
    expect(resumed.json.test).not.toBeNull();
    // The resumed process trained only the epochs after the checkpoint: none repeated.
    const trainedAgain = [...resumed.stderr.matchAll(/^epoch (\d+)\/\d+ /gm)].map((m) => Number(m[1]));
    expect(trainedAgain).toEqual(Array.from({ length: EPOCHS - last.meta.epoch }, (_, i) => last.meta.epoch + i + 1));
    expect(integrity()).toBe('ok');

    inspect((db) => {
      for (const l of labelled) {
        const row = db.prepare('SELECT c.name FROM images i JOIN classes c ON c.id = i.class_id WHERE i.dataset_id = ? AND i.path = ?').get(datasetId, l.path) as { name: string };
        expect(row.name, l.path).toBe(l.className);
      }
      expect(db.prepare("SELECT COUNT(*) AS n FROM label_history WHERE source = 'user'").get()).toEqual({ n: labelled.length });
      expect(db.prepare('SELECT COUNT(*) AS n FROM epoch_metrics WHERE run_id = ?').get(runId)).toEqual({ n: EPOCHS });
    });
  }, 180_000);
});
