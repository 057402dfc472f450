// Accessibility in Chromium: axe-core (WCAG 2.1 A and AA rules) on every view of the nav bar — found
// by reading the nav, so views added later are covered — in light and dark mode, with a dataset and a
// finished run so the views show their real content; then the dialogs: focus trapped inside and
// returned on close, the run export dialog titled with the run's name, the dataset delete dialog
// naming what goes. Any violation fails the test with the rule, the view and the elements.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../src/main/core/demo/generate.js';
import { createAudit, finishAudit, loadAuditItems, saveFoldProbabilities } from '../../src/main/core/quality/audit-store.js';
import { AuditSettingsSchema } from '../../src/shared/quality.js';
import { openSession, screenshot, tempDir, type Session } from './harness.js';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const RULES = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

let s: Session;
let dir: string;
let datasetId: number;
let runName: string;

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** axe on the page as it is now (its source evaluated once per page load: the app's CSP refuses inline script tags). */
async function axe(page: Page, within = 'body'): Promise<Violation[]> {
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== 'undefined');
  if (!loaded) await page.evaluate(AXE_SOURCE);
  return page.evaluate(
    async ({ within, rules }) => {
      const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] }> } }).axe;
      const result = await axe.run(document.querySelector(within), { runOnly: { type: 'tag', values: rules }, resultTypes: ['violations'] });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')} — ${(n.failureSummary ?? '').split('\n').slice(1, 2).join(' ').trim()}`) }));
    },
    { within, rules: RULES },
  );
}

/** A fresh page load (goto alone only changes the hash of the same page). */
async function load(page: Page): Promise<void> {
  await page.goto(s.server.url);
  await page.reload();
  await page.locator('[data-test=dataset-detail]').waitFor();
}

/** Lets the view load its data and finish its transitions. */
async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.waitForTimeout(400);
}

beforeAll(async () => {
  dir = tempDir('facet-e2e-a11y-');
  const root = path.join(dir, 'faces');
  await generateDemo({ out: root, count: 60, size: 64 });
  s = await openSession(dir, { width: 1400, height: 900 });
  datasetId = (await s.core.call('datasets/import', { folder: root, name: 'demo faces', groupBy: '^(id\\d+)_' })).datasetId;
  const run = await s.core.call('runs/start', { datasetId, hyperparameters: { imageSize: 32, epochs: 1, filters: [4, 8], denseUnits: 16, batchSize: 16 } });
  runName = run.name;
  const deadline = Date.now() + 90_000;
  for (;;) {
    const r = await s.core.call('runs/get', { runId: run.id });
    if (r.status === 'completed' && r.testAccuracy !== null) break;
    if (r.status === 'failed' || Date.now() > deadline) throw new Error(`the training run did not complete: ${r.status} ${r.error ?? ''}`);
    await new Promise((done) => setTimeout(done, 250));
  }
});

afterAll(async () => {
  await s?.close();
});

describe('accessibility', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`has no WCAG 2.1 AA violation on any view in ${scheme} mode`, async () => {
      await s.page.emulateMedia({ colorScheme: scheme });
      await load(s.page);
      const tabs = await s.page.locator('nav [data-test^="tab-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-test')!));
      expect(tabs.length).toBeGreaterThanOrEqual(7);
      const found: string[] = [];
      for (const tab of tabs) {
        await s.page.click(`[data-test="${tab}"]`);
        await settle(s.page);
        const view = tab.replace('tab-', '');
        await screenshot(s.page, `a11y-${scheme}-${view}`);
        for (const v of await axe(s.page)) found.push(`${scheme} ${view}: ${v.id} (${v.impact}) ${v.help}\n    ${v.nodes.join('\n    ')}`);
      }
      expect(found, found.join('\n')).toEqual([]);
    });
  }

  it('traps focus in a dialog, returns it on close, and the dialog passes axe', async () => {
    await s.page.emulateMedia({ colorScheme: 'light' });
    await load(s.page);
    const opener = s.page.locator('[data-test=delete-dataset]');
    await opener.click();
    const dialog = s.page.locator('[data-test=dataset-delete-dialog]');
    await dialog.waitFor();
    await s.page.locator('[data-test=delete-what-goes]').waitFor();
    expect(await s.page.locator('[data-test=dialog-title]').innerText()).toBe('Delete dataset “demo faces”?');
    const goes = await s.page.locator('[data-test=delete-what-goes]').innerText();
    expect(goes).toContain(runName);
    expect(await s.page.locator('[data-test=delete-what-stays]').innerText()).toContain(path.join(dir, 'faces'));
    await screenshot(s.page, 'a11y-delete-dialog');
    const inDialog = () => s.page.evaluate(() => Boolean(document.activeElement?.closest('[role=dialog]')));
    expect(await inDialog()).toBe(true);
    for (let i = 0; i < 6; i++) {
      await s.page.keyboard.press('Tab');
      expect(await inDialog(), `after ${i + 1} Tab`).toBe(true);
    }
    for (let i = 0; i < 6; i++) {
      await s.page.keyboard.press('Shift+Tab');
      expect(await inDialog(), `after ${i + 1} Shift+Tab`).toBe(true);
    }
    // Focus sent behind the backdrop comes back.
    await s.page.evaluate(() => (document.querySelector('[data-test=folder-input]') as HTMLElement).focus());
    expect(await inDialog()).toBe(true);
    expect(await axe(s.page, '[role=dialog]')).toEqual([]);
    await s.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await s.page.evaluate(() => document.activeElement?.getAttribute('data-test'))).toBe('delete-dataset');
  });

  it('announces an invalid hyperparameter: aria-invalid, described by its message in words', async () => {
    await load(s.page);
    await s.page.click('[data-test=tab-train]');
    const epochs = s.page.locator('[data-test=hp-epochs]');
    await epochs.fill('lots');
    await expect.poll(() => epochs.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await epochs.getAttribute('aria-describedby'))!;
    const message = await s.page.locator(`[id="${describedBy}"]`).innerText();
    expect(message).toMatch(/whole number|number/i);
    expect(message).not.toMatch(/NaN|received|expected/);
    await screenshot(s.page, 'a11y-invalid-field');
    expect(await axe(s.page)).toEqual([]);
    await epochs.fill('3');
    await expect.poll(() => epochs.getAttribute('aria-invalid')).toBe(null);
  });

  it('makes the labeller a grid: rows of cells, selection and names announced, thumbnails with alt text', async () => {
    await s.page.click('[data-test=tab-labeller]');
    const grid = s.page.locator('[role=grid]');
    await grid.waitFor();
    expect(Number(await grid.getAttribute('aria-rowcount'))).toBeGreaterThan(1);
    const cell = s.page.locator('[data-test=cell][data-index="0"]');
    expect(await cell.getAttribute('role')).toBe('gridcell');
    expect(await cell.evaluate((el) => el.parentElement?.getAttribute('role'))).toBe('row');
    const name = (await cell.getAttribute('title'))!.split('/').pop()!;
    // The cell's accessible name (from its content) says the file and its label.
    const accessibleName = await cell.evaluate((el) => {
      const parts: string[] = [];
      const walk = (n: Node): void => {
        if (n instanceof HTMLElement && n.getAttribute('aria-hidden') === 'true') return;
        if (n instanceof HTMLImageElement) parts.push(n.alt);
        else if (n.nodeType === Node.TEXT_NODE) parts.push(n.textContent ?? '');
        n.childNodes.forEach(walk);
      };
      walk(el);
      return parts.join(' ').replace(/\s+/g, ' ').trim();
    });
    expect(accessibleName).toContain(name);
    expect(accessibleName).toContain((await cell.getAttribute('data-class'))!);
    expect(await cell.locator('img').getAttribute('alt')).toContain(name);
    expect(await cell.getAttribute('aria-selected')).toBe('false');
    await cell.click();
    await expect.poll(() => cell.getAttribute('aria-selected')).toBe('true');
    expect(await grid.getAttribute('aria-activedescendant')).toBe(await cell.getAttribute('id'));
    // With a selection the class rows offer "Move N here".
    await s.page.locator('[data-test=move-here]').first().waitFor();
    expect(await axe(s.page)).toEqual([]);
    // The preview, with the run's predictions shown (keys label and move in it).
    await s.page.selectOption('[data-test=filter-run]', { label: runName });
    await s.page.locator('[data-test=sort]').selectOption('confidence');
    await s.page.locator('[data-test=cell][data-index="0"] [data-test=cell-prediction]').waitFor();
    await s.page.locator('[data-test=cell][data-index="0"]').click();
    await s.page.keyboard.press('Space');
    await s.page.locator('[data-test=preview-prediction]').waitFor();
    expect(await axe(s.page, '[role=dialog]')).toEqual([]);
    await s.page.keyboard.press('Escape');
    await s.page.locator('[data-test=preview]').waitFor({ state: 'detached' });
  });

  it('says an audit is not reliable, and asks before accepting, readably in light and dark', async () => {
    // 60 images, the smallest class under 20, and fold models right on 2 in 3.
    const wdb = s.core.workspace.db;
    const auditId = createAudit(wdb, datasetId, AuditSettingsSchema.parse({ folds: 2 }));
    saveFoldProbabilities(
      wdb,
      auditId,
      loadAuditItems(wdb, auditId).map((it, i) => {
        const p = [0.1, 0.1, 0.1];
        p[i % 3 === 0 ? (it.classIndex + 1) % 3 : it.classIndex] = 0.8;
        return { imageId: it.imageId, probabilities: p };
      }),
    );
    finishAudit(wdb, auditId, 'completed', null, 1);
    for (const scheme of ['light', 'dark'] as const) {
      await s.page.emulateMedia({ colorScheme: scheme });
      await load(s.page);
      await s.page.click('[data-test=tab-audit]');
      await s.page.locator('[data-test=audit-unreliable]').waitFor();
      await s.page.locator('[data-test=suspect]').first().waitFor();
      expect(await axe(s.page)).toEqual([]);
      await s.page.keyboard.press('Enter');
      await s.page.locator('[data-test=confirm-accept]').waitFor();
      await screenshot(s.page, `a11y-${scheme}-audit-unreliable-confirm`);
      expect(await axe(s.page, '[role=dialog]')).toEqual([]);
      await s.page.keyboard.press('Escape');
    }
    await s.page.emulateMedia({ colorScheme: 'light' });
  });

  it('undoes a relabel made in the Evaluate gallery with Ctrl+Z', async () => {
    await load(s.page);
    await s.page.click('[data-test=tab-evaluate]');
    await s.page.locator('[data-test=mistake][data-index="0"]').waitFor();
    const runId = (await s.core.call('runs/list', { datasetId }))[0]!.id;
    const first = (await s.core.call('runs/predictions', { runId, misclassified: true }))[0]!;
    const classes = await s.core.call('classes/list', { datasetId });
    const other = classes.findIndex((c) => c.name !== first.currentClass);
    const labelOf = async () => (await s.core.call('images/list', { datasetId, imageIds: [first.imageId], status: 'all' })).items[0]!.className;
    await s.page.keyboard.press(String(other + 1));
    await expect.poll(labelOf).toBe(classes[other]!.name);
    await s.page.keyboard.press('Control+z');
    await expect.poll(labelOf).toBe(first.currentClass);
    await expect.poll(() => s.page.locator('[data-test=eval-last-action]').innerText()).toMatch(/^Undid 1 label change/);
  });

  it('titles the run export dialog with the run, not a function name', async () => {
    await s.page.click('[data-test=tab-runs]');
    await s.page.locator('[data-test=run-export]').first().click();
    await s.page.locator('[data-test=run-export-dialog]').waitFor();
    expect(await s.page.locator('[data-test=dialog-title]').innerText()).toBe(`Export “${runName}”`);
    expect(await axe(s.page, '[role=dialog]')).toEqual([]);
    await s.page.keyboard.press('Escape');
  });
});
