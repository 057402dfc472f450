// Export dialogs and face tools in Chromium against the browser-mode server: a short run exported
// to TensorFlow.js (Runs view) and ONNX (Evaluation view) with the files on disk and the check shown,
// the dataset exported as class folders + manifest.csv (refused into a non-empty folder until
// "Overwrite" is ticked), and a face analysis with its summary, the labeller's face filter and the
// boxes on the large preview (two of face-api's demo photos added to the demo set for several faces
// in one picture, and a landscape for a picture with none: at 64 px the detector finds some of the
// demo's faces and misses others, so neither bucket can rest on the demo alone).
import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../src/main/core/demo/generate.js';
import { openSession, screenshot, tempDir, type Session } from './harness.js';
import { expectReadableDarkTheme } from './contrast.js';

const require = createRequire(import.meta.url);
const FACE_API_DEMO = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');

let s: Session;
let dir: string;
let datasetId: number;
let runId: number;

beforeAll(async () => {
  dir = tempDir('facet-e2e-export-');
  const root = path.join(dir, 'faces');
  await generateDemo({ out: root, count: 30, size: 64 });
  // Real group photos (read from node_modules, copied only into this temp folder).
  fs.copyFileSync(path.join(FACE_API_DEMO, 'sample1.jpg'), path.join(root, 'social', 'group-photo-1.jpg'));
  fs.copyFileSync(path.join(FACE_API_DEMO, 'sample2.jpg'), path.join(root, 'phone', 'group-photo-2.jpg'));
  // A smaller, recompressed copy of the first photo: a face leak once the two sit in different splits.
  await sharp(path.join(FACE_API_DEMO, 'sample1.jpg')).resize(900).jpeg({ quality: 70 }).toFile(path.join(root, 'social', 'group-photo-1-small.jpg'));
  // No face at all: sky, hills and a field.
  const landscape = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#6fa8dc"/><stop offset="1" stop-color="#d9ecf7"/></linearGradient></defs>
    <rect width="320" height="240" fill="url(#sky)"/>
    <path d="M 0 150 Q 80 100 160 140 T 320 130 L 320 240 L 0 240 Z" fill="#5b7f3a"/>
    <path d="M 0 190 Q 120 170 320 185 L 320 240 L 0 240 Z" fill="#8fae4a"/></svg>`;
  await sharp(Buffer.from(landscape)).jpeg({ quality: 85 }).toFile(path.join(root, 'phone', 'landscape.jpg'));
  s = await openSession(dir, { width: 1360, height: 900 });
  datasetId = (await s.core.call('datasets/import', { folder: root, name: 'demo faces', groupBy: '^(id\\d+)_' })).datasetId;
  const run = await s.core.call('runs/start', {
    datasetId,
    name: 'tiny',
    hyperparameters: { imageSize: 32, epochs: 2, filters: [4, 8], denseUnits: 16, batchSize: 16 },
  });
  runId = run.id;
  const deadline = Date.now() + 90_000;
  for (;;) {
    const r = await s.core.call('runs/get', { runId });
    if (r.status === 'completed') {
      if (r.testAccuracy === null) throw new Error('the run has no test evaluation: the demo set is too small for a test split');
      break;
    }
    if (r.status === 'failed' || Date.now() > deadline) throw new Error(`the training run did not complete: ${r.status} ${r.error ?? ''}`);
    await new Promise((done) => setTimeout(done, 250));
  }
});

afterAll(async () => {
  await s?.close();
});

describe('export dialogs and face tools in the browser', () => {
  it('exports a run to TensorFlow.js from the Runs view: files on disk and the check shown', async () => {
    await s.page.goto(s.server.url);
    await s.page.click('[data-test=tab-runs]');
    await s.page.locator(`[data-test=run-row][data-run-id="${runId}"] [data-test=run-export]`).click();
    const dialog = s.page.locator('[data-test=run-export-dialog]');
    await dialog.waitFor();
    // The title names the run (the export job's `run` once shadowed the run prop in the template).
    expect(await s.page.getByRole('dialog').locator('h2').innerText()).toBe('Export “tiny”');
    const out = path.join(dir, 'exports', 'tiny-tfjs');
    await s.page.check('[data-test=export-format-tfjs]');
    await s.page.fill('[data-test=export-out]', out);
    await screenshot(s.page, '50-run-export-dialog');
    await s.page.click('[data-test=export-start]');
    await s.page.locator('[data-test=export-result]').waitFor({ timeout: 60_000 });
    const files = await s.page.locator('[data-test=export-files] li').allInnerTexts();
    expect(files).toEqual(expect.arrayContaining(['model.json', 'labels.json', 'preprocessing.json', 'MODEL_CARD.md']));
    for (const f of files) expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'labels.json'), 'utf8'))).toEqual(expect.arrayContaining(['camera', 'phone', 'social']));
    expect(await s.page.locator('[data-test=export-verdict]').innerText()).toMatch(/Verified: max \|Δp\| .+ on \d+ images? of the run, same class on all/);
    await screenshot(s.page, '51-run-export-tfjs-done');
    await s.page.click('[data-test=export-close]');
    await dialog.waitFor({ state: 'detached' });
  });

  it('exports the same run to ONNX from the Evaluation view and shows the onnxruntime comparison', async () => {
    await s.page.locator(`[data-test=run-row][data-run-id="${runId}"] [data-test=run-evaluate]`).click();
    await s.page.click('[data-test=eval-export]');
    await s.page.check('[data-test=export-format-onnx]');
    const out = path.join(dir, 'exports', 'tiny-onnx');
    await s.page.fill('[data-test=export-out]', out);
    await s.page.click('[data-test=export-start]');
    await s.page.locator('[data-test=export-result]').waitFor({ timeout: 60_000 });
    expect(fs.existsSync(path.join(out, 'model.onnx'))).toBe(true);
    expect(await s.page.locator('[data-test=export-verdict]').innerText()).toMatch(/max \|Δp\| .+ vs tfjs on \d+ images? of the run, same class on all|Not checked: onnxruntime-node is not available/);
    await screenshot(s.page, '52-run-export-onnx-done');
    await s.page.click('[data-test=export-close]');
  });

  it('exports the dataset as class folders with manifest.csv; a non-empty folder needs "Overwrite"', async () => {
    await s.page.click('[data-test=tab-datasets]');
    await s.page.click('[data-test=export-dataset]');
    const out = path.join(dir, 'exports', 'dataset');
    await s.page.fill('[data-test=export-out]', out);
    await s.page.click('[data-test=export-start]');
    await s.page.locator('[data-test=export-result]').waitFor({ timeout: 30_000 });
    const manifest = fs.readFileSync(path.join(out, 'manifest.csv'), 'utf8').trim().split(/\r?\n/);
    expect(manifest[0]).toMatch(/^path,label,split,hash/);
    const rows = manifest.slice(1);
    expect(rows.length).toBe(34);
    for (const row of rows.slice(0, 5)) expect(fs.existsSync(path.join(out, row.split(',')[0]!))).toBe(true);
    expect(await s.page.locator('[data-test=export-counts] tbody tr').count()).toBe(4);
    await screenshot(s.page, '53-dataset-export-done');

    // Again into the same folder: refused in place, with what to do; then allowed with Overwrite.
    await s.page.click('[data-test=export-start]');
    const error = s.page.locator('[data-test=dataset-export-dialog] [data-test=error]');
    await error.waitFor();
    expect(await error.innerText()).toMatch(/not empty[\s\S]*tick “Overwrite”/);
    await screenshot(s.page, '54-dataset-export-not-empty');
    await s.page.check('[data-test=export-force]');
    await s.page.check('[data-test=export-link]');
    await s.page.click('[data-test=export-start]');
    await s.page.locator('[data-test=export-result]').waitFor({ timeout: 30_000 });
    expect(await s.page.locator('[data-test=export-linked]').innerText()).toMatch(/\d+ hard-linked, \d+ copied/);
    await s.page.click('[data-test=export-close]');
  });

  it('analyses faces with progress and a summary; the "no face" bucket and filter list those images', async () => {
    await s.page.click('[data-test=faces-analyse]');
    await s.page.locator('[data-test=faces-progress]').waitFor();
    await s.page.waitForFunction(() => /\d+ \/ \d+/.test(document.querySelector('[data-test=faces-progress]')?.textContent ?? ''), undefined, { timeout: 30_000 }).catch(() => undefined);
    await screenshot(s.page, '55-faces-progress');
    await s.page.locator('[data-test=faces-summary]').waitFor({ timeout: 60_000 });
    const panel = s.page.locator('[data-test=faces-panel]');
    await panel.locator('[data-test=faces-counts]').waitFor();
    expect(await s.page.locator('[data-test=faces-analysed]').innerText()).toBe('34 of 34 images analysed');
    const noFace = Number(await panel.locator('[data-test=faces-bucket-no-face] .big').innerText());
    const several = Number(await panel.locator('[data-test=faces-bucket-multi-face] .big').innerText());
    expect(noFace).toBeGreaterThan(0); // the landscape, at least
    expect(several).toBeGreaterThanOrEqual(3); // the group photos
    await panel.scrollIntoViewIfNeeded();
    await screenshot(s.page, '56-faces-summary');

    // Put the photo and its copy on both sides of the split (the seeded split may have kept them together).
    const db = new BetterSqlite3(path.join(dir, 'workspace', 'facet.db'));
    db.prepare(`UPDATE images SET split = 'train' WHERE path = 'social/group-photo-1.jpg'`).run();
    db.prepare(`UPDATE images SET split = 'test' WHERE path = 'social/group-photo-1-small.jpg'`).run();
    db.close();
    await s.page.click('[data-test=faces-leaks]');
    await s.page.locator('[data-test=face-leak]').first().waitFor();
    const leak = await s.page.locator('[data-test=face-leak]').first().innerText();
    expect(leak).toContain('group-photo-1.jpg');
    expect(leak).toContain('group-photo-1-small.jpg');
    await s.page.waitForFunction(() => [...document.querySelectorAll('[data-test=face-leak] img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
    await s.page.locator('[data-test=face-leaks]').scrollIntoViewIfNeeded();
    await screenshot(s.page, '56b-face-leaks');

    await s.page.click('[data-test=faces-group]');
    await s.page.check('[data-test=faces-resplit]');
    await s.page.locator('[data-test=faces-resplit-warning]').waitFor();
    await screenshot(s.page, '57-faces-group-confirm');
    await s.page.uncheck('[data-test=faces-resplit]');
    await s.page.click('[data-test=faces-group-confirm]');
    await s.page.locator('[data-test=faces-grouped]').waitFor();
    expect(await s.page.locator('[data-test=faces-grouped]').innerText()).toMatch(/identities/);
    await screenshot(s.page, '58-faces-grouped');

    await panel.locator('[data-test=faces-bucket-no-face]').click();
    await s.page.locator('[data-test=grid]').waitFor();
    expect(await s.page.inputValue('[data-test=filter-faces]')).toBe('no-face');
    await s.page.waitForFunction((n) => Number(document.querySelector('[data-test=grid]')?.getAttribute('data-total')) === n, noFace);
    await s.page.waitForFunction(() => [...document.querySelectorAll('[data-test=cell] img')].slice(0, 12).every((i) => (i as HTMLImageElement).complete));
    await screenshot(s.page, '59-labeller-no-face');
  });

  it('filters several faces in the labeller and draws the boxes on the large preview', async () => {
    await s.page.selectOption('[data-test=filter-faces]', 'multi-face');
    await s.page.waitForFunction(() => Number(document.querySelector('[data-test=grid]')?.getAttribute('data-total')) >= 2);
    await s.page.locator('[data-test=cell][data-index="0"]').click();
    await s.page.keyboard.press(' ');
    await s.page.locator('[data-test=preview]').waitFor();
    await s.page.locator('[data-test=face-overlay]').waitFor();
    expect(await s.page.locator('[data-test=face-box]').count()).toBeGreaterThanOrEqual(2);
    expect(await s.page.locator('[data-test=preview-faces]').innerText()).toMatch(/^\d+ \(score/);
    await s.page.check('[data-test=preview-landmarks]');
    await s.page.waitForFunction(() => (document.querySelector('[data-test=preview] img') as HTMLImageElement | null)?.complete === true);
    // The boxes sit on the picture: the overlay's drawn area lies inside the displayed image.
    const fits = await s.page.evaluate(() => {
      const img = document.querySelector('[data-test=preview] img') as HTMLImageElement;
      const box = img.getBoundingClientRect();
      const scale = Math.min(box.width / img.naturalWidth, box.height / img.naturalHeight);
      const shown = { left: box.left + (box.width - img.naturalWidth * scale) / 2, top: box.top + (box.height - img.naturalHeight * scale) / 2 };
      return [...document.querySelectorAll('[data-test=face-box] rect')].every((r) => {
        const b = r.getBoundingClientRect();
        return b.left >= shown.left - 1 && b.top >= shown.top - 1 && b.right <= shown.left + img.naturalWidth * scale + 1 && b.bottom <= shown.top + img.naturalHeight * scale + 1;
      });
    });
    expect(fits).toBe(true);
    expect(await s.page.locator('[data-test=preview-group]').innerText()).toMatch(/^face:\d+$/);
    await screenshot(s.page, '60-preview-face-boxes');
    await s.page.keyboard.press('Escape');
  });

  it('is readable in the dark theme too: dark background, every text at WCAG AA contrast', async () => {
    await s.page.emulateMedia({ colorScheme: 'dark' });
    await s.page.click('[data-test=tab-datasets]');
    await s.page.locator('[data-test=faces-panel]').scrollIntoViewIfNeeded();
    await expectReadableDarkTheme(s.page);
    await screenshot(s.page, '61-faces-panel-dark');
    await s.page.emulateMedia({ colorScheme: 'light' });
  });

  it('logged no errors in the page console', () => {
    expect(s.consoleErrors.filter((e) => !/409|Conflict/.test(e))).toEqual([]);
  });
});
