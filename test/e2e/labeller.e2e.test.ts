// The whole labelling flow in Chromium against `facet serve`'s server: import with progress,
// relabel by keyboard (checked in facet.db) and on to the next image, undo, bulk move, labelling and
// moving in the preview, moving a selection into a class from the sidebar (button, drop, Alt+click),
// class rename / merge, skipped files.
import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../src/main/core/demo/generate.js';
import { openSession, screenshot, tempDir, type Session } from './harness.js';
import { expectReadableDarkTheme, textColours } from './contrast.js';
import { focusRings } from './focus.js';

let s: Session;
let dataRoot: string;

function dbClassOf(imageId: number): string | null {
  const db = new BetterSqlite3(path.join(s.dir, 'workspace', 'facet.db'), { readonly: true });
  try {
    const row = db.prepare('SELECT c.name FROM images i LEFT JOIN classes c ON c.id = i.class_id WHERE i.id = ?').get(imageId) as { name: string | null } | undefined;
    return row?.name ?? null;
  } finally {
    db.close();
  }
}

function dbLiveClasses(): string[] {
  const db = new BetterSqlite3(path.join(s.dir, 'workspace', 'facet.db'), { readonly: true });
  try {
    return (db.prepare('SELECT name FROM classes WHERE deleted_at IS NULL ORDER BY name').all() as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
}

const cell = (i: number) => s.page.locator(`[data-test=cell][data-index="${i}"]`);
const classOfCell = (i: number) => cell(i).getAttribute('data-class');
const idOfCell = async (i: number) => Number(await cell(i).getAttribute('data-image-id'));
const focusedIndex = () => s.page.locator('[data-test=cell].focused').getAttribute('data-index').then(Number);
const row = (name: string) => s.page.locator(`[data-class-row="${name}"]`);
const selectedCount = () => s.page.locator('[data-test=selected-count]').innerText().then(Number);

beforeAll(async () => {
  const dir = tempDir('facet-e2e-');
  dataRoot = path.join(dir, 'faces');
  await generateDemo({ out: dataRoot, count: 45, size: 64 });
  // One file that is not an image, so the skipped-file list has something to show.
  fs.writeFileSync(path.join(dataRoot, 'phone', 'broken.jpg'), 'this is not a JPEG');
  s = await openSession(dir);
});

afterAll(async () => {
  await s?.close();
});

describe('labelling in the browser', () => {
  it('shows the empty state on a new workspace', async () => {
    await s.page.goto(s.server.url);
    await s.page.locator('[data-test=empty-state]').waitFor();
    expect(await s.page.locator('[data-test=empty-state]').innerText()).toContain('Import a folder or create the demo data set');
    // The token left the address bar (it stays in sessionStorage).
    expect(s.page.url()).not.toContain('token=');
    await screenshot(s.page, '01-empty-state');
  });

  it('imports a folder with a visible progress bar, then shows counts and skipped files', async () => {
    // Hold the import's answer back a moment so the progress bar (fed by WebSocket events) can be seen.
    await s.page.route('**/api/datasets/import', async (route) => {
      const response = await route.fetch();
      await new Promise((r) => setTimeout(r, 1200));
      await route.fulfill({ response });
    });
    await s.page.fill('[data-test=folder-input]', dataRoot);
    await s.page.click('[data-test=import-button]');
    const progress = s.page.locator('[data-test=import-progress]');
    await progress.waitFor();
    await s.page.waitForFunction(() => /[1-9]\d* \/ \d+/.test(document.querySelector('[data-test=import-progress]')?.textContent ?? ''));
    await screenshot(s.page, '02-import-progress');
    await s.page.locator('[data-test=dataset-detail]').waitFor();
    await progress.waitFor({ state: 'detached' });
    await s.page.unroute('**/api/datasets/import');

    const counts = await s.page.locator('[data-test=class-counts]').innerText();
    expect(counts).toMatch(/camera/);
    expect(counts).toMatch(/phone/);
    expect(counts).toMatch(/social/);
    const skipped = await s.page.locator('[data-test=skipped-list]').innerText();
    expect(skipped).toContain('phone/broken.jpg');
    await screenshot(s.page, '03-dataset-imported');

    await s.page.click('[data-test=rescan-button]');
    await s.page.waitForFunction(() => /0 new, 0 changed, 0 removed, 45 unchanged/.test(document.querySelector('[data-test=import-summary]')?.textContent ?? ''));
    expect(await s.page.locator('[data-test=skipped-list]').innerText()).toContain('phone/broken.jpg');
  });

  it('relabels the focused image with a number key, committed in facet.db, and undoes it', async () => {
    await s.page.click('[data-test=open-labeller]');
    await cell(0).waitFor();
    await s.page.waitForFunction(() => [...document.querySelectorAll('[data-test=cell] img')].slice(0, 5).every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
    await screenshot(s.page, '04-labeller');

    await cell(0).click();
    const id = await idOfCell(0);
    const before = await classOfCell(0);
    const sidebar = await s.page.locator('[data-class-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-class-row')));
    expect(sidebar).toEqual(['camera', 'phone', 'social']);
    const targetIndex = sidebar.findIndex((c) => c !== before);
    const target = sidebar[targetIndex]!;
    await s.page.keyboard.press(String(targetIndex + 1));
    await s.page.waitForFunction(([i, c]) => document.querySelector(`[data-test=cell][data-index="${i}"]`)?.getAttribute('data-class') === c, [0, target] as const);
    expect(dbClassOf(id)).toBe(target);
    // On to the next image (the default): it is focused and selected, the labelled one no longer.
    await expect.poll(focusedIndex).toBe(1);
    expect(await cell(1).getAttribute('aria-selected')).toBe('true');
    expect(await cell(0).getAttribute('aria-selected')).toBe('false');
    // One focus ring: the grid's focused cell while the grid has the focus, the sort menu's once it has.
    expect(await focusRings(s.page)).toEqual([expect.stringMatching(/^cell: /)]);
    await s.page.locator('[data-test=sort]').focus();
    expect(await focusRings(s.page)).toEqual([expect.stringMatching(/^sort: /)]);
    await s.page.locator('[data-test=grid]').focus();

    await s.page.keyboard.press('Control+z');
    await s.page.waitForFunction(([i, c]) => document.querySelector(`[data-test=cell][data-index="${i}"]`)?.getAttribute('data-class') === c, [0, before] as const);
    expect(dbClassOf(id)).toBe(before);

    await s.page.keyboard.press('Control+Shift+z');
    await s.page.waitForFunction(([i, c]) => document.querySelector(`[data-test=cell][data-index="${i}"]`)?.getAttribute('data-class') === c, [0, target] as const);
    expect(dbClassOf(id)).toBe(target);
  });

  it('stays on the image when "next image after a label" is off, and remembers the choice', async () => {
    const toggle = s.page.locator('[data-test=advance-toggle]');
    expect(await toggle.isChecked()).toBe(true);
    await toggle.uncheck();
    await cell(4).click();
    const id = await idOfCell(4);
    const before = dbClassOf(id);
    const key = before === 'camera' ? '2' : '1';
    await s.page.keyboard.press(key);
    await expect.poll(() => dbClassOf(id)).toBe(key === '1' ? 'camera' : 'phone');
    expect(await focusedIndex()).toBe(4);

    await s.page.reload();
    await s.page.click('[data-test=tab-labeller]');
    await cell(0).waitFor();
    expect(await s.page.locator('[data-test=advance-toggle]').isChecked()).toBe(false);
    await s.page.locator('[data-test=advance-toggle]').check();
    expect(await s.page.evaluate(() => localStorage.getItem('facet.labelling.advance'))).toBe('on');
    await cell(4).click();
    await s.page.keyboard.press('Control+z');
    await expect.poll(() => dbClassOf(id)).toBe(before);
  });

  it('moves a shift-click range and a shift+arrow extension in bulk with one key', async () => {
    await cell(2).click();
    await cell(6).click({ modifiers: ['Shift'] });
    expect(await s.page.locator('[data-test=selected-count]').innerText()).toBe('5');
    await s.page.keyboard.press('Shift+ArrowRight');
    expect(await s.page.locator('[data-test=selected-count]').innerText()).toBe('6');
    await cell(9).click({ modifiers: ['Control'] });
    expect(await s.page.locator('[data-test=selected-count]').innerText()).toBe('7');
    const ids = await Promise.all([2, 3, 4, 5, 6, 7, 9].map(idOfCell));
    await screenshot(s.page, '05-labeller-selection');
    await s.page.keyboard.press('3');
    await s.page.waitForFunction(() => [2, 3, 4, 5, 6, 7, 9].every((i) => document.querySelector(`[data-test=cell][data-index="${i}"]`)?.getAttribute('data-class') === 'social'));
    for (const id of ids) expect(dbClassOf(id)).toBe('social');
  });

  it('opens a large preview of the original with its metadata on Space', async () => {
    await cell(1).click();
    await s.page.keyboard.press('Space');
    const preview = s.page.locator('[data-test=preview]');
    await preview.waitFor();
    await s.page.waitForFunction(() => {
      const img = document.querySelector('[data-test=preview] img') as HTMLImageElement | null;
      return Boolean(img && img.complete && img.naturalWidth > 0);
    });
    const text = await preview.innerText();
    expect(text).toContain('64 × 64 px');
    expect(text).toMatch(/[0-9a-f]{64}/);
    await screenshot(s.page, '06-preview');
    await s.page.keyboard.press('Escape');
    await preview.waitFor({ state: 'detached' });
  });

  it('labels and moves in the preview: arrows go to the neighbours, a digit labels the image in view and moves on, Space closes', async () => {
    const title = s.page.locator('[role=dialog] [data-test=dialog-title]');
    const pathOfCell = async (i: number) => (await cell(i).getAttribute('title'))!;
    await cell(1).click();
    await s.page.keyboard.press('Space');
    await expect.poll(() => title.innerText()).toBe(await pathOfCell(1));
    await s.page.keyboard.press('ArrowRight');
    await expect.poll(() => title.innerText()).toBe(await pathOfCell(2));
    expect(await s.page.locator('[data-test=preview-position]').innerText()).toMatch(/^3 of 45/);

    const id = await idOfCell(2);
    const before = dbClassOf(id);
    const key = before === 'camera' ? '2' : '1';
    const target = key === '1' ? 'camera' : 'phone';
    await s.page.keyboard.press(key);
    // Labelled, and the next image is in view.
    await expect.poll(() => title.innerText()).toBe(await pathOfCell(3));
    expect(dbClassOf(id)).toBe(target);
    await s.page.keyboard.press('ArrowLeft');
    await expect.poll(() => title.innerText()).toBe(await pathOfCell(2));
    expect(await s.page.locator('[data-test=preview-class]').innerText()).toMatch(new RegExp(`^${target}\\b`));
    await screenshot(s.page, '06b-preview-labelled');

    // With "next image" off, the label shows in place.
    await s.page.locator('[data-test=preview-advance]').uncheck();
    await s.page.locator('[role=dialog]').focus();
    await s.page.keyboard.press(key === '1' ? '2' : '1');
    await expect.poll(() => s.page.locator('[data-test=preview-class]').innerText()).toMatch(new RegExp(`^${key === '1' ? 'phone' : 'camera'}\\b`));
    expect(await title.innerText()).toBe(await pathOfCell(2));
    await s.page.locator('[data-test=preview-advance]').check();
    await s.page.locator('[role=dialog]').focus();

    await s.page.keyboard.press('Space');
    await s.page.locator('[data-test=preview]').waitFor({ state: 'detached' });
    expect(await focusedIndex()).toBe(2);
    // Two label edits from the preview; undo both, by the grid's Ctrl+Z.
    await s.page.keyboard.press('Control+z');
    await s.page.keyboard.press('Control+z');
    await expect.poll(() => dbClassOf(id)).toBe(before);
  });

  it('keeps the selection when a class is clicked, and moves it there by its button, a drop or Alt+click, each undoable', async () => {
    const ids = [await idOfCell(0), await idOfCell(1)];
    const before = ids.map(dbClassOf);
    const selectBoth = async () => {
      await s.page.locator('[data-test=class-filter-all]').click();
      await s.page.waitForFunction(() => document.querySelector('[data-test=grid]')?.getAttribute('data-total') === '45');
      await cell(0).click();
      await cell(1).click({ modifiers: ['Control'] });
      expect(await selectedCount()).toBe(2);
    };
    await selectBoth();

    // A plain click filters: the two stay selected, counted, and those the filter hides are said so.
    const other = ['camera', 'phone', 'social'].find((c) => !before.includes(c)) ?? 'phone';
    await row(other).locator('[data-test=class-filter]').click();
    await s.page.waitForFunction((c) => [...document.querySelectorAll('[data-test=cell]')].every((e) => e.getAttribute('data-class') === c), other);
    expect(await selectedCount()).toBe(2);
    expect(await s.page.locator('[data-test=hidden-selected]').innerText()).toBe('2');
    expect(await row(other).locator('[data-test=move-here]').innerText()).toMatch(/^Move 2 here\b/);
    await screenshot(s.page, '06c-sidebar-selection-kept');

    // "Move 2 here": one label edit; the filtered view now shows them, still selected.
    await row(other).locator('[data-test=move-here]').click();
    await expect.poll(() => ids.map(dbClassOf)).toEqual([other, other]);
    await s.page.waitForFunction((wanted) => wanted.every((id) => document.querySelector(`[data-test=cell][data-image-id="${id}"]`)?.getAttribute('aria-selected') === 'true'), ids);
    await s.page.keyboard.press('Control+z');
    await expect.poll(() => ids.map(dbClassOf)).toEqual(before);

    // Dragged onto a class.
    await selectBoth();
    await cell(0).dragTo(row(other));
    await expect.poll(() => ids.map(dbClassOf)).toEqual([other, other]);
    await s.page.locator('[data-test=grid]').focus();
    await s.page.keyboard.press('Control+z');
    await expect.poll(() => ids.map(dbClassOf)).toEqual(before);

    // Alt+click on a class.
    await selectBoth();
    await row(other).locator('[data-test=class-filter]').click({ modifiers: ['Alt'] });
    await expect.poll(() => ids.map(dbClassOf)).toEqual([other, other]);
    // The edit is committed before the page says so: wait for the words, not only for the database.
    await expect.poll(() => s.page.locator('[data-test=last-action]').innerText()).toBe(`2 images → ${other}`);
    await s.page.locator('[data-test=grid]').focus();
    await s.page.keyboard.press('Control+z');
    await expect.poll(() => ids.map(dbClassOf)).toEqual(before);
    await s.page.locator('[data-test=class-filter-all]').click();
  });

  it('renames and merges classes through confirmation dialogs', async () => {
    const row = (name: string) => s.page.locator(`[data-class-row="${name}"]`);
    await row('social').hover();
    await row('social').locator('[data-test=rename-class]').click();
    await s.page.fill('[data-test=class-name-input]', 'social media');
    await screenshot(s.page, '07-rename-dialog');
    await s.page.click('[data-test=confirm]');
    await row('social media').waitFor();
    expect(dbLiveClasses()).toEqual(['camera', 'phone', 'social media']);
    await s.page.waitForFunction(() => document.querySelector('[data-test=cell][data-index="2"]')?.getAttribute('data-class') === 'social media');

    await row('camera').hover();
    await row('camera').locator('[data-test=merge-class]').click();
    await s.page.selectOption('[data-test=merge-target]', { label: await s.page.locator('[data-test=merge-target] option', { hasText: 'phone' }).innerText() });
    await screenshot(s.page, '08-merge-dialog');
    await s.page.click('[data-test=confirm]');
    await row('camera').waitFor({ state: 'detached' });
    expect(dbLiveClasses()).toEqual(['phone', 'social media']);
    // The grid follows the class list once it has reloaded.
    await s.page.waitForFunction(() => document.querySelectorAll('[data-test=cell][data-class="camera"]').length === 0);

    // A merge is an edit like a relabel: Ctrl+Z brings the class and its images back, Ctrl+Shift+Z merges again.
    await s.page.locator('[data-test=grid]').click({ position: { x: 5, y: 5 } }).catch(() => undefined);
    await s.page.keyboard.press('Control+z');
    await row('camera').waitFor();
    await s.page.locator('[data-test=last-action]', { hasText: /Undid merge of "camera" into "phone" \(\d+ images\)/ }).waitFor();
    expect(dbLiveClasses()).toEqual(['camera', 'phone', 'social media']);
    await s.page.waitForFunction(() => document.querySelectorAll('[data-test=cell][data-class="camera"]').length > 0);
    await screenshot(s.page, '08b-merge-undone');
    await s.page.keyboard.press('Control+Shift+z');
    await row('camera').waitFor({ state: 'detached' });
    expect(dbLiveClasses()).toEqual(['phone', 'social media']);
    await s.page.waitForFunction(() => document.querySelectorAll('[data-test=cell][data-class="camera"]').length === 0);
  });

  it('shows errors in place with what to do (a duplicate class name)', async () => {
    await s.page.click('[data-test=add-class]');
    await s.page.fill('[data-test=class-name-input]', 'phone');
    await s.page.click('[data-test=confirm]');
    const error = s.page.locator('[role=dialog] [data-test=error]');
    await error.waitFor();
    await screenshot(s.page, '09-error-in-dialog');
    await s.page.keyboard.press('Escape');
    await s.page.click('[data-test=add-class]');
    await s.page.fill('[data-test=class-name-input]', 'unsure');
    await s.page.click('[data-test=confirm]');
    await s.page.locator('[data-class-row="unsure"]').waitFor();
    expect(dbLiveClasses()).toEqual(['phone', 'social media', 'unsure']);
  });

  it('is readable in the dark theme too: dark background, every text at WCAG AA contrast', async () => {
    await s.page.emulateMedia({ colorScheme: 'dark' });
    await expectReadableDarkTheme(s.page);
    await screenshot(s.page, '10-labeller-dark');
    await s.page.click('[data-test=tab-datasets]');
    await s.page.locator('[data-test=dataset-detail]').waitFor();
    await expectReadableDarkTheme(s.page);
    await screenshot(s.page, '11-datasets-dark');
    await s.page.emulateMedia({ colorScheme: 'light' });
    const [light] = await textColours(s.page, 'body', { self: true });
    expect(light!.backgroundLuminance, 'back in the light theme the background is light').toBeGreaterThan(0.8);
  });

  it('logged no errors in the page console', () => {
    // The preview of an unreadable file and a refused call log nothing; only real faults would.
    expect(s.consoleErrors.filter((e) => !/409|Conflict/.test(e))).toEqual([]);
  });
});
