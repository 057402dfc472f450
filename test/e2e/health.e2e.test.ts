// The Health view in Chromium against the browser-mode server: the dataset summary's health line,
// counts per issue type with examples, exclude / undo in place (checked in facet.db), a burst of
// near-identical shots as one group, the "fix the top 50" keyboard flow, and the click-through to
// the labeller.
import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { saveEmbeddings } from '../../src/main/core/embeddings/embedding-store.js';
import { burst, jpeg, scene, withProblem } from '../main/core/quality/health/synthetic.js';
import { openSession, screenshot, tempDir, type Session } from './harness.js';

let s: Session;
let datasetId: number;

function db<T>(fn: (d: BetterSqlite3.Database) => T): T {
  const d = new BetterSqlite3(path.join(s.dir, 'workspace', 'facet.db'), { readonly: true });
  try {
    return fn(d);
  } finally {
    d.close();
  }
}
const excluded = (p: string) => db((d) => (d.prepare('SELECT excluded FROM images WHERE path = ?').get(p) as { excluded: number }).excluded === 1);
const classOf = (p: string) => db((d) => (d.prepare('SELECT c.name FROM images i JOIN classes c ON c.id = i.class_id WHERE i.path = ?').get(p) as { name: string }).name);

beforeAll(async () => {
  const dir = tempDir('facet-e2e-health-');
  const root = path.join(dir, 'photos');
  for (const c of ['cats', 'dogs']) fs.mkdirSync(path.join(root, c), { recursive: true });
  for (let i = 0; i < 14; i++) fs.writeFileSync(path.join(root, i % 2 ? 'cats' : 'dogs', `ok${String(i).padStart(2, '0')}.jpg`), await jpeg(scene(100 + i)));
  fs.writeFileSync(path.join(root, 'cats', 'blurry.jpg'), await withProblem('blurry', 1));
  fs.writeFileSync(path.join(root, 'dogs', 'dark.jpg'), await withProblem('dark', 2));
  fs.writeFileSync(path.join(root, 'dogs', 'blank.jpg'), await withProblem('low-information', 4));
  for (const [i, b] of (await burst(9, 5)).entries()) fs.writeFileSync(path.join(root, 'cats', `burst${i}.jpg`), b);
  s = await openSession(dir, { width: 1360, height: 900 });
  datasetId = (await s.core.call('datasets/import', { folder: root, name: 'pets' })).datasetId;
});

afterAll(async () => {
  await s?.close();
});

describe('the Health view', () => {
  it('the dataset summary shows a health line that opens the Health view', async () => {
    await s.page.goto(s.server.url);
    const line = s.page.locator('[data-test=dataset-health]');
    await line.waitFor();
    // The import's health job may still be measuring: the line says so, then shows what it found.
    await s.page.locator('[data-test=dataset-health-checking]').waitFor({ state: 'detached', timeout: 60_000 });
    expect(await line.innerText()).toMatch(/1 blurry · 1 too dark · 1 nearly empty · 1 near-duplicate group/);
    await screenshot(s.page, '60-dataset-health-line');
    await s.page.click('[data-test=dataset-health-open]');
    await s.page.locator('[data-test=health-panel]').waitFor();
    expect(datasetId).toBeGreaterThan(0);
  });

  it('counts each issue type with examples; a type opens its pictures; exclude is undone by Undo', async () => {
    expect(await s.page.locator('[data-test=health-line]').innerText()).toMatch(/1 blurry/);
    const types = await s.page.locator('[data-test=health-type]').evaluateAll((els) => els.map((e) => e.getAttribute('data-type')));
    expect(types).toEqual(['blurry', 'dark', 'low-information', 'near-duplicate']);
    await s.page.click('[data-test=health-type][data-type=blurry]');
    const issue = s.page.locator('[data-test=health-issue]');
    await issue.first().waitFor();
    expect(await issue.count()).toBe(1);
    expect(await issue.first().innerText()).toContain('cats/blurry.jpg');
    await screenshot(s.page, '61-health-blurry');
    await s.page.click('[data-test=issue-exclude]');
    await s.page.locator('[data-test=health-type][data-type=blurry]').waitFor({ state: 'detached' });
    expect(excluded('cats/blurry.jpg')).toBe(true);
    await s.page.click('[data-test=health-undo]');
    await s.page.locator('[data-test=health-type][data-type=blurry]').waitFor();
    expect(excluded('cats/blurry.jpg')).toBe(false);
    expect(await s.page.locator('[data-test=health-status]').innerText()).toBe('Undid excluding 1 image');
  });

  it('a burst is one group: keep the first, exclude the other four', async () => {
    await s.page.click('[data-test=health-type][data-type=near-duplicate]');
    const group = s.page.locator('[data-test=health-group]');
    await group.first().waitFor();
    expect(await group.count()).toBe(1);
    await screenshot(s.page, '62-health-duplicate-group');
    await s.page.click('[data-test=group-exclude]');
    await s.page.locator('[data-test=health-type][data-type=near-duplicate]').waitFor({ state: 'detached' });
    expect([0, 1, 2, 3, 4].map((i) => excluded(`cats/burst${i}.jpg`))).toEqual([false, true, true, true, true]);
    await s.page.click('[data-test=health-undo]');
    await s.page.locator('[data-test=health-type][data-type=near-duplicate]').waitFor();
    expect([0, 1, 2, 3, 4].some((i) => excluded(`cats/burst${i}.jpg`))).toBe(false);
  });

  it('"fix the top 50": X excludes, F keeps, a digit moves to a class, U undoes, all from the keyboard', async () => {
    await s.page.click('[data-test=health-fix]');
    const items = s.page.locator('[data-test=fix-item]');
    await items.first().waitFor();
    expect(await items.count()).toBe(4);
    await screenshot(s.page, '63-health-fix-top');
    const firstType = await items.first().getAttribute('data-type');
    await s.page.keyboard.press('x');
    await expect.poll(() => items.count()).toBe(3);
    expect(await s.page.locator('[data-test=fix-progress]').innerText()).toMatch(/1 done · 3 to go/);
    await s.page.keyboard.press('u');
    await expect.poll(() => items.count()).toBe(4);
    expect(await items.first().getAttribute('data-type')).toBe(firstType);
    // Down to the dark picture, "fine"; then (a click focuses) move the blank one to the first class (cats).
    const order = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-type')));
    for (let i = 0; i < order.indexOf('dark'); i++) await s.page.keyboard.press('ArrowDown');
    await s.page.keyboard.press('f');
    await expect.poll(() => items.count()).toBe(3);
    await s.page.click('[data-test=fix-item][data-type=low-information]');
    await s.page.keyboard.press('1');
    await expect.poll(() => classOf('dogs/blank.jpg')).toBe('cats');
    await screenshot(s.page, '64-health-fix-progress');
    await s.page.keyboard.press('Escape');
    await s.page.locator('[data-test=health-fixing]').waitFor({ state: 'detached' });
  });

  it('shows the pictures of a type in the labeller', async () => {
    const type = s.page.locator('[data-test=health-type][data-type=near-duplicate]');
    if ((await type.getAttribute('aria-pressed')) !== 'true') await type.click();
    await s.page.click('[data-test=health-in-labeller]');
    const banner = s.page.locator('[data-test=scope-filter]');
    await banner.waitFor();
    expect(await banner.innerText()).toMatch(/near-duplicate\s*· 5 image/);
    await screenshot(s.page, '65-labeller-health-duplicates');
  });

  it('while the pictures are compared again (new embeddings), the line and the view say so and keep the last results', async () => {
    const db = s.core.workspace.db;
    const hashes = (db.prepare('SELECT hash FROM images WHERE dataset_id = ?').all(datasetId) as { hash: string }[]).map((r) => r.hash);
    saveEmbeddings(db, 'mobilenet', hashes.map((hash, i) => ({ hash, vector: Float32Array.from({ length: 16 }, (_, d) => Math.sin(i * 7 + d)) })));
    // The comparing job is held back until the screenshots are taken: its first event goes out at
    // once, the real job runs when released.
    const start = s.core.jobs.start.bind(s.core.jobs);
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const spy = vi.spyOn(s.core.jobs, 'start').mockImplementationOnce((kind, args, opts) => {
      opts.onEvent?.({ datasetId, done: 0, total: 0, phase: 'comparing' } as never);
      const held = gate.then(() => start(kind, args, opts));
      return { key: 'held', kind, pid: undefined, ready: held.then((j) => j.ready), done: held.then((j) => j.done) };
    });
    try {
      // As after an embeddings pass: the comparing starts in the background, the page is opened meanwhile.
      s.core.health.measureInBackground(datasetId);
      await s.page.goto(s.server.url);
      await s.page.click('[data-test=tab-datasets]');
      const checking = s.page.locator('[data-test=dataset-health-checking]');
      await checking.waitFor();
      expect(await checking.innerText()).toBe('comparing the pictures for near-duplicates and outliers…');
      await screenshot(s.page, '66-dataset-health-comparing');
      await s.page.click('[data-test=dataset-health-open]');
      const status = s.page.locator('[data-test=health-measuring]');
      await status.waitFor();
      expect(await status.innerText()).toMatch(/Comparing the pictures for near-duplicates and outliers/);
      // The last comparison's group is still listed meanwhile.
      await s.page.locator('[data-test=health-type][data-type=near-duplicate]').waitFor();
      await screenshot(s.page, '67-health-comparing');
      release();
      await status.waitFor({ state: 'detached', timeout: 60_000 });
      expect(await s.page.locator('[data-test=health-panel]').innerText()).toMatch(/of \d+ pictures checked/);
    } finally {
      release();
      spy.mockRestore();
    }
  });
});
