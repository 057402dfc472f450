// The transfer preset from the Train form in Chromium: the form offers it with its one-line
// description and a backbone choice, pixel settings shown unused, augmented views off by default; a run
// started there with one view embeds the images and their views inside its job, trains the head, and
// is evaluated.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../src/main/core/demo/generate.js';
import { openSession, screenshot, tempDir, type Session } from './harness.js';

let s: Session;
let dir: string;

beforeAll(async () => {
  dir = tempDir('facet-e2e-transfer-');
  const dataRoot = path.join(dir, 'faces');
  await generateDemo({ out: dataRoot, count: 60, size: 64 });
  s = await openSession(dir, { width: 1360, height: 900 });
  await s.core.call('datasets/import', { folder: dataRoot, name: 'demo faces', groupBy: '^(id\\d+)_' });
});

afterAll(async () => {
  await s?.close();
});

describe('transfer preset in the browser', () => {
  it('is offered with its description and a backbone, then trains and is evaluated', async () => {
    await s.page.goto(s.server.url);
    await s.page.click('[data-test=tab-train]');
    await s.page.locator('[data-test=hp-form]').waitFor();
    expect(await s.page.locator('[data-test=preset-note]').innerText()).toMatch(/seed-cnn: Learns everything from your pixels/);
    expect(await s.page.isDisabled('[data-test=hp-backbone]')).toBe(true);
    await s.page.selectOption('[data-test=hp-choice]', 'transfer');
    expect(await s.page.inputValue('[data-test=hp-preset]')).toBe('transfer');
    expect(await s.page.locator('[data-test=preset-note]').innerText()).toMatch(/pretrained backbone's features[\s\S]*Augmented views are off by default/);
    expect(await s.page.isDisabled('[data-test=hp-backbone]')).toBe(false);
    expect(await s.page.inputValue('[data-test=hp-backbone]')).toBe('mobilenet');
    for (const field of ['imageSize', 'colorMode', 'filters']) expect(await s.page.isDisabled(`[data-test=hp-${field}]`)).toBe(true);
    // Augmented views: off by default, and the augmentation settings only matter once there are views.
    expect(await s.page.inputValue('[data-test=hp-augmentedViews]')).toBe('0');
    expect(await s.page.isDisabled('[data-test=hp-augmentation-rotation]')).toBe(true);
    expect(await s.page.locator('#hp-augmentation-rotation-note').innerText()).toBe('used when augmented views is above 0');
    await s.page.fill('[data-test=hp-augmentedViews]', '1');
    expect(await s.page.isDisabled('[data-test=hp-augmentation-rotation]')).toBe(false);
    await s.page.fill('[data-test=hp-epochs]', '10');
    await s.page.fill('[data-test=run-name]', 'transfer A');
    // Before it starts, the backbone field says how long: what it embeds with which backbone, then the head.
    const estimate = s.page.locator('[data-test=hp-note][data-field=backbone]', {
      hasText: /This run takes ~.*: \d+ images and \d+ augmented views to embed with mobilenet on this machine, then ~.* of training\./,
    });
    await estimate.waitFor({ timeout: 120_000 });
    expect(await estimate.getAttribute('title')).toMatch(/mobilenet embeds [\d.]+ images\/s on \d threads?, .*; the head trains 10 epochs at [\d,]+ vectors\/s/);
    await screenshot(s.page, '60-train-form-transfer');
    await s.page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(s.page, '60b-train-form-transfer-dark');
    await s.page.emulateMedia({ colorScheme: 'light' });
    await s.page.click('[data-test=start-run]');
    // The run embeds the images, then one augmented view of each training image, inside its job.
    await s.page.waitForFunction(
      () => /augmented views/.test(document.querySelector('[data-test=train-phase]')?.textContent ?? '') || /completed|failed|cancelled|interrupted/.test(document.querySelector('[data-test=run-status]')?.textContent ?? ''),
      undefined,
      { timeout: 300_000 },
    );
    await screenshot(s.page, '61-train-transfer-views');
    await s.page.waitForFunction(() => /completed|failed|cancelled|interrupted/.test(document.querySelector('[data-test=run-status]')?.textContent ?? ''), undefined, { timeout: 300_000 });
    expect(await s.page.locator('[data-test=run-status]').innerText()).toBe('completed');
    // The same settings again: everything is embedded now, only the head is left.
    await s.page.locator('[data-test=hp-note][data-field=backbone]', { hasText: /This run takes ~\d+ s, embeddings are ready\./ }).waitFor({ timeout: 60_000 });
    await screenshot(s.page, '61-train-transfer-completed');
    const runs = await s.core.call('runs/list', {});
    const run = runs.find((r) => r.name === 'transfer A')!;
    expect(run.hyperparameters).toMatchObject({ preset: 'transfer', backbone: 'mobilenet', augmentedViews: 1 });
    expect(run.testAccuracy).toBeGreaterThan(0.5);
    await s.page.click('[data-test=tab-runs]');
    await s.page.locator(`[data-test=run-row][data-run-id="${run.id}"] [data-test=run-evaluate]`).click();
    await s.page.locator('[data-test=test-accuracy]').waitFor();
    await screenshot(s.page, '62-evaluate-transfer');

    // Export from the Evaluation view: the head, with the note on why the backbone is not inside, checked.
    await s.page.click('[data-test=eval-export]');
    await s.page.locator('[data-test=run-export-dialog]').waitFor();
    expect(await s.page.locator('[data-test=export-head-note]').innerText()).toMatch(/transfer run exports its classifier head[\s\S]*cannot go into the same file/);
    const out = path.join(dir, 'exports', 'transfer-tfjs');
    await s.page.check('[data-test=export-format-tfjs]');
    await s.page.fill('[data-test=export-out]', out);
    await screenshot(s.page, '63-export-transfer-dialog');
    await s.page.click('[data-test=export-start]');
    await s.page.locator('[data-test=export-result]').waitFor({ timeout: 60_000 });
    expect(await s.page.locator('[data-test=export-verdict]').innerText()).toMatch(/Verified: max \|Δp\|/);
    expect(fs.readFileSync(path.join(out, 'MODEL_CARD.md'), 'utf8')).toMatch(/npm package `nsfwjs@\d+\.\d+\.\d+`/);
    await screenshot(s.page, '64-export-transfer-done');
  }, 720_000);
});
