// runs/estimate: a measured calibration (workers from the built dist/: npm test builds first), cached
// per machine in the workspace, turned into the run's duration, with a faster size offered when long.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../../../src/main/core/index.js';
import { ENGINE_REVISION } from '../../../../src/main/core/platform/engine/index.js';
import { RunEstimator } from '../../../../src/main/core/training/estimate.js';
import { roughDuration } from '../../../../src/shared/estimate.js';
import { toyCore } from './helpers.js';

let core: Core;
let datasetId: number;
let dir: string;
const small = { imageSize: 24, filters: [4, 8], denseUnits: 8, batchSize: 8 };

beforeAll(async () => {
  ({ core, datasetId, dir } = await toyCore(10, 24));
}, 120_000);
afterAll(async () => {
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('roughDuration', () => {
  it('rounds like a person would say it', () => {
    expect(roughDuration(7800)).toBe('~2 h 10 min');
    expect(roughDuration(540)).toBe('~9 min');
    expect(roughDuration(3599)).toBe('~1 h');
    expect(roughDuration(42)).toBe('~40 s');
    expect(roughDuration(1)).toBe('~5 s');
  });
});

describe('runs/estimate', () => {
  it('measures the speed once, then uses the figure cached in the workspace; the duration follows from it', async () => {
    const first = await core.call('runs/estimate', { datasetId, hyperparameters: { ...small, epochs: 3 } });
    expect(first.measured).toBe('now');
    expect(first.trainImages).toBe(14);
    expect(first.trainImagesPerSecond).toBeGreaterThan(0);
    const cache = JSON.parse(fs.readFileSync(path.join(core.workspace.dir, 'engine-speed.json'), 'utf8')) as { speeds: Record<string, unknown> };
    expect(Object.keys(cache.speeds)).toHaveLength(1);

    const again = await core.call('runs/estimate', { datasetId, hyperparameters: { ...small, epochs: 30 } });
    expect(again.measured).toBe('cached');
    expect(again.trainImagesPerSecond).toBe(first.trainImagesPerSecond);
    // Ten times the epochs, ten times the time: the figure is per image, not a guess per run.
    expect(again.seconds! / first.seconds!).toBeCloseTo(10, 6);
    expect(again.text).toMatch(/^~.* at 24 px on this machine$/);
    expect(again.faster).toBeNull();
  }, 120_000);

  it('offers 64 px when a run at a larger size is long, measured at 64 px too', async () => {
    // "Long" set to 0 s here: whether a real run counts as long depends on this machine's speed.
    const estimator = new RunEstimator(core.workspace.db, { workspaceDir: core.workspace.dir, longRunSeconds: 0 });
    const e = await estimator.estimate({ datasetId, hyperparameters: { ...small, imageSize: 96 } });
    expect(e.faster?.imageSize).toBe(64);
    const at64 = await estimator.estimate({ datasetId, hyperparameters: { ...small, imageSize: 64 } });
    expect(at64.measured).toBe('cached');
    expect(at64.faster).toBeNull();
    expect(e.faster!.seconds).toBe(at64.seconds);
    expect(e.text).toContain('at 96 px on this machine; 64 px would take ~');
  }, 120_000);

  it('measures again when the cached figure was taken with an older engine (kernels change what a step costs)', async () => {
    const file = path.join(core.workspace.dir, 'engine-speed.json');
    await core.call('runs/estimate', { datasetId, hyperparameters: { ...small, epochs: 2 } });
    const cache = JSON.parse(fs.readFileSync(file, 'utf8')) as { machine: string };
    expect(cache.machine).toContain(`engine ${ENGINE_REVISION}`);
    fs.writeFileSync(file, JSON.stringify({ ...cache, machine: cache.machine.replace(`engine ${ENGINE_REVISION}`, `engine ${ENGINE_REVISION - 1}`) }));
    const again = await core.call('runs/estimate', { datasetId, hyperparameters: { ...small, epochs: 2 } });
    expect(again.measured).toBe('now');
  }, 120_000);

  it('needs no calibration for the face-embedding head, and refuses settings the run would refuse', async () => {
    const e = await core.call('runs/estimate', { datasetId, hyperparameters: { preset: 'face-embedding' } });
    expect(e).toMatchObject({ seconds: null, measured: 'not needed' });
    await expect(core.call('runs/estimate', { datasetId, hyperparameters: { imageSize: 16, filters: [8, 8, 8] } }))
      .rejects.toMatchObject({ code: 'invalid-argument', field: 'imageSize' });
  });
});
