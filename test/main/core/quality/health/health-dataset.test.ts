// The health checks end to end in the core and the CLI: measured after each import, in the health
// job, from the thumbnails it stored; reported under the dataset's thresholds, excluded images as
// undoable edits, "keep" decisions.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerHealthCommands } from '../../../../../src/main/cli/health-commands.js';
import { Core } from '../../../../../src/main/core/index.js';
import { Workspace } from '../../../../../src/main/core/platform/workspace.js';
import { saveEmbeddings } from '../../../../../src/main/core/embeddings/embedding-store.js';
import { measureDataset } from '../../../../../src/main/core/quality/health/measure-dataset.js';
import { pairwiseFingerprint, pairwiseFresh } from '../../../../../src/main/core/quality/health/pairwise.js';
import { unmeasured } from '../../../../../src/main/core/quality/health/store.js';
import { describeChange } from '../../../../../src/shared/edits.js';
import type { HealthProgress, HealthReport } from '../../../../../src/shared/health.js';
import { runCli } from '../../../cli/harness.js';
import { burst, jpeg, scene, withProblem } from './synthetic.js';

let dir: string;
let core: Core;
let datasetId: number;
/** health/get right after the import answered, and every health/progress event since. */
let atImport: HealthReport;
const progress: HealthProgress[] = [];
let measuredAfterImport: Promise<HealthProgress>;
const facet = (...argv: string[]) => runCli(() => core, [registerHealthCommands], argv, { throwErrors: true });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facet-health-'));
  const root = path.join(dir, 'photos');
  for (const c of ['cats', 'dogs']) fs.mkdirSync(path.join(root, c), { recursive: true });
  for (let i = 0; i < 16; i++) fs.writeFileSync(path.join(root, i % 2 ? 'cats' : 'dogs', `ok${i}.jpg`), await jpeg(scene(100 + i)));
  fs.writeFileSync(path.join(root, 'cats', 'blurry.jpg'), await withProblem('blurry', 1));
  fs.writeFileSync(path.join(root, 'dogs', 'dark.jpg'), await withProblem('dark', 2));
  fs.writeFileSync(path.join(root, 'dogs', 'strip.jpg'), await withProblem('odd-aspect-ratio', 3));
  for (const [i, b] of (await burst(9, 5)).entries()) fs.writeFileSync(path.join(root, 'cats', `burst${i}.jpg`), b);
  core = new Core(Workspace.open(path.join(dir, 'ws')));
  measuredAfterImport = new Promise((resolve) => {
    core.events.on('health/progress', (p) => {
      progress.push(p);
      if (p.finished) resolve(p);
    });
  });
  datasetId = (await core.call('datasets/import', { folder: root })).datasetId;
  atImport = await core.call('health/get', { datasetId });
}, 120_000);

afterAll(async () => {
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('health of an imported dataset', () => {
  it('the import takes no measures: the health job it starts measures every picture, saying its progress, and the report has each planted problem, the burst as one group', async () => {
    // Asked as the import answered: nothing measured yet, and the report says the measuring is under way.
    expect(atImport.checked).toBe(0);
    expect(atImport.images).toBe(24);
    expect(atImport.measuring).toMatchObject({ datasetId, finished: false });
    const last = await measuredAfterImport;
    expect(last).toEqual({ datasetId, done: 24, total: 24, finished: true });
    expect(progress.at(0)).toMatchObject({ done: 0, total: 24, finished: false });
    const report = await core.call('health/get', { datasetId });
    expect(report.measuring).toBeNull();
    expect(report.checked).toBe(24);
    const paths = (type: string) => report.issues.filter((i) => i.type === type).map((i) => i.path);
    expect(paths('blurry')).toEqual(['cats/blurry.jpg']);
    expect(paths('dark')).toEqual(['dogs/dark.jpg']);
    expect(paths('odd-aspect-ratio')).toEqual(['dogs/strip.jpg']);
    expect(paths('near-duplicate').sort()).toEqual([0, 1, 2, 3, 4].map((i) => `cats/burst${i}.jpg`));
    expect(report.summary).toMatchObject({ blurry: 1, dark: 1, 'odd-aspect-ratio': 1, 'near-duplicate': 1, outlier: 0 });
  }, 120_000);

  it('a rescan that finds nothing new starts no health job', async () => {
    const start = vi.spyOn(core.jobs, 'start');
    try {
      expect((await core.call('datasets/rescan', { datasetId })).unchanged).toBe(24);
      expect(start.mock.calls.map((c) => c[0])).not.toContain('health');
    } finally {
      start.mockRestore();
    }
  }, 120_000);

  it('health/check measures pictures nobody measured (imported before the checks) in a job process (needs npm run build)', async () => {
    core.workspace.db.prepare('DELETE FROM image_health').run();
    expect((await core.call('health/get', { datasetId })).checked).toBe(0);
    const report = await core.call('health/check', { datasetId });
    expect(report.checked).toBe(24);
    expect(report.summary).toMatchObject({ blurry: 1, dark: 1, 'near-duplicate': 1 });
  }, 120_000);

  it('measuring saves as it goes and loses no picture measured while a save happens', async () => {
    core.workspace.db.prepare('DELETE FROM image_health').run();
    const result = await measureDataset(core.workspace, datasetId, { saveEvery: 3 });
    expect(result).toMatchObject({ measured: 24, failed: 0 });
    expect(unmeasured(core.workspace.db, datasetId)).toEqual([]);
  }, 120_000);

  it('a changed threshold changes the report and is kept for the dataset', async () => {
    const strict = await core.call('health/setThresholds', { datasetId, thresholds: { blurry: 0.01 } });
    expect(strict.summary.blurry).toBeGreaterThan(10);
    expect((await core.call('health/get', { datasetId })).thresholds.blurry).toBe(0.01);
    const back = await core.call('health/setThresholds', { datasetId, thresholds: { blurry: 0.5 } });
    expect(back.summary.blurry).toBe(1);
  });

  it('compares all pairs in the health job, not in the core; the report reuses the result until the pictures or a pairwise threshold change', async () => {
    const start = vi.spyOn(core.jobs, 'start');
    try {
      await core.call('health/get', { datasetId });
      expect(pairwiseFresh(core.workspace.db, datasetId)).toBe(true);
      start.mockClear();
      expect((await core.call('health/get', { datasetId })).summary['near-duplicate']).toBe(1);
      // A relabel or a per-picture threshold changes nothing the pairwise checks read.
      const fingerprint = pairwiseFingerprint(core.workspace.db, datasetId);
      await core.call('health/setThresholds', { datasetId, thresholds: { blurry: 0.4 } });
      expect(pairwiseFingerprint(core.workspace.db, datasetId)).toBe(fingerprint);
      expect(start).not.toHaveBeenCalled();
      // Excluding a picture needs no new comparison: the pairs were compared over excluded ones too.
      const burst = (await core.call('health/get', { datasetId })).issues.filter((i) => i.type === 'near-duplicate');
      await core.call('health/exclude', { datasetId, imageIds: [burst[0]!.imageId], excluded: true });
      const fewer = (await core.call('health/get', { datasetId })).issues.filter((i) => i.type === 'near-duplicate');
      expect(fewer.map((i) => i.path).sort()).toEqual(burst.slice(1).map((i) => i.path).sort());
      await core.call('labels/undo', { datasetId });
      expect(start).not.toHaveBeenCalled();

      // Requiring identical pixels splits the burst: computed again, in the job.
      expect((await core.call('health/setThresholds', { datasetId, thresholds: { duplicateCorrelation: 1 } })).summary['near-duplicate']).toBe(0);
      expect(start).toHaveBeenCalledTimes(1);
      expect(start.mock.calls[0]!.slice(0, 2)).toEqual(['health', { datasetId, measure: false }]);
      expect((await core.call('health/setThresholds', { datasetId, thresholds: { duplicateCorrelation: 0.96, blurry: 0.5 } })).summary['near-duplicate']).toBe(1);
      expect(start).toHaveBeenCalledTimes(2);
    } finally {
      start.mockRestore();
    }
  }, 120_000);

  it('two reports asked at once share one health job', async () => {
    core.workspace.db.prepare('DELETE FROM health_pairwise').run();
    expect(pairwiseFresh(core.workspace.db, datasetId)).toBe(false);
    const start = vi.spyOn(core.jobs, 'start');
    try {
      const [a, b] = await Promise.all([core.call('health/get', { datasetId }), core.call('health/get', { datasetId })]);
      expect(start).toHaveBeenCalledTimes(1);
      expect(a.summary).toEqual(b.summary);
      expect(a.summary['near-duplicate']).toBe(1);
    } finally {
      start.mockRestore();
    }
  }, 120_000);

  it('excluding is an edit: the images leave the report and the dataset count, undo brings them back, redo again', async () => {
    const before = await core.call('datasets/get', { datasetId });
    const burstIds = (await core.call('health/get', { datasetId })).issues.filter((i) => i.type === 'near-duplicate').map((i) => i.imageId);
    const change = await core.call('health/exclude', { datasetId, imageIds: burstIds.slice(1), excluded: true });
    expect(change.changed).toBe(4);
    expect((await core.call('datasets/get', { datasetId })).images).toBe(before.images - 4);
    expect((await core.call('health/get', { datasetId })).summary['near-duplicate']).toBe(0);
    const undone = await core.call('labels/undo', { datasetId });
    expect(describeChange('undo', undone)).toBe('Undid excluding 4 images');
    expect((await core.call('datasets/get', { datasetId })).images).toBe(before.images);
    expect((await core.call('health/get', { datasetId })).summary['near-duplicate']).toBe(1);
    await core.call('labels/redo', { datasetId });
    expect((await core.call('datasets/get', { datasetId })).images).toBe(before.images - 4);
    await core.call('labels/undo', { datasetId });
  });

  it('"keep" hides a picture for that issue type only', async () => {
    const dark = (await core.call('health/get', { datasetId })).issues.find((i) => i.type === 'dark')!;
    await core.call('health/keep', { datasetId, imageIds: [dark.imageId], type: 'dark' });
    const after = await core.call('health/get', { datasetId });
    expect(after.summary.dark).toBe(0);
    expect(after.summary.blurry).toBe(1);
  });

  it('facet health --json prints issues [{ type, path, score, group }] and summary { TYPE: N }', async () => {
    const run = await facet('--json', 'health', String(datasetId));
    const json = run.json<{ issues: { type: string; path: string; score: number; group: number | null }[]; summary: Record<string, number> }>();
    expect(json.summary).toMatchObject({ blurry: 1, 'near-duplicate': 1, dark: 0 });
    const blurry = json.issues.find((i) => i.type === 'blurry')!;
    expect(blurry).toMatchObject({ path: 'cats/blurry.jpg', group: null });
    expect(blurry.score).toBeGreaterThan(0);
    expect(json.issues.filter((i) => i.type === 'near-duplicate').every((i) => i.group === 1)).toBe(true);
  });

  it('facet health refuses an unknown threshold name with the names it knows', async () => {
    await expect(facet('health', String(datasetId), '--threshold', 'fuzzy=2')).rejects.toThrow(/NAME one of blurry, dark/);
    const text = await facet('health', String(datasetId), '--type', 'blurry');
    expect(text.stdout).toContain('cats/blurry.jpg');
    expect(text.stdout).toContain('1 blurry');
  });

  it('while the pictures are compared again (new embeddings), health/get answers at once with the last comparison and says so', async () => {
    const db = core.workspace.db;
    await core.call('health/get', { datasetId });
    const before = await core.call('health/get', { datasetId });
    expect(before.measuring).toBeNull();
    const hashes = (db.prepare('SELECT hash FROM images WHERE dataset_id = ?').all(datasetId) as { hash: string }[]).map((r) => r.hash);
    saveEmbeddings(db, 'mobilenet', hashes.map((hash, i) => ({ hash, vector: Float32Array.from({ length: 16 }, (_, d) => Math.sin(i * 7 + d)) })));
    expect(pairwiseFresh(db, datasetId)).toBe(false);
    const events: HealthProgress[] = [];
    const finished = new Promise<void>((resolve) =>
      core.events.on('health/progress', (p) => {
        events.push(p);
        if (p.finished) resolve();
      }),
    );
    core.health.measureInBackground(datasetId);
    const during = await core.call('health/get', { datasetId });
    expect(during.measuring).toMatchObject({ datasetId, finished: false, phase: 'comparing' });
    expect(during.summary['near-duplicate']).toBe(before.summary['near-duplicate']);
    await finished;
    expect(events.some((e) => e.phase === 'comparing' && !e.finished)).toBe(true);
    expect(events.some((e) => e.phase === 'measuring')).toBe(false);
    const after = await core.call('health/get', { datasetId });
    expect(after.measuring).toBeNull();
    expect(after.embeddings).toBeTruthy();
    expect(pairwiseFresh(db, datasetId)).toBe(true);
  }, 120_000);
});
