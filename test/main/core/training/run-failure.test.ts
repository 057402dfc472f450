// A run that fails in its job process keeps its typed error (STYLE.md §6): the train/finished event
// and runs.wait carry the FacetError payload (code, file, hint), and the run row says what to do.
// Uses the built dist/ job process: npm test builds first.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunFinished } from '../../../../src/shared/runs.js';
import type { Core } from '../../../../src/main/core/index.js';
import { runDir } from '../../../../src/main/core/training/checkpoint.js';
import { toyCore } from './helpers.js';

let ctx: { core: Core; datasetId: number; dir: string };
beforeAll(async () => {
  ctx = await toyCore(8, 16);
}, 60_000);
afterAll(async () => {
  await ctx.core.close();
  fs.rmSync(ctx.dir, { recursive: true, force: true });
});

describe('a run that fails in its process', () => {
  it('keeps the error\'s code, file and hint from the child to the event, runs.wait and the run row', async () => {
    // The run's checkpoint folder cannot be made: a file sits where it goes.
    const blocked = runDir(ctx.core.workspace.dir, 1);
    fs.mkdirSync(path.dirname(blocked), { recursive: true });
    fs.writeFileSync(blocked, 'not a folder');
    const finished: RunFinished[] = [];
    const off = ctx.core.events.on('train/finished', (f) => finished.push(f));
    const run = await ctx.core.call('runs/start', { datasetId: ctx.datasetId, hyperparameters: { imageSize: 16, epochs: 2, filters: [4], denseUnits: 8, batchSize: 8 } });
    expect(run.id).toBe(1);
    const done = await ctx.core.runs.wait(run.id);
    off();
    const failure = { code: 'io', message: expect.stringMatching(/^Cannot write the best checkpoint of epoch 1/), file: expect.stringContaining(blocked), hint: expect.stringMatching(/writable/) };
    expect(done).toMatchObject({ runId: 1, status: 'failed', failure });
    expect(finished).toEqual([expect.objectContaining({ runId: 1, status: 'failed', failure: expect.objectContaining(failure) })]);
    const row = await ctx.core.call('runs/get', { runId: 1 });
    expect(row.status).toBe('failed');
    expect(row.error).toMatch(/Cannot write the best checkpoint of epoch 1: it already exists.* — Check that the folder exists and is writable/);
  }, 120_000);
});
