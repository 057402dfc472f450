// The transfer preset end to end through the CLI on a small generated demo set: `facet train D
// --preset transfer` embeds the images inside the run's job (none are embedded before), trains a head
// on the MobileNetV2 embeddings, evaluates it clearly above chance; predict runs the backbone then the
// head; `facet export --format tfjs` writes the head with the backbone named and passes its check.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDatasetCommands } from '../../../src/main/cli/dataset-commands.js';
import { registerExportCommands } from '../../../src/main/cli/export-commands.js';
import { registerTrainingCommands } from '../../../src/main/cli/training-commands.js';
import { Core } from '../../../src/main/core/index.js';
import { generateDemo } from '../../../src/main/core/demo/generate.js';
import { embeddingCounts } from '../../../src/main/core/embeddings/embedding-store.js';
import { Workspace } from '../../../src/main/core/platform/workspace.js';
import type { ModelExportResult } from '../../../src/shared/export.js';
import type { Prediction } from '../../../src/shared/runs.js';
import { tempDir } from '../core/export/helpers.js';
import { runCli } from './harness.js';

let dir: string;
let core: Core;
const facet = (...argv: string[]) => runCli(() => core, [registerDatasetCommands, registerTrainingCommands, registerExportCommands], argv);

interface TrainJson {
  runId: number;
  backend: string;
  epochs: { epoch: number; valAccuracy: number }[];
  test: { accuracy: number; confusion: number[][]; perClass: { class: string; support: number }[] };
}

let train: TrainJson;

beforeAll(async () => {
  dir = tempDir('facet-transfer-');
  await generateDemo({ out: path.join(dir, 'demo'), count: 90, seed: 3 });
  core = new Core(Workspace.open(path.join(dir, 'ws')));
  expect((await facet('import', path.join(dir, 'demo'))).code).toBe(0);
  const r = await facet('--json', 'train', 'demo', '--preset', 'transfer', '--epochs', '15', '--batch-size', '16');
  expect(r.stderr.includes('facet:') ? r.stderr : '').toBe('');
  expect(r.code).toBe(0);
  train = r.json<TrainJson>();
}, 300_000);
afterAll(async () => {
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('facet train --preset transfer', () => {
  it('embedded every image inside the run and recorded the run as a transfer run on mobilenet', () => {
    const db = core.workspace.db;
    const counts = embeddingCounts(db, 1, 'mobilenet');
    expect(counts.images).toBe(90);
    expect(counts.embedded).toBe(90);
    const row = db.prepare('SELECT hyperparameters, engine FROM runs WHERE id = ?').get(train.runId) as { hyperparameters: string; engine: string };
    expect(JSON.parse(row.hyperparameters)).toMatchObject({ preset: 'transfer', backbone: 'mobilenet' });
    expect(JSON.parse(row.engine)).toMatchObject({ preset: 'transfer', backbone: 'mobilenet' });
  });

  it('--json gives the epochs and a test evaluation clearly above chance (3 classes)', () => {
    expect(train.epochs).toHaveLength(15);
    const n = train.test.confusion.flat().reduce((a, b) => a + b, 0);
    expect(n).toBe(train.test.perClass.reduce((a, p) => a + p.support, 0));
    expect(n).toBeGreaterThan(0);
    expect(train.test.accuracy).toBeGreaterThanOrEqual(0.7);
  });

  it('predict embeds each photo with the backbone, then classifies it', async () => {
    const r = await facet('--json', 'predict', String(train.runId), path.join(dir, 'demo', 'camera'), path.join(dir, 'demo', 'phone'));
    expect(r.code).toBe(0);
    // --json prints the predictions as an array.
    const out = r.json<Prediction[]>();
    expect(out.length).toBeGreaterThan(20);
    const right = out.filter((p) => p.path.includes(`${path.sep}${p.class}${path.sep}`)).length;
    expect(right / out.length).toBeGreaterThan(0.7);
  }, 120_000);

  it('export --format tfjs writes the head, names the backbone package and passes its check', async () => {
    const out = path.join(dir, 'head');
    const r = await facet('--json', 'export', String(train.runId), '--format', 'tfjs', '--out', out);
    expect(r.code).toBe(0);
    const res = r.json<ModelExportResult>();
    expect(res.inputLayout).toBe('NC');
    expect(res.input).toMatchObject({ kind: 'image-embedding', shape: [null, 1792], backbone: { name: 'mobilenet', package: 'nsfwjs', inputSize: 224 } });
    expect(res.check?.passed).toBe(true);
    const pre = JSON.parse(fs.readFileSync(path.join(out, 'preprocessing.json'), 'utf8')) as { kind: string; backbone: { version: string; range: number[] } };
    expect(pre.kind).toBe('image-embedding');
    expect(pre.backbone.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(pre.backbone.range).toEqual([0, 1]);
    const card = fs.readFileSync(path.join(out, 'MODEL_CARD.md'), 'utf8');
    expect(card).toContain(`nsfwjs@${pre.backbone.version}`);
    expect(card).toMatch(/Why the backbone is not inside the file/);
    // The exported head with the backbone, no workspace: same classes as the run on the same photos.
    const photos = path.join(dir, 'demo', 'social');
    const viaModel = (await facet('--json', 'predict', '--model', out, photos)).json<Prediction[]>();
    const viaRun = (await facet('--json', 'predict', String(train.runId), photos)).json<Prediction[]>();
    expect(viaModel.length).toBeGreaterThan(10);
    expect(viaModel.map((p) => p.class)).toEqual(viaRun.map((p) => p.class));
  }, 180_000);
});
