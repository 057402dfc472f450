// The Train view at 1024×700: the warning before a run on a dataset without validation or test
// images, Start bringing the live run panel into view, the live facts (best val accuracy, time)
// following the epochs, a run without test images marked in the Runs list, and the header naming
// the evaluated run's dataset.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../src/main/core/demo/generate.js';
import { writeClassFolders } from '../main/core/datasets/helpers.js';
import { openSession, screenshot, tempDir, type Session } from './harness.js';

let s: Session;
let demoId: number;
let tinyId: number;

beforeAll(async () => {
  const dir = tempDir('facet-e2e-train-');
  await generateDemo({ out: path.join(dir, 'faces'), count: 45, size: 48 });
  await writeClassFolders(path.join(dir, 'tiny'), { a: 2, b: 2 });
  s = await openSession(dir, { width: 1024, height: 700 });
  demoId = (await s.core.call('datasets/import', { folder: path.join(dir, 'faces'), name: 'demo faces', groupBy: '^(id\\d+)_' })).datasetId;
  tinyId = (await s.core.call('datasets/import', { folder: path.join(dir, 'tiny'), name: 'tiny' })).datasetId;
});
afterAll(async () => {
  await s?.close();
});

async function openTrain(datasetName: string): Promise<void> {
  await s.page.goto(s.server.url);
  await s.page.reload();
  await s.page.locator('[data-test=dataset-list] button', { hasText: datasetName }).click();
  await s.page.click('[data-test=tab-train]');
  await s.page.locator('[data-test=train-data]').waitFor();
}

async function smallRun(): Promise<void> {
  await s.page.fill('[data-test=hp-imageSize]', '32');
  await s.page.fill('[data-test=hp-epochs]', '3');
  await s.page.fill('[data-test=hp-filters]', '4 8');
  await s.page.fill('[data-test=hp-denseUnits]', '8');
}

describe('the Train view', () => {
  it('warns before a run on a dataset without validation or test images, and marks the run', async () => {
    await openTrain('tiny');
    const warning = s.page.locator('[data-test=split-warning]');
    await warning.waitFor();
    expect(await warning.innerText()).toMatch(/No validation and no test images/);
    await screenshot(s.page, 'train-1024-split-warning');
    await smallRun();
    await s.page.click('[data-test=start-run]');
    await expect.poll(async () => (await s.core.call('runs/list', { datasetId: tinyId }))[0]?.status, { timeout: 60_000 }).toBe('completed');
    await s.page.click('[data-test=tab-runs]');
    const caveat = s.page.locator('[data-test=run-row] [data-test=run-caveat]').first();
    await caveat.waitFor();
    expect(await caveat.getAttribute('title')).toMatch(/no test images/);
    await screenshot(s.page, 'train-1024-runs-caveat');
  });

  it('brings the live run into view on Start and keeps its facts current', async () => {
    await openTrain('demo faces');
    expect(await s.page.locator('[data-test=split-warning]').count()).toBe(0);
    await smallRun();
    await s.page.click('[data-test=start-run]');
    const heading = s.page.locator('[data-test=live-heading]');
    await expect.poll(() => heading.evaluate((el) => document.activeElement === el)).toBe(true);
    await expect
      .poll(() => heading.evaluate((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }))
      .toBe(true);
    await screenshot(s.page, 'train-1024-after-start');
    // After the first epoch the best val accuracy is a percentage, not "—".
    const facts = s.page.locator('[data-test=watched-run] .facts');
    await expect.poll(async () => /best val accuracy \d/.test(await facts.innerText()), { timeout: 90_000 }).toBe(true);
    await expect.poll(async () => (await s.core.call('runs/list', { datasetId: demoId }))[0]?.status, { timeout: 90_000 }).toBe('completed');
    const run = (await s.core.call('runs/list', { datasetId: demoId }))[0]!;
    expect(run.name).toMatch(/^demo faces #1 · /);
    // The header follows the evaluated run's dataset, whichever dataset is selected.
    await s.page.locator('[data-test=dataset-list] button', { hasText: 'tiny' }).click().catch(() => undefined);
    await s.page.click('[data-test=tab-datasets]');
    await s.page.locator('[data-test=dataset-list] button', { hasText: 'tiny' }).click();
    await s.page.click('[data-test=tab-runs]');
    await s.page.locator(`[data-test=run-row][data-run-id="${run.id}"] [data-test=run-evaluate]`).click();
    await expect.poll(() => s.page.locator('[data-test=header-dataset]').innerText()).toBe('demo faces');
    await screenshot(s.page, 'train-1024-evaluate-header');
  });
});
