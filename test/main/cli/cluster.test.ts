// export-training → train.py under real torchrun (DistributedDataParallel, gloo, 2 processes) →
// import-run, where Debian's python3-torch is installed; the file layout and errors everywhere.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerClusterCommands } from '../../../src/main/cli/cluster-commands.js';
import { Core } from '../../../src/main/core/index.js';
import { Workspace } from '../../../src/main/core/platform/workspace.js';
import type { ImportRunResult } from '../../../src/main/core/training/import-run.js';
import type { ExportTrainingResult } from '../../../src/main/core/export/pytorch/export-training.js';
import { augmentImage } from '../../../src/main/core/training/augment.js';
import { TRAIN_PY } from '../../../src/main/core/export/pytorch/train-py.js';
import { tempDir, writeToyDataset } from '../core/training/helpers.js';
import { runCli } from './harness.js';

/** A python3 that has torch (pyenv's python3 may come first on PATH; Debian's is /usr/bin/python3). */
function pythonWithTorch(): string | null {
  for (const python of ['python3', '/usr/bin/python3']) {
    if (spawnSync(python, ['-c', 'import torch, numpy, PIL'], { stdio: 'ignore' }).status === 0) return python;
  }
  return null;
}

const python = pythonWithTorch();
let dir: string;
let core: Core;
let datasetId: number;
const cli = (argv: string[]) => runCli(() => core, [registerClusterCommands], ['--json', ...argv]);

beforeAll(async () => {
  dir = tempDir('facet-cluster-');
  await writeToyDataset(path.join(dir, 'data'), 20, 24);
  core = new Core(Workspace.open(path.join(dir, 'ws')));
  datasetId = (await core.call('datasets/import', { folder: path.join(dir, 'data'), split: { train: 60, val: 20, test: 20 } })).datasetId;
}, 60_000);
afterAll(async () => {
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Test images of a recipe, from its manifest. */
function detail0Images(out: string): number {
  return fs.readFileSync(path.join(out, 'manifest.csv'), 'utf8').split(/\r?\n/).filter((l) => l.split(',')[3] === 'test').length;
}

const HP = JSON.stringify({ imageSize: 24, filters: [4, 8], denseUnits: 8, epochs: 2, batchSize: 8 });

describe('facet export-training', () => {
  it('writes train.py, recipe.json, README, manifest.csv and every snapshot image as a PNG at the model size', async () => {
    const out = path.join(dir, 'layout');
    const r = await cli(['export-training', '--dataset', String(datasetId), '--framework', 'pytorch', '--out', out, '--hyperparameters', HP]);
    expect(r.code, r.stderr).toBe(0);
    const result = r.json<ExportTrainingResult>();
    expect(result.images).toBe(40);
    expect(result.splits.train + result.splits.val + result.splits.test).toBe(40);
    expect(result.splits.test).toBeGreaterThan(0);
    for (const f of ['train.py', 'recipe.json', 'manifest.csv', 'README.md']) expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    const recipe = JSON.parse(fs.readFileSync(path.join(out, 'recipe.json'), 'utf8')) as { classes: string[]; hyperparameters: { imageSize: number; filters: number[] } };
    expect(recipe.classes).toEqual(['bright', 'dark']);
    expect(recipe.hyperparameters.filters).toEqual([4, 8]);
    const rows = fs.readFileSync(path.join(out, 'manifest.csv'), 'utf8').trim().split(/\r?\n/);
    expect(rows[0]).toBe('file,label,index,split,path,hash');
    expect(rows).toHaveLength(41);
    const first = rows[1]!.split(',')[0]!;
    const meta = await sharp(path.join(out, 'images', first)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 24, 24]);
    const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(readme).toMatch(/torchrun --nproc_per_node N train.py/);
    expect(readme).toMatch(/#SBATCH/);
    expect(readme).toMatch(/kind: PyTorchJob/);
  });

  it('refuses a folder that is not empty, both --copy and --link, and neither a run nor a dataset', async () => {
    const out = path.join(dir, 'busy');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'keep.txt'), 'mine');
    const busy = await cli(['export-training', '--dataset', String(datasetId), '--framework', 'pytorch', '--out', out]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/is not empty/);
    expect(fs.readFileSync(path.join(out, 'keep.txt'), 'utf8')).toBe('mine');
    const both = await cli(['export-training', '--dataset', String(datasetId), '--framework', 'pytorch', '--out', path.join(dir, 'x'), '--copy', '--link']);
    expect(both.stderr).toMatch(/--copy or --link, not both/);
    const neither = await cli(['export-training', '--framework', 'pytorch', '--out', path.join(dir, 'y')]);
    expect(neither.stderr).toMatch(/either a run id or --dataset/);
    const badJson = await cli(['export-training', '--dataset', String(datasetId), '--framework', 'pytorch', '--out', path.join(dir, 'z'), '--hyperparameters', '{epochs: 3']);
    expect(badJson.stderr).toMatch(/--hyperparameters must be a JSON object/);
  });

  it('says what is missing when import-run is given a recipe train.py has not finished', async () => {
    const out = path.join(dir, 'unfinished');
    expect((await cli(['export-training', '--dataset', String(datasetId), '--framework', 'pytorch', '--out', out, '--hyperparameters', HP])).code).toBe(0);
    const r = await cli(['import-run', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/result\.json does not exist/);
  });
});

describe.skipIf(!python)(`export-training → torchrun (DDP, 2 processes) → import-run${python ? '' : ' — NOT RUN: no python3 with torch here (apt-get install python3-torch)'}`, () => {
  it('trains under torchrun and imports a run whose test evaluation by Facet agrees with the script within 1e-4', async () => {
    const out = path.join(dir, 'ddp');
    expect((await cli(['export-training', '--dataset', String(datasetId), '--framework', 'pytorch', '--out', out, '--hyperparameters', HP])).code).toBe(0);
    // Debian's torch 1.13 on Python 3.11 cannot parse torchrun's default --redirects/--tee "0" (an
    // IntFlag change in 3.11, fixed in torch 2): name a non-zero stream explicitly.
    execFileSync(python!, ['-m', 'torch.distributed.run', '--redirects', '2', '--tee', '2', '--nproc_per_node', '2', path.join(out, 'train.py'), '--workers', '0'], {
      cwd: out,
      env: { ...process.env, OMP_NUM_THREADS: '1' },
      stdio: 'pipe',
      timeout: 300_000,
    });
    const trained = JSON.parse(fs.readFileSync(path.join(out, 'result', 'result.json'), 'utf8')) as { processes: number; framework: string };
    expect(trained.processes).toBe(2);
    const r = await cli(['import-run', out]);
    expect(r.code, r.stderr).toBe(0);
    const imported = r.json<ImportRunResult>();
    expect(imported.agreement.checked).toBe(true);
    expect(imported.agreement.images).toBe(detail0Images(out));
    expect(imported.agreement.maxProbabilityDifference).toBeLessThanOrEqual(1e-4);
    expect(imported.agreement.differentPredictions).toBe(0);
    expect(imported.test!.accuracy).toBeCloseTo(imported.reported.accuracy!, 6);
    expect(imported.test!.loss).toBeCloseTo(imported.reported.loss!, 4);

    // A run like any other: epochs, evaluation, where it was trained; the same result is not imported twice.
    const detail = await core.call('runs/get', { runId: imported.runId });
    expect(detail.status).toBe('completed');
    expect(detail.epochs).toHaveLength(2);
    expect(detail.origin).toMatchObject({ framework: 'pytorch', processes: 2, device: 'cpu' });
    expect(detail.test!.accuracy).toBeCloseTo(imported.test!.accuracy, 9);
    const again = await cli(['import-run', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`already run ${imported.runId}`));
  }, 400_000);

  it("train.py's augmentation gives Facet's pixels for the same draws (flip, rotation, zoom, contrast)", () => {
    const size = 24;
    const channels = 3;
    const img = new Float32Array(size * size * channels);
    for (let i = 0; i < img.length; i++) img[i] = (i * 37 + (i % 7) * 11) % 256;
    const draws = [0.2, 0.8, 0.3, 0.9];
    let k = 0;
    const facet = img.slice();
    augmentImage(facet, size, channels, { flip: true, rotation: 0.1, zoom: 0.2, contrast: 0.5 }, () => draws[k++]!, new Float32Array(img.length));
    const work = path.join(dir, 'augment');
    fs.mkdirSync(work, { recursive: true });
    fs.writeFileSync(path.join(work, 'train.py'), TRAIN_PY);
    fs.writeFileSync(path.join(work, 'in.bin'), Buffer.from(img.buffer));
    // train.py draws flip, angle, zoom, contrast in that order from torch.rand: feed it Facet's draws.
    const script = [
      'import sys, numpy as np, torch',
      `sys.path.insert(0, ${JSON.stringify(work)})`,
      'import train',
      `draws = iter(${JSON.stringify(draws)})`,
      'train.torch.rand = lambda *shape, generator=None: torch.full(shape, next(draws))',
      `x = torch.from_numpy(np.fromfile(${JSON.stringify(path.join(work, 'in.bin'))}, dtype=np.float32).reshape(${size}, ${size}, ${channels}).transpose(2, 0, 1).copy())[None]`,
      'y = train.augment(x, {"flip": True, "rotation": 0.1, "zoom": 0.2, "contrast": 0.5}, None)',
      `y[0].numpy().transpose(1, 2, 0).astype(np.float32).tofile(${JSON.stringify(path.join(work, 'out.bin'))})`,
    ].join('\n');
    execFileSync(python!, ['-c', script], { stdio: 'pipe' });
    const raw = fs.readFileSync(path.join(work, 'out.bin'));
    const torchOut = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
    let worst = 0;
    for (let i = 0; i < facet.length; i++) worst = Math.max(worst, Math.abs(facet[i]! - torchOut[i]!));
    expect(worst).toBeLessThan(1e-2);
    // and the image really changed: the check is not between two copies of the input
    let moved = 0;
    for (let i = 0; i < img.length; i++) moved = Math.max(moved, Math.abs(img[i]! - facet[i]!));
    expect(moved).toBeGreaterThan(50);
  }, 60_000);
});
