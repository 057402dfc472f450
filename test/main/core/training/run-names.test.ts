// Default run names name the dataset and stay unique in the workspace: across datasets of the same
// name and after a run is deleted.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunRow } from '../../../../src/main/core/training/run-store.js';
import { defaultRunName } from '../../../../src/main/core/training/run-names.js';
import { createSnapshot } from '../../../../src/main/core/training/snapshots.js';
import { HyperparametersSchema } from '../../../../src/shared/hyperparameters.js';
import { tempCore, writeClassFolders } from '../datasets/helpers.js';

let env: Awaited<ReturnType<typeof tempCore>>;
let a: number;
let b: number;
const hp = HyperparametersSchema.parse({ imageSize: 64, epochs: 20 });

beforeAll(async () => {
  env = await tempCore();
  // Two datasets with the same name, from two folders.
  for (const where of ['one', 'two']) await writeClassFolders(path.join(env.dir, where, 'faces'), { x: 2, y: 2 });
  a = (await env.core.call('datasets/import', { folder: path.join(env.dir, 'one', 'faces') })).datasetId;
  b = (await env.core.call('datasets/import', { folder: path.join(env.dir, 'two', 'faces') })).datasetId;
});
afterAll(async () => env.cleanup());

/** A run row as runs/start makes it, without training it. */
function addRun(datasetId: number): { id: number; name: string } {
  const db = env.ws.db;
  const name = defaultRunName(db, datasetId, hp);
  return { id: createRunRow(db, datasetId, createSnapshot(db, datasetId).id, name, hp), name };
}

describe('default run names', () => {
  it('name the dataset, number its runs and say the input size and epochs', () => {
    expect(addRun(a).name).toBe('faces #1 · 64px · 20 ep');
    expect(addRun(a).name).toBe('faces #2 · 64px · 20 ep');
  });

  it('stay unique across datasets of the same name and after a deletion', async () => {
    // Dataset b is also "faces": its first run cannot be "faces #1" again.
    const first = addRun(b);
    expect(first.name).toBe('faces #3 · 64px · 20 ep');
    // A run that never trained (rows only): mark it ended so it can be deleted.
    env.ws.db.prepare(`UPDATE runs SET status = 'cancelled' WHERE id = ?`).run(first.id);
    await env.core.call('runs/delete', { runId: first.id });
    const names = [addRun(a).name, addRun(b).name, addRun(b).name];
    const all = (await env.core.call('runs/list', {})).map((r) => r.name);
    expect(new Set(all).size).toBe(all.length);
    expect(names.every((n) => n.startsWith('faces #'))).toBe(true);
  });
});
