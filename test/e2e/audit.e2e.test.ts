// The Audit view in Chromium against the browser-mode server: suspects ranked with label and
// suggestion side by side, Enter accepts, 1–9 picks another class, Esc keeps the label (all checked
// in facet.db), a leaking pair moved into one split, and a real audit started from the view. An audit
// of a tiny dataset says it is not reliable, and Enter alone does not accept its suggestions.
import BetterSqlite3 from 'better-sqlite3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../src/main/core/demo/generate.js';
import { createAudit, finishAudit, loadAuditItems, saveAuditFindings, saveFoldProbabilities } from '../../src/main/core/quality/audit-store.js';
import { AuditSettingsSchema } from '../../src/shared/quality.js';
import { openSession, screenshot, tempDir, type Session } from './harness.js';

let s: Session;
let datasetId: number;
/** The three images the seeded audit says are wrong, most suspect first. */
let wrong: { imageId: number; label: string }[];
let leak: { trainId: number; testId: number };

function db<T>(fn: (d: BetterSqlite3.Database) => T): T {
  const d = new BetterSqlite3(path.join(s.dir, 'workspace', 'facet.db'), { readonly: true });
  try {
    return fn(d);
  } finally {
    d.close();
  }
}
const classOf = (imageId: number) => db((d) => (d.prepare('SELECT c.name FROM images i JOIN classes c ON c.id = i.class_id WHERE i.id = ?').get(imageId) as { name: string }).name);
const splitOf = (imageId: number) => db((d) => (d.prepare('SELECT split FROM images WHERE id = ?').get(imageId) as { split: string }).split);

beforeAll(async () => {
  const dir = tempDir('facet-e2e-audit-');
  const out = path.join(dir, 'faces');
  // 21–23 images per class: above the 20 an audit the core calls reliable needs.
  await generateDemo({ out, count: 66, size: 64 });
  s = await openSession(dir, { width: 1360, height: 900 });
  // Imported first: the studio opens on the latest dataset, the demo.
  const tinyOut = path.join(dir, 'tiny');
  await generateDemo({ out: tinyOut, count: 30, size: 64 });
  const tinyId = (await s.core.call('datasets/import', { folder: tinyOut, name: 'tiny faces' })).datasetId;
  datasetId = (await s.core.call('datasets/import', { folder: out, name: 'demo faces', groupBy: '^(id\\d+)_' })).datasetId;

  // A finished audit with known probabilities (the fold models are tested elsewhere): every image
  // agrees with its label except three, which look like the next class (camera → phone → social).
  const wdb = s.core.workspace.db;
  const auditId = createAudit(wdb, datasetId, AuditSettingsSchema.parse({ folds: 2 }));
  const items = loadAuditItems(wdb, auditId);
  const ofClass = (c: number) => items.filter((it) => it.classIndex === c);
  const picks = [ofClass(0)[0]!, ofClass(1)[1]!, ofClass(2)[2]!];
  const selfConfidence = [0.02, 0.05, 0.08];
  saveFoldProbabilities(
    wdb,
    auditId,
    items.map((it) => {
      const at = picks.indexOf(it);
      const p = [0.05, 0.05, 0.05];
      if (at < 0) p[it.classIndex] = 0.9;
      else {
        p[it.classIndex] = selfConfidence[at]!;
        p[(it.classIndex + 1) % 3] = 0.93 - selfConfidence[at]!;
      }
      return { imageId: it.imageId, probabilities: p };
    }),
  );
  const classes = ['camera', 'phone', 'social'];
  wrong = picks.map((p) => ({ imageId: p.imageId, label: classes[p.classIndex]! }));
  const train = items.find((i) => i.split === 'train')!;
  const test = items.find((i) => i.split === 'test')!;
  leak = { trainId: train.imageId, testId: test.imageId };
  const ref = (i: typeof train) => ({ imageId: i.imageId, path: i.path, hash: i.hash, label: classes[i.classIndex]!, split: i.split });
  saveAuditFindings(wdb, auditId, {
    duplicates: [],
    leaks: [{ a: ref(train), b: ref(test), distance: 3, correlation: 0.995, exact: false }],
    imbalance: { counts: classes.map((c, i) => ({ class: c, count: ofClass(i).length, share: ofClass(i).length / items.length })), ratio: 1, rare: [] },
  });
  finishAudit(wdb, auditId, 'completed', null, 1);

  // The tiny audit: 30 images in 3 classes, every third one looking like the next class (67% right).
  const tinyAudit = createAudit(wdb, tinyId, AuditSettingsSchema.parse({ folds: 2 }));
  const tinyItems = loadAuditItems(wdb, tinyAudit);
  saveFoldProbabilities(
    wdb,
    tinyAudit,
    tinyItems.map((it, i) => {
      const p = [0.1, 0.1, 0.1];
      p[i % 3 === 0 ? (it.classIndex + 1) % 3 : it.classIndex] = 0.8;
      return { imageId: it.imageId, probabilities: p };
    }),
  );
  finishAudit(wdb, tinyAudit, 'completed', null, 1);
});

afterAll(async () => {
  await s?.close();
});

describe('the Audit view', () => {
  it('lists the suspects most suspect first, with the label and the suggested class side by side', async () => {
    await s.page.goto(s.server.url);
    await s.page.click('[data-test=tab-audit]');
    await s.page.locator('[data-test=suspect]').first().waitFor();
    const rows = s.page.locator('[data-test=suspect]');
    expect(await rows.count()).toBe(3);
    expect(Number(await rows.nth(0).getAttribute('data-image-id'))).toBe(wrong[0]!.imageId);
    expect(await rows.nth(0).getAttribute('data-label')).toBe(wrong[0]!.label);
    expect(await rows.nth(0).innerText()).toMatch(/labelled[\s\S]*looks like/);
    expect(await s.page.locator('[data-test=audit-summary]').innerText()).toMatch(/completed · 66 images · 2 folds/);
    // Over 20 images per class and 63 of 66 right: nothing to warn about.
    expect(await s.page.locator('[data-test=audit-unreliable]').count()).toBe(0);
    await screenshot(s.page, '40-audit-suspects');
  });

  it('opens exactly the suspects in the labeller as a filter, and back to all images', async () => {
    await s.page.click('[data-test=suspects-in-labeller]');
    const banner = s.page.locator('[data-test=scope-filter]');
    await banner.waitFor();
    expect(await banner.innerText()).toMatch(/Audit suspects\s*· 3 image/);
    const tiles = s.page.locator('[data-image-id]');
    await expect.poll(async () => (await tiles.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-image-id'))))).sort((a, b) => a - b)).toEqual(wrong.map((w) => w.imageId).sort((a, b) => a - b));
    await screenshot(s.page, '41-labeller-audit-suspects');
    await s.page.click('[data-test=clear-scope]');
    await banner.waitFor({ state: 'detached' });
    await s.page.click('[data-test=tab-audit]');
    await s.page.locator('[data-test=suspect]').first().waitFor();
  });

  it('accepts the suggestion with Enter, picks another class with a digit, keeps a label with Esc', async () => {
    const first = wrong[0]!;
    const suggested = s.page.locator(`[data-test=suspect][data-image-id="${first.imageId}"]`);
    const target = await suggested.getAttribute('data-suggested');
    await s.page.keyboard.press('Enter');
    await suggested.waitFor({ state: 'detached' });
    expect(classOf(first.imageId)).toBe(target);

    // Next in line (a phone image that looks like social): 1 picks the first class instead, camera.
    await s.page.keyboard.press('1');
    await s.page.locator(`[data-test=suspect][data-image-id="${wrong[1]!.imageId}"]`).waitFor({ state: 'detached' });
    expect(classOf(wrong[1]!.imageId)).toBe('camera');

    await s.page.keyboard.press('Escape');
    await s.page.locator('[data-test=no-suspects]').waitFor();
    expect(classOf(wrong[2]!.imageId)).toBe(wrong[2]!.label);
    expect(db((d) => d.prepare(`SELECT decision FROM audit_decisions WHERE image_id = ?`).all(wrong[2]!.imageId))).toEqual([{ decision: 'keep' }]);
    expect(db((d) => (d.prepare(`SELECT source FROM label_history WHERE image_id = ? ORDER BY id DESC LIMIT 1`).get(first.imageId) as { source: string }).source)).toBe('suggestion');
  });

  it('moves a leaking test image into its twin\'s split', async () => {
    const pair = s.page.locator('[data-test=leak]');
    await pair.first().waitFor();
    await screenshot(s.page, '41-audit-leak');
    await pair.first().locator('[data-test=leak-move]').click();
    await pair.first().waitFor({ state: 'detached' });
    expect(splitOf(leak.testId)).toBe(splitOf(leak.trainId));
  });

  it('says when an audit is not reliable, and Enter alone does not accept its suggestions', async () => {
    await s.page.click('[data-test=tab-datasets]');
    await s.page.locator('[data-test=dataset-list] button', { hasText: 'tiny faces' }).click();
    await s.page.click('[data-test=tab-audit]');
    const banner = s.page.locator('[data-test=audit-unreliable]');
    await banner.waitFor();
    const text = await banner.innerText();
    expect(text).toMatch(/This audit is not reliable/);
    expect(text).toMatch(/Too few images per class: “camera” has \d+, “phone” has \d+ and “social” has \d+ images; an audit needs at least 20 in every class/);
    expect(text).toMatch(/right on only 67% of the images they never saw; with these classes an audit needs at least 7\d%/);
    await s.page.locator('[data-test=suspect]').first().waitFor();
    await screenshot(s.page, '42-audit-unreliable');

    const row = s.page.locator('[data-test=suspect]').first();
    const imageId = Number(await row.getAttribute('data-image-id'));
    const label = (await row.getAttribute('data-label'))!;
    const suggested = (await row.getAttribute('data-suggested'))!;
    await s.page.keyboard.press('Enter');
    const dialog = s.page.locator('[role=dialog]');
    await dialog.waitFor();
    expect(await dialog.innerText()).toMatch(/Accept a suggestion of an unreliable audit\?[\s\S]*Too few images per class/);
    await screenshot(s.page, '43-audit-unreliable-confirm');
    // Enter again, and again: the dialog asks, it does not apply.
    await s.page.keyboard.press('Enter');
    await s.page.keyboard.press('Enter');
    expect(await dialog.count()).toBe(1);
    expect(classOf(imageId)).toBe(label);
    // The Accept button asks too; Esc leaves the label as it was.
    await s.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await row.locator('[data-test=accept]').click();
    await dialog.waitFor();
    await s.page.click('[data-test=cancel-accept]');
    await dialog.waitFor({ state: 'detached' });
    expect(classOf(imageId)).toBe(label);
    // Confirmed: the suggestion becomes the label.
    await s.page.keyboard.press('Enter');
    await s.page.click('[data-test=confirm-accept]');
    await s.page.locator(`[data-test=suspect][data-image-id="${imageId}"]`).waitFor({ state: 'detached' });
    expect(classOf(imageId)).toBe(suggested);
    await s.page.click('[data-test=tab-datasets]');
    await s.page.locator('[data-test=dataset-list] button', { hasText: 'demo faces' }).click();
    await s.page.click('[data-test=tab-audit]');
    await s.page.locator('[data-test=audit-summary]').waitFor();
  });

  it('runs a real audit from the view, with progress, and shows its report', async () => {
    await s.page.fill('[data-test=audit-folds]', '2');
    await s.page.click('[data-test=audit-start]');
    await s.page.locator('[data-test=audit-progress]').waitFor();
    await s.page.locator('[data-test=audit-start]').waitFor({ timeout: 240_000 });
    expect(await s.page.locator('[data-test=audit-summary]').innerText()).toMatch(/Audit 3 · completed · 66 images · 2 folds · out-of-sample accuracy/);
    expect(s.consoleErrors).toEqual([]);
  }, 300_000);

  it('cancels a running audit, says what it covers, and resumes it to the end', async () => {
    await s.page.fill('[data-test=audit-folds]', '3');
    await s.page.click('[data-test=audit-start]');
    await s.page.locator('[data-test=audit-progress]', { hasText: /Fold 2 of 3/ }).waitFor({ timeout: 240_000 });
    await s.page.click('[data-test=audit-cancel]');
    const stopped = s.page.locator('[data-test=audit-stopped]');
    await stopped.waitFor({ timeout: 60_000 });
    const text = await stopped.innerText();
    const [, predicted, images] = /predicted (\d+) of (\d+) images/.exec(text) ?? [];
    expect(Number(images)).toBe(66);
    expect(Number(predicted)).toBeGreaterThan(0); // fold 1 was done
    expect(Number(predicted)).toBeLessThan(66);
    expect(await s.page.locator('[data-test=audit-summary]').innerText()).toMatch(/Audit 4 · cancelled/);
    await screenshot(s.page, 'audit-cancelled');
    await s.page.click('[data-test=audit-resume]');
    await s.page.locator('[data-test=audit-progress]').waitFor();
    await s.page.locator('[data-test=audit-start]').waitFor({ timeout: 240_000 });
    expect(await s.page.locator('[data-test=audit-summary]').innerText()).toMatch(/Audit 4 · completed · 66 images · 3 folds · out-of-sample accuracy/);
    expect(await stopped.count()).toBe(0);
    expect(s.consoleErrors).toEqual([]);
  }, 400_000);
});
