// The Train view at 1024×700: the warning before a run on a dataset without validation or test
// images, Start bringing the live run panel into view, the live facts (best val accuracy, time)
// following the epochs, a run without test images marked in the Runs list, and the header naming
// the evaluated run's dataset. The live panel shows one phase at a time, and the run's elapsed time
// ticks between epochs and stops when the run does.
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

/** "12 s", "3 min 05 s", "1 h 02 min" → seconds. */
function seconds(text: string): number {
  const h = /(\d+) h (\d+) min/.exec(text);
  if (h) return Number(h[1]) * 3600 + Number(h[2]) * 60;
  const m = /(\d+) min (\d+) s/.exec(text);
  if (m) return Number(m[1]) * 60 + Number(m[2]);
  return Number(/(\d+) s/.exec(text)![1]);
}
const elapsedShown = async () => seconds(await s.page.locator('[data-test=run-elapsed] strong').innerText());

async function smallRun(): Promise<void> {
  await s.page.fill('[data-test=hp-imageSize]', '32');
  await s.page.fill('[data-test=hp-epochs]', '3');
  await s.page.fill('[data-test=hp-filters]', '4 8');
  await s.page.fill('[data-test=hp-denseUnits]', '8');
}

// Timeouts only catch hangs: a first run's engine start takes over a minute on a busy 2-core machine.
describe('the Train view', () => {
  it('warns before a run on a dataset without validation or test images, and marks the run', async () => {
    await openTrain('tiny');
    const warning = s.page.locator('[data-test=split-warning]');
    await warning.waitFor();
    expect(await warning.innerText()).toMatch(/No validation and no test images/);
    await screenshot(s.page, 'train-1024-split-warning');
    await smallRun();
    await s.page.click('[data-test=start-run]');
    await expect.poll(async () => (await s.core.call('runs/list', { datasetId: tinyId }))[0]?.status, { timeout: 170_000 }).toBe('completed');
    await s.page.click('[data-test=tab-runs]');
    const caveat = s.page.locator('[data-test=run-row] [data-test=run-caveat]').first();
    await caveat.waitFor();
    expect(await caveat.getAttribute('title')).toMatch(/no test images/);
    await screenshot(s.page, 'train-1024-runs-caveat');
  }, 240_000);

  it('brings the live run into view on Start and keeps its facts current', async () => {
    await openTrain('demo faces');
    expect(await s.page.locator('[data-test=split-warning]').count()).toBe(0);
    await smallRun();
    // Every line the live panel shows, from Start to the end.
    await s.page.evaluate(() => {
      const seen: string[] = ((window as unknown as { phaseLines: string[] }).phaseLines = []);
      new MutationObserver(() => {
        const el = document.querySelector('[data-test=train-phase-line]');
        const line = el ? [...el.children].map((c) => c.textContent?.trim()).filter(Boolean).join(' ') : '';
        if (line && line !== seen.at(-1)) seen.push(line);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await s.page.click('[data-test=start-run]');
    const heading = s.page.locator('[data-test=live-heading]');
    await expect.poll(() => heading.evaluate((el) => document.activeElement === el)).toBe(true);
    await expect
      .poll(() => heading.evaluate((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }))
      .toBe(true);
    await screenshot(s.page, 'train-1024-after-start');
    // After the first epoch the best val accuracy is a percentage, not "—".
    const facts = s.page.locator('[data-test=watched-run] .facts');
    await expect.poll(async () => /best val accuracy \d/.test(await facts.innerText()), { timeout: 170_000 }).toBe(true);
    await expect.poll(async () => (await s.core.call('runs/list', { datasetId: demoId }))[0]?.status, { timeout: 170_000 }).toBe('completed');
    const run = (await s.core.call('runs/list', { datasetId: demoId }))[0]!;
    // One phase at a time: preparing lines carry no epoch or batch, training lines no decoding.
    const lines = await s.page.evaluate(() => (window as unknown as { phaseLines: string[] }).phaseLines);
    expect(lines.some((l) => l.startsWith('Training epoch')), lines.join(' | ')).toBe(true);
    for (const line of lines) {
      expect(line).not.toMatch(/(Decoding|cache|Building|Starting).*(epoch|batch)/);
      expect(line).not.toMatch(/(Training|Validating).*(Decoding|images into)/);
    }
    // Ended: the elapsed time stays, next to the time spent in epochs.
    await s.page.locator('[data-test=run-trained]').waitFor();
    expect(run.name).toMatch(/^demo faces #1 · /);
    // The header follows the evaluated run's dataset, whichever dataset is selected.
    await s.page.locator('[data-test=dataset-list] button', { hasText: 'tiny' }).click().catch(() => undefined);
    await s.page.click('[data-test=tab-datasets]');
    await s.page.locator('[data-test=dataset-list] button', { hasText: 'tiny' }).click();
    await s.page.click('[data-test=tab-runs]');
    await s.page.locator(`[data-test=run-row][data-run-id="${run.id}"] [data-test=run-evaluate]`).click();
    await expect.poll(() => s.page.locator('[data-test=header-dataset]').innerText()).toBe('demo faces');
    await screenshot(s.page, 'train-1024-evaluate-header');
  }, 400_000);

  // Last: the page's clock is Playwright's from here on.
  it('ticks the elapsed time between epochs and stops it when the run ends', async () => {
    await openTrain('demo faces');
    await s.page.clock.install({ time: Date.now() });
    await s.page.fill('[data-test=hp-imageSize]', '64');
    await s.page.fill('[data-test=hp-epochs]', '1000');
    await s.page.fill('[data-test=hp-filters]', '8 16');
    await s.page.fill('[data-test=hp-denseUnits]', '8');
    await s.page.click('[data-test=start-run]');
    await s.page.locator('[data-test=cancel-run]').waitFor();
    await s.page.locator('[data-test=run-elapsed]').waitFor();
    expect(await s.page.locator('[data-test=run-trained]').count()).toBe(0);
    // 70 seconds later by the page's clock: the run says so, whatever its epochs have recorded.
    await s.page.clock.fastForward('01:10');
    await expect.poll(elapsedShown).toBeGreaterThanOrEqual(70);
    const live = (await s.core.call('runs/list', { datasetId: demoId })).at(-1)!;
    expect(['queued', 'running']).toContain(live.status);
    expect(live.trainSeconds).toBeLessThan(70);
    await screenshot(s.page, 'train-1024-elapsed-live');

    await s.page.click('[data-test=cancel-run]');
    await s.page.waitForFunction(() => document.querySelector('[data-test=run-status]')?.textContent === 'cancelled', undefined, { timeout: 60_000 });
    await s.page.locator('[data-test=run-trained]').waitFor();
    const stopped = await elapsedShown();
    const row = (await s.core.call('runs/list', { datasetId: demoId })).at(-1)!;
    expect(stopped).toBe(Math.round((Date.parse(row.finishedAt!) - Date.parse(row.startedAt!)) / 1000));
    await s.page.clock.fastForward('05:00');
    await s.page.waitForTimeout(200);
    expect(await elapsedShown()).toBe(stopped);
    await screenshot(s.page, 'train-1024-elapsed-stopped');
  });
});
