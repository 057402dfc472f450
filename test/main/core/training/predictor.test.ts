// runs/predict works in its own process (uses the built dist/: npm test builds first): the answer
// matches predicting in-process, errors keep their code and field, and a process that dies says so.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core } from '../../../../src/main/core/index.js';
import { predictWithRun } from '../../../../src/main/core/training/predict.js';
import { forkLauncher, type ProcessLauncher } from '../../../../src/main/core/platform/jobs/child-process.js';
import { Workspace } from '../../../../src/main/core/platform/workspace.js';
import { tempDir, writeToyDataset } from './helpers.js';

let core: Core;
let root: string;
let runId: number;
const launched: string[] = [];
let killNext = false;

/** fork, recording each job kind (the job process's first argument); killNext kills the next child right after it starts. */
const launcher: ProcessLauncher = (entry, args) => {
  launched.push(`${path.basename(entry)} ${args[0]}`);
  const child = forkLauncher(entry, args);
  if (killNext) {
    killNext = false;
    child.kill();
  }
  return child;
};

beforeAll(async () => {
  const dir = tempDir('facet-predictor-');
  root = path.join(dir, 'data');
  await writeToyDataset(root, 10, 16);
  core = new Core(Workspace.open(path.join(dir, 'ws')), { launcher });
  const { datasetId } = await core.call('datasets/import', { folder: root, split: { train: 70, val: 15, test: 15 } });
  const run = await core.call('runs/start', { datasetId, hyperparameters: { imageSize: 16, epochs: 2, filters: [4], denseUnits: 8, batchSize: 8 } });
  runId = run.id;
  expect((await core.runs.wait(runId)).status).toBe('completed');
}, 180_000);
afterAll(async () => core.close());

describe('runs/predict', () => {
  it('predicts in a child process, with the answers of an in-process prediction', async () => {
    const files = fs.readdirSync(path.join(root, 'dark')).slice(0, 3).map((f) => path.join(root, 'dark', f));
    const before = launched.length;
    const outcome = await core.call('runs/predict', { runId, paths: [...files, path.join(root, 'nope.png')] });
    expect(launched.slice(before)).toEqual(['job-process.js predict']);
    const local = await predictWithRun(core.workspace.db, core.workspace.dir, runId, [...files, path.join(root, 'nope.png')]);
    expect(outcome.predictions.map((p) => [p.path, p.class])).toEqual(local.predictions.map((p) => [p.path, p.class]));
    outcome.predictions.forEach((p, i) => expect(Math.abs(p.confidence - local.predictions[i]!.confidence)).toBeLessThan(1e-6));
    expect(outcome.failed).toEqual([expect.objectContaining({ path: path.join(root, 'nope.png'), reason: expect.stringMatching(/cannot read: ENOENT/) })]);
  });

  it('refuses an unknown run before starting a process, and reports a process that died', async () => {
    const before = launched.length;
    await expect(core.call('runs/predict', { runId: 9999, paths: [root] })).rejects.toMatchObject({ code: 'not-found' });
    expect(launched.length).toBe(before);
    killNext = true;
    await expect(core.call('runs/predict', { runId, paths: [root] })).rejects.toMatchObject({ code: 'internal', message: expect.stringMatching(/prediction process exited unexpectedly/) });
  });
});
