// Labelling from scratch in Chromium (issue 17): an unsorted folder imported unlabelled, the To label
// queue by keyboard (labels, Enter accepts a suggestion, undo), suggestions refreshed in the background,
// bulk acceptance in the labeller, and a lasso on the map that labels what it encloses. Every check
// reads facet.db, not just the page.
import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../src/main/core/demo/generate.js';
import sharp from 'sharp';
import { toClipSpace } from '../../src/renderer/mapColours.js';
import { dataToScreen, FIT, zoomAt } from '../../src/renderer/mapGeometry.js';
import { mapRows } from '../../src/shared/labelling.js';
import { openSession, screenshot, tempDir, type Session } from './harness.js';

let s: Session;
let datasetId: number;
const CLASSES = ['camera', 'phone', 'social'];

function db<T>(work: (d: BetterSqlite3.Database) => T): T {
  const d = new BetterSqlite3(path.join(s.dir, 'workspace', 'facet.db'), { readonly: true });
  try {
    return work(d);
  } finally {
    d.close();
  }
}
const labelOf = (imageId: number) =>
  db((d) => (d.prepare('SELECT c.name FROM images i LEFT JOIN classes c ON c.id = i.class_id WHERE i.id = ?').get(imageId) as { name: string | null }).name);
const lastSource = (imageId: number) => db((d) => (d.prepare('SELECT source FROM label_history WHERE image_id = ? ORDER BY id DESC LIMIT 1').get(imageId) as { source: string } | undefined)?.source);
const pathOf = (imageId: number) => db((d) => (d.prepare('SELECT path FROM images WHERE id = ?').get(imageId) as { path: string }).path);
const unlabelled = () => db((d) => (d.prepare('SELECT COUNT(*) AS n FROM images WHERE dataset_id = ? AND class_id IS NULL AND status = ?').get(datasetId, 'ok') as { n: number }).n);
/** The demo's class folders are the truth the test labels by (the import ignored them). */
const truthKey = (p: string) => String(CLASSES.indexOf(p.split('/')[0]!) + 1);

async function shots(name: string): Promise<void> {
  for (const [width, height] of [[1400, 900], [1024, 700]] as const) {
    await s.page.setViewportSize({ width, height });
    for (const scheme of ['light', 'dark'] as const) {
      await s.page.emulateMedia({ colorScheme: scheme });
      await s.page.waitForTimeout(250);
      await screenshot(s.page, `${name}-${width}-${scheme}`);
    }
  }
  await s.page.emulateMedia({ colorScheme: 'light' });
  await s.page.setViewportSize({ width: 1400, height: 900 });
}

/** A point inside the box, at least 40 px from every other point and from the edges (so a drag of it is unambiguous). */
function lonelyPoint(screen: [number, number][], box: { width: number; height: number }): number {
  const spacious = screen.findIndex(([x, y], i) => x > 120 && x < box.width - 120 && y > 80 && y < box.height - 80 && screen.every(([u, v], j) => j === i || Math.hypot(u - x, v - y) > 40));
  expect(spacious).toBeGreaterThanOrEqual(0);
  return spacious;
}

type Raw = { data: Buffer; info: { width: number; channels: number } };
const pixel = (img: Raw, x: number, y: number) => {
  const at = (Math.round(y) * img.info.width + Math.round(x)) * img.info.channels;
  return [img.data[at]!, img.data[at + 1]!, img.data[at + 2]!];
};
const differs = (a: number[], b: number[]) => a.some((v, i) => Math.abs(v - b[i]!) > 24);

async function currentId(): Promise<number> {
  return Number(await s.page.locator('[data-test=queue-image]').getAttribute('data-image-id'));
}

async function waitForNewImage(before: number): Promise<number> {
  await s.page.waitForFunction((id) => document.querySelector('[data-test=queue-image]')?.getAttribute('data-image-id') !== String(id), before);
  return currentId();
}

beforeAll(async () => {
  const dir = tempDir('facet-e2e-labelling-');
  const data = path.join(dir, 'photos');
  await generateDemo({ out: data, count: 45, size: 64 });
  s = await openSession(dir, { width: 1400, height: 900 });
  const summary = await s.core.call('datasets/import', { folder: data, name: 'unsorted photos', unlabelled: true });
  datasetId = summary.datasetId;
  expect(summary.unlabelled).toBe(45);
  for (const name of CLASSES.slice(0, 2)) await s.core.call('classes/add', { datasetId, name });
});

afterAll(async () => {
  await s?.close();
});

describe('labelling from scratch in the browser', () => {
  it('labels the queue with keys, adds a class in place, and undoes a label', async () => {
    await s.page.goto(s.server.url);
    await s.page.click('[data-test=tab-tolabel]');
    await s.page.locator('[data-test=queue-image] img').waitFor();
    expect(await s.page.locator('[data-test=label-progress]').innerText()).toContain('0 of 45 labelled');
    expect(await s.page.locator('[data-test=holdout-note]').innerText()).toMatch(/validation.*test/);
    // No labels yet: the queue says it shows typical images, not the ones the model is unsure of.
    expect(await s.page.locator('.method').innerText()).toContain('typical images');

    // The third class, added where the labelling happens.
    await s.page.click('[data-test=add-class]');
    await s.page.fill('[data-test=class-name-input]', 'social');
    await s.page.click('[data-test=confirm]');
    await s.page.locator('[data-class-key=social]').waitFor();

    const first = await currentId();
    await s.page.keyboard.press(truthKey(pathOf(first)));
    const second = await waitForNewImage(first);
    expect(labelOf(first)).toBe(pathOf(first).split('/')[0]);
    expect(lastSource(first)).toBe('user');

    await s.page.keyboard.press(truthKey(pathOf(second)));
    const third = await waitForNewImage(second);
    expect(labelOf(second)).not.toBeNull();

    // Undo: the last label goes, and its image comes back on screen.
    await s.page.keyboard.press('Control+z');
    await s.page.waitForFunction((id) => document.querySelector('[data-test=queue-image]')?.getAttribute('data-image-id') === String(id), second);
    expect(labelOf(second)).toBeNull();
    expect(third).not.toBe(second);

    // Skip passes over it for this session.
    await s.page.keyboard.press('s');
    const afterSkip = await waitForNewImage(second);
    expect(labelOf(second)).toBeNull();

    // A dozen more by their true class: two classes labelled start suggestions in the background.
    let id = afterSkip;
    for (let i = 0; i < 14; i++) {
      await s.page.keyboard.press(truthKey(pathOf(id)));
      id = await waitForNewImage(id);
    }
    await s.page.waitForFunction(() => /15 of 45 labelled/.test(document.querySelector('[data-test=label-progress]')?.textContent ?? ''));
  });

  it('refreshes suggestions in the background and accepts the one in view with Enter', async () => {
    // The refresh (embeddings, then the quick head) runs as a job; the view stays usable meanwhile.
    await s.page.waitForFunction(() => document.querySelector('[data-test=suggestion-job]')?.getAttribute('data-state') !== 'idle', undefined, { timeout: 30_000 }).catch(() => undefined);
    await s.page.waitForFunction(() => /Suggestions from \d+ labels/.test(document.querySelector('[data-test=suggestion-job]')?.textContent ?? ''), undefined, { timeout: 180_000 });
    await s.page.locator('[data-test=queue-suggestion]').waitFor({ timeout: 30_000 });
    await shots('20-to-label');

    const id = await currentId();
    const suggested = await s.page.locator('[data-test=queue-suggestion]').getAttribute('data-class');
    await s.page.keyboard.press('Enter');
    await waitForNewImage(id);
    expect(labelOf(id)).toBe(suggested);
    expect(lastSource(id)).toBe('suggestion');

    // Ctrl+Z takes an accepted suggestion back like any label.
    await s.page.keyboard.press('Control+z');
    await s.page.waitForFunction((i) => document.querySelector('[data-test=queue-image]')?.getAttribute('data-image-id') === String(i), id);
    expect(labelOf(id)).toBeNull();
  });

  it('shows suggestions outlined in the labeller and bulk-accepts those above a confidence', async () => {
    await s.page.click('[data-test=tab-labeller]');
    await s.page.locator('[data-test=cell-suggestion]').first().waitFor();
    // Suggestions are not labels: the cell still counts as unlabelled in facet.db.
    const suggestedCell = s.page.locator('[data-test=cell-suggestion]').first().locator('xpath=ancestor::*[@data-test="cell"]');
    const cellId = Number(await suggestedCell.getAttribute('data-image-id'));
    expect(await suggestedCell.getAttribute('data-class')).toBe('');
    expect(labelOf(cellId)).toBeNull();

    // The preview shows the suggestion with its confidence, and Enter there accepts it.
    const suggestedName = await s.page.locator('[data-test=cell-suggestion]').first().getAttribute('data-suggested');
    await suggestedCell.click();
    await s.page.keyboard.press('Space');
    const shown = s.page.locator('[data-test=preview-suggestion]');
    await shown.waitFor();
    expect(await shown.innerText()).toMatch(new RegExp(`^${suggestedName} · \\d+% confident`));
    await screenshot(s.page, '21a-preview-suggestion');
    await s.page.keyboard.press('Enter');
    await expect.poll(() => labelOf(cellId)).toBe(suggestedName);
    expect(lastSource(cellId)).toBe('suggestion');
    await s.page.keyboard.press('Space');
    await s.page.locator('[data-test=preview]').waitFor({ state: 'detached' });
    await s.page.keyboard.press('Control+z');
    await expect.poll(() => labelOf(cellId)).toBeNull();

    const before = unlabelled();
    await s.page.click('[data-test=open-bulk-accept]');
    await s.page.fill('[data-test=bulk-min-confidence]', '40');
    await s.page.locator('[data-test=bulk-count]').waitFor();
    const previewed = Number((await s.page.locator('[data-test=bulk-count]').innerText()).replace(/,/g, ''));
    const expected = db((d) => (d.prepare('SELECT COUNT(*) AS n FROM suggestions WHERE dataset_id = ? AND confidence >= 0.4').get(datasetId) as { n: number }).n);
    expect(previewed).toBe(expected);
    expect(previewed).toBeGreaterThan(0);
    expect(unlabelled()).toBe(before); // the preview labelled nothing
    await shots('21-bulk-accept');
    await s.page.click('[data-test=bulk-confirm]');
    await s.page.locator('[role=dialog]').waitFor({ state: 'detached' });
    await s.page.waitForFunction((n) => new RegExp(`Accepted ${n} suggestion`).test(document.querySelector('[data-test=last-action]')?.textContent ?? ''), previewed);
    expect(unlabelled()).toBe(before - previewed);
    const sources = db((d) => d.prepare(`SELECT DISTINCT source FROM label_history WHERE edit_id = (SELECT MAX(edit_id) FROM label_history)`).all() as { source: string }[]);
    expect(sources.map((r) => r.source)).toEqual(['suggestion']);

    // One edit: one Ctrl+Z brings every one of them back to unlabelled.
    await s.page.locator('[data-test=grid]').focus();
    await s.page.keyboard.press('Control+z');
    await s.page.waitForFunction(() => /Undid/.test(document.querySelector('[data-test=last-action]')?.textContent ?? ''));
    expect(unlabelled()).toBe(before);
  });

  it('labels what a lasso on the map encloses, in one call, and opens a selection in the labeller', async () => {
    await s.page.click('[data-test=tab-map]');
    const compute = s.page.locator('[data-test=map-compute]');
    const canvas = s.page.locator('[data-test=map-canvas]');
    await Promise.race([compute.waitFor(), canvas.waitFor()]);
    if (await compute.isVisible()) {
      await compute.click();
      await canvas.waitFor({ timeout: 180_000 });
    }
    await s.page.waitForTimeout(300);
    await shots('22-map');

    const points = mapRows(await s.core.call('map/get', { datasetId }));
    expect(points).toHaveLength(45);
    const clip = toClipSpace(
      points.map((p) => p.x),
      points.map((p) => p.y),
    );
    const box = (await canvas.boundingBox())!;
    const screen = points.map((_, i) => dataToScreen(FIT, box.width, box.height, clip.x[i]!, clip.y[i]!));

    // Hover shows the thumbnail of the point under the pointer.
    await s.page.mouse.move(box.x + screen[0]![0], box.y + screen[0]![1]);
    await s.page.locator('[data-test=map-hover] img').waitFor();
    expect(await s.page.locator('[data-test=map-hover]').innerText()).toContain(points[0]!.path);

    // A drag moves the picture while the pointer moves; once released the map is drawn anew where the
    // drag left it: the point is drawn (and hovered) at its new place, and nothing is left at the old one.
    const lonely = lonelyPoint(screen, box);
    const [ox, oy] = screen[lonely]!;
    const [dx, dy] = [70, -45];
    await s.page.mouse.move(box.x + ox - 30, box.y + oy + 20);
    await s.page.mouse.down();
    await s.page.mouse.move(box.x + ox - 30 + dx, box.y + oy + 20 + dy, { steps: 15 });
    await s.page.mouse.up();
    await s.page.waitForTimeout(200);
    await expect.poll(() => canvas.locator('canvas').evaluate((c) => c.style.transform), { timeout: 15_000 }).toBe('');
    const shot = await sharp(await s.page.screenshot({ clip: box })).raw().toBuffer({ resolveWithObject: true });
    const background = pixel(shot, 4, box.height - 4);
    expect(differs(pixel(shot, ox + dx, oy + dy), background)).toBe(true);
    expect(differs(pixel(shot, ox, oy), background)).toBe(false);
    await s.page.mouse.move(box.x + ox + dx, box.y + oy + dy);
    await s.page.waitForFunction((p) => document.querySelector('[data-test=map-hover]')?.textContent?.includes(p), points[lonely]!.path);

    // The same after a wheel zoom: the scaled picture is replaced by the zoomed map once the wheel rests.
    await s.page.click('[data-test=map-reset]');
    const [wx, wy] = [ox - 60, oy + 50];
    await s.page.mouse.move(box.x + wx, box.y + wy);
    await s.page.mouse.wheel(0, -300);
    await s.page.waitForTimeout(400);
    await expect.poll(() => canvas.locator('canvas').evaluate((c) => c.style.transform), { timeout: 15_000 }).toBe('');
    const zoomed = zoomAt(FIT, box.width, box.height, Math.exp(300 * 0.0015), wx, wy);
    const [zx, zy] = dataToScreen(zoomed, box.width, box.height, clip.x[lonely]!, clip.y[lonely]!);
    const zoomShot = await sharp(await s.page.screenshot({ clip: box })).raw().toBuffer({ resolveWithObject: true });
    expect(differs(pixel(zoomShot, zx, zy), background)).toBe(true);
    await s.page.mouse.move(box.x + zx, box.y + zy);
    await s.page.waitForFunction((p) => document.querySelector('[data-test=map-hover]')?.textContent?.includes(p), points[lonely]!.path);
    await s.page.click('[data-test=map-reset]');

    // A lasso around the left part of the map (split at the median point's x).
    const xs = screen.map(([x]) => x).sort((a, b) => a - b);
    const cut = (xs[Math.floor(xs.length / 2) - 1]! + xs[Math.floor(xs.length / 2)]!) / 2;
    await s.page.click('[data-test=map-tool-lasso]');
    const path = [[2, 2], [cut, 2], [cut, box.height - 2], [2, box.height - 2]] as const;
    await s.page.mouse.move(box.x + path[0][0], box.y + path[0][1]);
    await s.page.mouse.down();
    for (const [px, py] of [...path.slice(1), path[0]]) await s.page.mouse.move(box.x + px, box.y + py, { steps: 12 });
    await s.page.mouse.up();
    const inside = points.filter((_, i) => screen[i]![0] < cut);
    await s.page.waitForFunction((n) => document.querySelector('[data-test=map-selected-count]')?.textContent === String(n), inside.length);
    await shots('23-map-lasso');

    await s.page.keyboard.press('3');
    await s.page.waitForFunction(() => /→ social \(on the map\)/.test(document.querySelector('[data-test=last-action]')?.textContent ?? ''));
    for (const p of inside) expect(labelOf(p.imageId)).toBe('social');
    const outsideSocial = points.filter((_, i) => screen[i]![0] >= cut).filter((p) => labelOf(p.imageId) === 'social' && p.label !== 'social');
    expect(outsideSocial).toEqual([]);
    // One labels/set call: one edit holds every image of the lasso that changed.
    const lastEdit = db((d) => d.prepare('SELECT COUNT(DISTINCT image_id) AS n FROM label_history WHERE edit_id = (SELECT MAX(edit_id) FROM label_history)').get() as { n: number }).n;
    expect(lastEdit).toBe(inside.filter((p) => p.label !== 'social').length);
    await s.page.selectOption('[data-test=map-colour-by]', 'split');
    await shots('24-map-by-split');

    await s.page.click('[data-test=map-open-labeller]');
    await s.page.locator('[data-test=scope-filter]').waitFor();
    expect(await s.page.locator('[data-test=grid]').getAttribute('data-total')).toBe(String(inside.length));
  });

  it('logged no errors in the page console', () => {
    expect(s.consoleErrors).toEqual([]);
    expect(fs.existsSync(path.join(s.dir, 'workspace', 'facet.db'))).toBe(true);
  });
});
