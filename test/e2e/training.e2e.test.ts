// Training, runs and evaluation in Chromium against the browser-mode server, on a small demo
// workspace: start a run and watch its curves grow, leave and come back, cancel another, compare
// two, open a confusion-matrix cell in the labeller, relabel from the misclassified gallery
// (checked in facet.db), model columns in the labeller, and predict.
import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../src/main/core/demo/generate.js';
import { runDir } from '../../src/main/core/training/checkpoint.js';
import { openSession, screenshot, tempDir, type Session } from './harness.js';
import { expectReadableDarkTheme } from './contrast.js';
import { focusRings } from './focus.js';

let s: Session;
let dataRoot: string;
let datasetId: number;

function db<T>(fn: (d: BetterSqlite3.Database) => T): T {
  const d = new BetterSqlite3(path.join(s.dir, 'workspace', 'facet.db'), { readonly: true });
  try {
    return fn(d);
  } finally {
    d.close();
  }
}

const runRow = (id: number) => db((d) => d.prepare('SELECT id, name, status FROM runs WHERE id = ?').get(id) as { id: number; name: string; status: string } | undefined);
const latestRunId = () => db((d) => (d.prepare('SELECT MAX(id) AS id FROM runs').get() as { id: number }).id);
const classOf = (imageId: number) => db((d) => (d.prepare('SELECT c.name FROM images i JOIN classes c ON c.id = i.class_id WHERE i.id = ?').get(imageId) as { name: string }).name);

async function fillSmallRun(name: string, extra: Record<string, string> = {}): Promise<void> {
  const values: Record<string, string> = { imageSize: '32', epochs: '2', filters: '4, 8', denseUnits: '16', batchSize: '16', ...extra };
  for (const [field, value] of Object.entries(values)) await s.page.fill(`[data-test=hp-${field}]`, value);
  await s.page.fill('[data-test=run-name]', name);
}

const chartPoints = (chart: string) => s.page.locator(`[data-test=${chart}] [data-test=chart]`).getAttribute('data-points').then(Number);

beforeAll(async () => {
  const dir = tempDir('facet-e2e-train-');
  dataRoot = path.join(dir, 'faces');
  await generateDemo({ out: dataRoot, count: 150, size: 64 });
  s = await openSession(dir, { width: 1360, height: 900 });
  const summary = await s.core.call('datasets/import', { folder: dataRoot, name: 'demo faces', groupBy: '^(id\\d+)_' });
  datasetId = summary.datasetId;
});

afterAll(async () => {
  await s?.close();
});

describe('training, runs and evaluation in the browser', () => {
  it('shows the hyperparameter form with the seed defaults, presets and the schema\'s messages', async () => {
    await s.page.goto(s.server.url);
    await s.page.click('[data-test=tab-train]');
    await s.page.locator('[data-test=hp-form]').waitFor();
    expect(await s.page.inputValue('[data-test=hp-imageSize]')).toBe('256');
    expect(await s.page.inputValue('[data-test=hp-epochs]')).toBe('50');
    expect(await s.page.inputValue('[data-test=hp-filters]')).toBe('16, 32, 64');
    expect(await s.page.locator('[data-test=train-data]').innerText()).toMatch(/camera[\s\S]*phone[\s\S]*social/);
    await screenshot(s.page, '20-train-form');
    // The image-size field says how long the run takes here (a measured calibration in the core).
    // (48 px: a calibration at the default 256 px takes minutes on a busy machine.)
    await s.page.fill('[data-test=hp-imageSize]', '48');
    const note = s.page.locator('[data-test=hp-note][data-field=imageSize]', { hasText: /Training: ~.* at 48 px on this machine/ });
    await note.waitFor({ timeout: 100_000 });
    await screenshot(s.page, '20b-train-form-estimate');
    await s.page.fill('[data-test=hp-imageSize]', '256');

    await s.page.fill('[data-test=hp-imageSize]', '8');
    const error = s.page.locator('[data-test=hp-error][data-field=imageSize]');
    expect(await error.innerText()).toContain('at least 16');
    expect(await s.page.isDisabled('[data-test=start-run]')).toBe(true);
    await s.page.fill('[data-test=hp-imageSize]', '20');
    expect(await error.innerText()).toMatch(/too small for 3 conv blocks: use at least 22/);
    await screenshot(s.page, '21-train-form-invalid');

    // The face-embedding preset reads face descriptors: pixel settings are shown unused, and with no
    // face analysis yet it says so and will not start.
    await s.page.selectOption('[data-test=hp-choice]', 'faces');
    expect(await s.page.inputValue('[data-test=hp-preset]')).toBe('face-embedding');
    for (const field of ['imageSize', 'colorMode', 'filters', 'cropToFace-enabled']) expect(await s.page.isDisabled(`[data-test=hp-${field}]`)).toBe(true);
    expect(await s.page.locator('[data-test=hp-group-unused]').innerText()).toMatch(/Not used by face-embedding/);
    expect(await s.page.locator('[data-test=hp-augmentation-flip]').count()).toBe(0);
    expect(await s.page.isDisabled('[data-test=hp-denseUnits]')).toBe(false);
    await s.page.locator('[data-test=faces-needed]', { hasText: /of \d+ images have no face analysis yet/ }).waitFor();
    expect(await s.page.isDisabled('[data-test=start-run]')).toBe(true);
    await screenshot(s.page, '21b-train-form-face-embedding');
    // The core refuses too, naming what to do, before any run exists.
    await expect(s.core.call('runs/start', { datasetId, hyperparameters: { preset: 'face-embedding' } })).rejects.toMatchObject({ code: 'conflict', field: 'preset', hint: expect.stringMatching(/Analyse the faces first/) });
    expect(await s.core.call('runs/list', { datasetId })).toEqual([]);

    await s.page.selectOption('[data-test=hp-choice]', 'quick');
    expect(await s.page.inputValue('[data-test=hp-imageSize]')).toBe('64');
    expect(await s.page.inputValue('[data-test=hp-epochs]')).toBe('12');
    expect(await s.page.locator('[data-test=hp-error]').count()).toBe(0);
    expect(await s.page.locator('[data-test=faces-needed]').count()).toBe(0);
  });

  it('starts a short run and the charts gain a point per epoch until it completes', async () => {
    await fillSmallRun('small A');
    await s.page.click('[data-test=start-run]');
    await s.page.waitForFunction(() => document.querySelector('[data-test=run-status]')?.textContent?.match(/starting|training|completed/));
    const runId = latestRunId();
    await s.page.waitForFunction(() => Number(document.querySelector('[data-test=loss-chart] [data-test=chart]')?.getAttribute('data-points')) >= 1, undefined, { timeout: 90_000 });
    await s.page.waitForFunction(() => document.querySelector('[data-test=run-status]')?.textContent === 'completed', undefined, { timeout: 90_000 });
    expect(await chartPoints('loss-chart')).toBe(2);
    expect(await chartPoints('accuracy-chart')).toBe(2);
    expect(await s.page.locator('[data-test=backend]').innerText()).toMatch(/Engine: (Native TensorFlow|CPU fallback)/);
    expect(runRow(runId)?.status).toBe('completed');
    await screenshot(s.page, '22-train-completed');
  });

  it('keeps training while the view is closed, reloads the curves when it reopens, and cancels', async () => {
    await s.page.selectOption('[data-test=hp-choice]', 'quick');
    await fillSmallRun('long one', { imageSize: '64', epochs: '1000', filters: '16, 32', batchSize: '8' });
    await s.page.click('[data-test=start-run]');
    await s.page.locator('[data-test=cancel-run]').waitFor();
    const runId = latestRunId();
    await s.page.waitForFunction(() => Number(document.querySelector('[data-test=loss-chart] [data-test=chart]')?.getAttribute('data-points')) >= 1, undefined, { timeout: 90_000 });
    await s.page.click('[data-test=tab-runs]');
    await s.page.locator(`[data-test=run-row][data-run-id="${runId}"][data-status=running]`).waitFor();
    await new Promise((r) => setTimeout(r, 1500));
    await s.page.click('[data-test=tab-train]');
    await s.page.locator('[data-test=cancel-run]').waitFor();
    // Reopened: the curves come back from SQLite (at least what was stored while away) and keep growing.
    const atReopen = db((d) => (d.prepare('SELECT COUNT(*) AS n FROM epoch_metrics WHERE run_id = ?').get(runId) as { n: number }).n);
    await s.page.waitForFunction((n) => Number(document.querySelector('[data-test=loss-chart] [data-test=chart]')?.getAttribute('data-points')) >= n, atReopen);
    await s.page.waitForFunction((n) => Number(document.querySelector('[data-test=loss-chart] [data-test=chart]')?.getAttribute('data-points')) > n, atReopen, { timeout: 60_000 });
    await s.page.locator('[data-test=train-progress] [data-test=train-position]').waitFor();
    expect(await s.page.locator('[data-test=train-progress]').innerText()).toMatch(/epoch \d+ \/ 1000/);
    await screenshot(s.page, '23-train-live');
    await s.page.click('[data-test=cancel-run]');
    await s.page.waitForFunction(() => document.querySelector('[data-test=run-status]')?.textContent === 'cancelled', undefined, { timeout: 30_000 });
    expect(runRow(runId)?.status).toBe('cancelled');
  });

  it('compares two runs: overlaid curves, differing hyperparameters, metrics and label changes', async () => {
    // Relabel two images between the runs, so their snapshots differ by exactly those.
    const classes = await s.core.call('classes/list', { datasetId });
    const phone = classes.find((c) => c.name === 'phone')!;
    const two = await s.core.call('images/list', { datasetId, classId: classes.find((c) => c.name === 'camera')!.id, limit: 2 });
    await s.core.call('labels/set', { datasetId, imageIds: two.items.map((i) => i.id), classId: phone.id });

    await s.page.selectOption('[data-test=hp-choice]', 'quick');
    await fillSmallRun('small B', { learningRate: '0.003' });
    await s.page.click('[data-test=start-run]');
    await s.page.waitForFunction(() => document.querySelector('[data-test=run-status]')?.textContent === 'completed', undefined, { timeout: 90_000 });

    await s.page.click('[data-test=tab-runs]');
    const rowOf = (name: string) => s.page.locator('[data-test=run-row]', { has: s.page.locator('[data-test=run-name-cell]', { hasText: new RegExp(`^${name}$`) }) });
    await rowOf('small A').locator('[data-test=run-select]').check();
    await rowOf('small B').locator('[data-test=run-select]').check();
    await s.page.click('[data-test=compare-runs]');
    const cmp = s.page.locator('[data-test=comparison]');
    await cmp.waitFor();
    expect(await cmp.locator('[data-test=chart]').first().getAttribute('data-points')).toBe('2');
    expect(await s.page.locator('[data-test=compare-hp] tr[data-field=learningRate]').getAttribute('data-differs')).toBe('true');
    expect(await s.page.locator('[data-test=compare-hp] tr[data-field=imageSize]').getAttribute('data-differs')).toBe('false');
    expect(await s.page.locator('[data-test=label-changed]').innerText()).toBe('2 images changed class');
    await s.page.locator('[data-test=compare-metrics]').scrollIntoViewIfNeeded();
    await screenshot(s.page, '24-runs-compare');
    await s.page.locator('[data-test=runs-table]').scrollIntoViewIfNeeded();
  });

  it('renames a run and deletes the cancelled one with its files, after confirmation', async () => {
    const cancelled = db((d) => d.prepare(`SELECT id FROM runs WHERE status = 'cancelled'`).get() as { id: number });
    const row = s.page.locator(`[data-test=run-row][data-run-id="${cancelled.id}"]`);
    await row.locator('[data-test=run-rename]').click();
    await s.page.fill('[data-test=run-name-input]', 'stopped early');
    await s.page.click('[data-test=confirm]');
    await row.locator('[data-test=run-name-cell]', { hasText: 'stopped early' }).waitFor();
    expect(runRow(cancelled.id)?.name).toBe('stopped early');

    expect(fs.existsSync(runDir(path.join(s.dir, 'workspace'), cancelled.id))).toBe(true);
    await row.locator('[data-test=run-delete]').click();
    expect(await s.page.locator('[role=dialog]').innerText()).toContain('Delete “stopped early”?');
    await screenshot(s.page, '25-runs-delete-confirm');
    await s.page.click('[data-test=confirm]');
    await row.waitFor({ state: 'detached' });
    expect(runRow(cancelled.id)).toBeUndefined();
    expect(fs.existsSync(runDir(path.join(s.dir, 'workspace'), cancelled.id))).toBe(false);
    await screenshot(s.page, '26-runs-table');
  });

  it('evaluates a run and a confusion-matrix cell opens exactly its images in the labeller', async () => {
    const runId = db((d) => (d.prepare(`SELECT id FROM runs WHERE name = 'small A'`).get() as { id: number }).id);
    await s.page.locator(`[data-test=run-row][data-run-id="${runId}"] [data-test=run-evaluate]`).click();
    await s.page.locator('[data-test=confusion]').waitFor();
    await s.page.locator('[data-test=mistake] img, [data-test=mistakes]').first().waitFor().catch(() => undefined);
    await screenshot(s.page, '27-evaluation');

    // An off-diagonal cell if the model made mistakes, else the biggest cell.
    const cells = await s.page.locator('[data-test=confusion-cell]').evaluateAll((els) =>
      els.map((e) => ({ t: e.getAttribute('data-true')!, p: e.getAttribute('data-predicted')!, n: Number(e.getAttribute('data-count')) })),
    );
    const pick = cells.filter((c) => c.n > 0 && c.t !== c.p).sort((a, b) => b.n - a.n)[0] ?? cells.sort((a, b) => b.n - a.n)[0]!;
    const expected = db((d) =>
      (
        d
          .prepare(
            `SELECT p.image_id AS id FROM predictions p JOIN evaluations e ON e.id = p.evaluation_id JOIN runs r ON r.id = e.run_id
             JOIN snapshot_classes tc ON tc.snapshot_id = r.snapshot_id AND tc.class_index = p.label_index
             JOIN snapshot_classes pc ON pc.snapshot_id = r.snapshot_id AND pc.class_index = p.predicted_index
             WHERE r.id = ? AND e.split = 'test' AND tc.name = ? AND pc.name = ?`,
          )
          .all(runId, pick.t, pick.p) as { id: number }[]
      ).map((r) => r.id),
    );
    expect(expected.length).toBe(pick.n);
    await s.page.click(`[data-test=confusion-cell][data-true="${pick.t}"][data-predicted="${pick.p}"]`);
    await s.page.locator('[data-test=cell-filter]').waitFor();
    await s.page.waitForFunction((n) => Number(document.querySelector('[data-test=grid]')?.getAttribute('data-total')) === n, pick.n);
    const shown = await s.page.locator('[data-test=cell]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-image-id'))));
    expect(shown.sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
    expect(await s.page.locator('[data-test=cell-prediction]').evaluateAll((els) => els.map((e) => e.getAttribute('data-predicted')))).toEqual(shown.map(() => pick.p));
    await s.page.waitForFunction(() => [...document.querySelectorAll('[data-test=cell] img')].every((i) => (i as HTMLImageElement).complete));
    await screenshot(s.page, '28-labeller-confusion-cell');
  });

  it('relabels from the misclassified gallery with a number key, committed to the dataset, not the snapshot', async () => {
    await s.page.click('[data-test=tab-evaluate]');
    const first = s.page.locator('[data-test=mistake]').first();
    await first.waitFor();
    const imageId = Number(await first.getAttribute('data-image-id'));
    const current = await first.getAttribute('data-current');
    const sidebar = ['camera', 'phone', 'social'];
    const key = sidebar.findIndex((c) => c !== current) + 1;
    const target = sidebar[key - 1]!;
    const snapshotBefore = db((d) => d.prepare('SELECT class_index FROM snapshot_items WHERE image_id = ? ORDER BY snapshot_id').all(imageId));
    await first.click();
    await s.page.keyboard.press(String(key));
    await s.page.waitForFunction(([id, c]) => document.querySelector(`[data-test=mistake][data-image-id="${id}"]`)?.getAttribute('data-current') === c, [imageId, target] as const);
    expect(classOf(imageId)).toBe(target);
    expect(db((d) => d.prepare('SELECT class_index FROM snapshot_items WHERE image_id = ? ORDER BY snapshot_id').all(imageId))).toEqual(snapshotBefore);
    const history = db((d) => d.prepare(`SELECT COUNT(*) AS n FROM label_history WHERE image_id = ?`).get(imageId) as { n: number } | undefined);
    expect(history?.n ?? 0).toBeGreaterThan(0);
    await screenshot(s.page, '29-evaluation-relabelled');
  });

  it('shows one focus ring on Evaluate: the gallery\'s current image is the focused one, or only outlined', async () => {
    const mistakes = s.page.locator('[data-test=mistake]');
    expect(await mistakes.count()).toBeGreaterThanOrEqual(2);
    // Clicked, then moved by the keyboard: the ring moves with the current image.
    await mistakes.nth(0).click();
    await s.page.keyboard.press('ArrowRight');
    await expect.poll(() => focusRings(s.page)).toEqual([expect.stringMatching(/^mistake: /)]);
    expect(await s.page.evaluate(() => document.activeElement?.getAttribute('data-index'))).toBe('1');
    await screenshot(s.page, '29b-evaluation-one-focus-ring');
    // The focus on the run chooser: its ring alone; the gallery's current image keeps only its border.
    await s.page.locator('[data-test=eval-run]').focus();
    await s.page.keyboard.press('Shift');
    expect(await focusRings(s.page)).toEqual([expect.stringMatching(/^eval-run/)]);
    expect(await s.page.locator('[data-test=mistake][aria-current=true]').getAttribute('data-index')).toBe('1');
    await screenshot(s.page, '29c-evaluation-focus-elsewhere');
  });

  it('shows model columns in the labeller: predictions on test images, prediction ≠ label, sort by confidence', async () => {
    const runId = db((d) => (d.prepare(`SELECT id FROM runs WHERE name = 'small A'`).get() as { id: number }).id);
    await s.page.click('[data-test=tab-labeller]');
    await s.page.locator('[data-test=clear-cell]').click();
    await s.page.locator('[data-test=model-note]', { hasText: 'exist only for the' }).waitFor();
    await s.page.selectOption('[data-test=sort]', 'confidence');
    await s.page.waitForFunction(() => document.querySelector('[data-test=cell][data-index="0"] [data-test=cell-prediction]') !== null);
    await s.page.waitForFunction(() => [...document.querySelectorAll('[data-test=cell] img')].slice(0, 12).every((i) => (i as HTMLImageElement).complete));
    await screenshot(s.page, '30-labeller-model-columns');
    // The preview says what the run predicts for the image in view, with its confidence.
    const predicted = await s.page.locator('[data-test=cell][data-index="0"] [data-test=cell-prediction]').getAttribute('data-predicted');
    await s.page.locator('[data-test=cell][data-index="0"]').click();
    await s.page.keyboard.press('Space');
    const says = s.page.locator('[data-test=preview-prediction]');
    await says.waitFor();
    expect(await says.innerText()).toMatch(new RegExp(`^predicts ${predicted} · \\d+% confident \\(“small A”\\)`));
    await screenshot(s.page, '30b-preview-prediction');
    await s.page.keyboard.press('Escape');
    await says.waitFor({ state: 'detached' });

    await s.page.check('[data-test=filter-disagree]');
    const expected = db((d) =>
      (
        d
          .prepare(
            `SELECT COUNT(*) AS n FROM predictions p JOIN evaluations e ON e.id = p.evaluation_id JOIN runs r ON r.id = e.run_id
             JOIN snapshot_classes pc ON pc.snapshot_id = r.snapshot_id AND pc.class_index = p.predicted_index
             JOIN images i ON i.id = p.image_id JOIN classes c ON c.id = i.class_id
             WHERE r.id = ? AND e.split = 'test' AND c.name <> pc.name`,
          )
          .get(runId) as { n: number }
      ).n,
    );
    await s.page.waitForFunction((n) => Number(document.querySelector('[data-test=grid]')?.getAttribute('data-total')) === n, expected);
    const mismatched = await s.page.locator('[data-test=cell]').evaluateAll((els) =>
      els.every((e) => e.getAttribute('data-class') !== e.querySelector('[data-test=cell-prediction]')?.getAttribute('data-predicted')),
    );
    expect(mismatched).toBe(true);
    await s.page.uncheck('[data-test=filter-disagree]');
  });

  it('predicts images from paths typed in the browser, with a confidence bar per class', async () => {
    await s.page.click('[data-test=tab-predict]');
    const files = fs.readdirSync(path.join(dataRoot, 'social')).filter((f) => f.endsWith('.jpg') || f.endsWith('.png')).slice(0, 2);
    await s.page.fill('[data-test=predict-paths]', [...files.map((f) => path.join(dataRoot, 'social', f)), path.join(dataRoot, 'nope.jpg')].join('\n'));
    await s.page.click('[data-test=predict-button]');
    await s.page.locator('[data-test=prediction]').first().waitFor({ timeout: 60_000 });
    expect(await s.page.locator('[data-test=prediction]').count()).toBe(2);
    expect(await s.page.locator('[data-test=prediction]').first().locator('.prob').count()).toBe(3);
    await screenshot(s.page, '31-predict');
  });

  it('is readable in the dark theme too: dark background, every text at WCAG AA contrast', async () => {
    await s.page.emulateMedia({ colorScheme: 'dark' });
    await s.page.click('[data-test=tab-evaluate]');
    await s.page.locator('[data-test=confusion]').waitFor();
    await expectReadableDarkTheme(s.page);
    await screenshot(s.page, '32-evaluation-dark');
    await s.page.click('[data-test=tab-train]');
    await s.page.locator('[data-test=hp-form]').waitFor();
    await new Promise((r) => setTimeout(r, 300));
    await expectReadableDarkTheme(s.page);
    await screenshot(s.page, '33-train-dark');
    await s.page.emulateMedia({ colorScheme: 'light' });
  });

  it('logged no errors in the page console', () => {
    expect(s.consoleErrors.filter((e) => !/409|Conflict/.test(e))).toEqual([]);
  });
});
