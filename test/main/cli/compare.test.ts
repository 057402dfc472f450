// `facet compare` reads the same `runs/compare` core call as the app's compare view: metrics side by
// side, the hyperparameters that differ, and the labels changed between the runs' snapshots.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingCommands } from '../../../src/main/cli/training-commands.js';
import type { Core } from '../../../src/main/core/index.js';
import { createRunRow } from '../../../src/main/core/training/run-store.js';
import { createSnapshot } from '../../../src/main/core/training/snapshots.js';
import { trainRun } from '../../../src/main/core/training/trainer.js';
import { HyperparametersSchema, type HyperparametersInput } from '../../../src/shared/hyperparameters.js';
import { toyCore } from '../core/training/helpers.js';
import { runCli } from './harness.js';

let ctx: { core: Core; datasetId: number };
let first: number;
let second: number;

const tiny: HyperparametersInput = { imageSize: 32, batchSize: 8, filters: [4, 8], denseUnits: 8, epochs: 1, augmentation: { flip: false, rotation: 0 } };

async function trainedRun(name: string, hp: HyperparametersInput): Promise<number> {
  const ws = ctx.core.workspace;
  const runId = createRunRow(ws.db, ctx.datasetId, createSnapshot(ws.db, ctx.datasetId).id, name, HyperparametersSchema.parse(hp));
  expect((await trainRun(ws.db, runId, { workspaceDir: ws.dir, cacheDir: ws.cacheDir, threads: 1 })).status).toBe('completed');
  return runId;
}

beforeAll(async () => {
  ctx = await toyCore(10, 32);
  first = await trainedRun('first', tiny);
  // Two images change class between the runs, and the learning rate differs.
  const classes = await ctx.core.call('classes/list', { datasetId: ctx.datasetId });
  const page = await ctx.core.call('images/list', { datasetId: ctx.datasetId, classId: classes.find((c) => c.name === 'bright')!.id, limit: 2 });
  await ctx.core.call('labels/set', { datasetId: ctx.datasetId, imageIds: page.items.map((i) => i.id), classId: classes.find((c) => c.name === 'dark')!.id });
  second = await trainedRun('second', { ...tiny, learningRate: 0.01 });
}, 180_000);
afterAll(async () => ctx.core.close());

const facet = (...argv: string[]) => runCli(() => ctx.core, [registerTrainingCommands], argv);

describe('facet compare', () => {
  it('--json gives runs, every hyperparameter with `differs`, curves and label changes', async () => {
    const run = await facet('--json', 'compare', String(first), String(second));
    expect(run.code).toBe(0);
    const json = run.json<{
      runs: { runId: number; status: string; epochs: number; testAccuracy: number | null }[];
      hyperparameters: { name: string; values: unknown[]; differs: boolean }[];
      curves: { runId: number; epochs: unknown[] }[];
      labelChanges: { fromRunId: number; toRunId: number; changed: number }[];
    }>();
    expect(json.runs.map((r) => [r.runId, r.status, r.epochs])).toEqual([[first, 'completed', 1], [second, 'completed', 1]]);
    expect(json.runs[0]!.testAccuracy).toEqual(expect.any(Number));
    expect(json.hyperparameters.filter((p) => p.differs)).toEqual([{ name: 'learningRate', values: [0.001, 0.01], differs: true }]);
    expect(json.hyperparameters.find((p) => p.name === 'augmentation.flip')).toEqual({ name: 'augmentation.flip', values: [false, false], differs: false });
    expect(json.curves.map((c) => [c.runId, c.epochs.length])).toEqual([[first, 1], [second, 1]]);
    expect(json.labelChanges).toMatchObject([{ fromRunId: first, toRunId: second, changed: 2 }]);
  });

  it('prints metrics side by side, the differing hyperparameters and the label changes', async () => {
    const run = await facet('compare', String(first), String(second));
    expect(run.stdout).toMatch(new RegExp(`^\\s+run ${first}\\s+run ${second}`));
    expect(run.stdout).toMatch(/test acc\s+\d+\.\d%\s+\d+\.\d%/);
    expect(run.stdout).toMatch(/Hyperparameters that differ:[\s\S]*learningRate\s+0\.001\s+0\.01/);
    expect(run.stdout).toContain(`Labels of run ${second} against run ${first}: 2 changed, 0 added, 0 removed`);
  });

  it('refuses fewer than two runs, a run id that is not a number, and a run that does not exist', async () => {
    expect(await facet('compare', String(first))).toMatchObject({ code: 2, stderr: expect.stringContaining('at least two runs') });
    expect(await facet('compare', String(first), 'best')).toMatchObject({ code: 2, stderr: expect.stringContaining('"best" is not a run id') });
    expect((await facet('compare', String(first), '999')).code).toBe(1);
  });
});
