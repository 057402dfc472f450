// The labeller's "Face crops" toggle in Chromium against the browser-mode server: disabled with an
// explanation until the dataset's faces are analysed, then the grid switches to /face-thumbs/ (real
// photos show their face, square; pictures without a face stay whole), the choice survives a reload,
// and turning it off brings the whole pictures back. Three of face-api's demo photos join the demo set.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../src/main/core/demo/generate.js';
import { openSession, screenshot, tempDir, type Session } from './harness.js';
import { expectReadableDarkTheme } from './contrast.js';

const require = createRequire(import.meta.url);
const FACE_API_DEMO = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
/** Named to sort first, so the photos are in the grid's first row. */
const PHOTOS = ['camera/0-group-1.jpg', 'phone/0-group-3.jpg', 'social/0-group-5.jpg'];

let s: Session;
let datasetId: number;

const toggle = () => s.page.locator('[data-test=face-crops]');

/** src of every thumbnail in the grid, once all of them have loaded (none broken). */
async function gridSources(): Promise<string[]> {
  await s.page.waitForFunction(() => {
    const imgs = [...document.querySelectorAll('[data-test=cell] img')] as HTMLImageElement[];
    return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
  });
  return s.page.$$eval('[data-test=cell] img', (imgs) => imgs.map((i) => (i as HTMLImageElement).getAttribute('src') ?? ''));
}

/** Natural size of the picture in the cell whose caption is `name`. */
async function naturalSize(name: string): Promise<{ w: number; h: number; src: string }> {
  return s.page.$eval(`[data-test=cell][title$="${name}"] img`, (img) => ({
    w: (img as HTMLImageElement).naturalWidth,
    h: (img as HTMLImageElement).naturalHeight,
    src: img.getAttribute('src') ?? '',
  }));
}

/** First visit: the printed URL; later: a reload (the token stays in sessionStorage, the view starts over). */
async function openLabeller(reload = false): Promise<void> {
  if (reload) await s.page.reload();
  else await s.page.goto(s.server.url);
  await s.page.locator('[data-test=open-labeller]').click();
  await s.page.locator('[data-test=grid]').waitFor();
}

beforeAll(async () => {
  const dir = tempDir('facet-e2e-face-thumbs-');
  const root = path.join(dir, 'faces');
  await generateDemo({ out: root, count: 24, size: 64 });
  fs.copyFileSync(path.join(FACE_API_DEMO, 'sample1.jpg'), path.join(root, PHOTOS[0]!));
  fs.copyFileSync(path.join(FACE_API_DEMO, 'sample3.jpg'), path.join(root, PHOTOS[1]!));
  fs.copyFileSync(path.join(FACE_API_DEMO, 'sample5.jpg'), path.join(root, PHOTOS[2]!));
  s = await openSession(dir, { width: 1280, height: 800 });
  datasetId = (await s.core.call('datasets/import', { folder: root, name: 'faces and photos' })).datasetId;
});

afterAll(async () => {
  await s?.close();
});

describe('face-crop thumbnails in the labeller', () => {
  it('offers the toggle disabled, with the reason, while no face is analysed', async () => {
    await openLabeller();
    await s.page.locator('[data-test=face-crops-toggle]').waitFor();
    expect(await toggle().isDisabled()).toBe(true);
    expect(await s.page.getAttribute('[data-test=face-crops-toggle]', 'title')).toMatch(/Analyse faces first/);
    expect((await gridSources()).every((src) => src.startsWith('/thumbs/'))).toBe(true);
    await screenshot(s.page, '69-labeller-face-crops-disabled');
  });

  it('enables it once the analysis (started elsewhere) finishes', async () => {
    const summary = await s.core.call('faces/analyse', { datasetId });
    expect(summary.faces).toBeGreaterThanOrEqual(3);
    await s.page.waitForFunction(() => !(document.querySelector('[data-test=face-crops]') as HTMLInputElement | null)?.disabled, undefined, { timeout: 30_000 });
    expect(await s.page.getAttribute('[data-test=face-crops-toggle]', 'title')).toMatch(/most confident face, levelled and framed/);
    expect(await toggle().isChecked()).toBe(false);
    const whole = await naturalSize('0-group-1.jpg');
    expect(whole.src).toMatch(/^\/thumbs\//);
    expect(whole.w).toBeGreaterThan(whole.h); // the whole landscape photo
    await screenshot(s.page, '70-labeller-face-crops-off');
  });

  it('switches the grid to face crops: the photos show their face, square; pictures without a face stay whole', async () => {
    await toggle().check();
    await s.page.waitForFunction(() => document.querySelector('[data-test=grid]')?.getAttribute('data-face-crops') === 'true');
    const sources = await gridSources();
    expect(sources.length).toBeGreaterThan(PHOTOS.length);
    expect(sources.every((src) => src.startsWith('/face-thumbs/'))).toBe(true);
    for (const photo of PHOTOS) {
      const crop = await naturalSize(path.basename(photo));
      expect(crop.w, photo).toBe(crop.h);
      const res = await s.page.request.get(new URL(crop.src, s.server.origin).href);
      expect(res.headers()['x-facet-face'], photo).toBe('crop');
    }
    // Most synthetic demo faces are not detected by the real detector: their whole picture answers.
    const kinds = await Promise.all(sources.map(async (src) => (await s.page.request.get(new URL(src, s.server.origin).href)).headers()['x-facet-face']));
    expect(kinds.filter((k) => k === 'crop').length).toBeGreaterThanOrEqual(PHOTOS.length);
    expect(kinds.every((k) => k === 'crop' || k === 'none')).toBe(true);
    await screenshot(s.page, '71-labeller-face-crops-on');
  });

  it('remembers the choice across a reload, and turning it off brings the whole pictures back', async () => {
    await openLabeller(true);
    await s.page.waitForFunction(() => (document.querySelector('[data-test=face-crops]') as HTMLInputElement | null)?.checked === true, undefined, { timeout: 30_000 });
    expect((await gridSources()).every((src) => src.startsWith('/face-thumbs/'))).toBe(true);
    await toggle().uncheck();
    const sources = await gridSources();
    expect(sources.every((src) => src.startsWith('/thumbs/'))).toBe(true);
    const whole = await naturalSize('0-group-1.jpg');
    expect(whole.w).toBeGreaterThan(whole.h);
  });

  it('is readable in the dark theme too: dark background, every text at WCAG AA contrast', async () => {
    await toggle().check();
    await gridSources();
    await s.page.emulateMedia({ colorScheme: 'dark' });
    await expectReadableDarkTheme(s.page);
    await screenshot(s.page, '72-labeller-face-crops-dark');
    await s.page.emulateMedia({ colorScheme: 'light' });
  });

  it('logged no errors in the page console', () => {
    expect(s.consoleErrors).toEqual([]);
  });
});
