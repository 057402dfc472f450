// A face-embedding run in Chromium against the browser-mode server: trained on real face crops (see
// test/main/core/faces/photos.ts), it predicts a new photo from the Predict view, naming the face it
// classified, and exports to ONNX from the Runs view with the onnxruntime check shown.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplePhotos, writePeopleDataset } from '../main/core/faces/photos.js';
import { openSession, screenshot, tempDir, type Session } from './harness.js';

let s: Session;
let dir: string;
let runId: number;
let newPhoto: string;
let person: string;

beforeAll(async () => {
  dir = tempDir('facet-e2e-face-embedding-');
  const root = path.join(dir, 'people');
  const people = await writePeopleDataset(root, 3, 8);
  s = await openSession(dir, { width: 1360, height: 900 });
  const datasetId = (await s.core.call('datasets/import', { folder: root, name: 'people' })).datasetId;
  await s.core.call('faces/analyse', { datasetId });
  const run = await s.core.call('runs/start', { datasetId, name: 'faces head', hyperparameters: { preset: 'face-embedding', epochs: 30 } });
  runId = run.id;
  const done = await s.core.runs.wait(runId);
  if (done.status !== 'completed') throw new Error(`the face-embedding run did not complete: ${done.status}`);
  // A photo the run never saw: one of person1's crops, mirrored, smaller and recompressed.
  person = people.classes[0]!;
  const first = fs.readdirSync(path.join(root, person)).sort()[0]!;
  newPhoto = path.join(dir, 'new-photo.jpg');
  await sharp(path.join(root, person, first)).flop().resize(88).jpeg({ quality: 75 }).toFile(newPhoto);
  expect(samplePhotos().length).toBeGreaterThan(0);
}, 240_000);

afterAll(async () => {
  await s?.close();
});

describe('a face-embedding run in the browser', () => {
  it('predicts a new photo from the Predict view and says which face it classified', async () => {
    await s.page.goto(s.server.url);
    await s.page.click('[data-test=tab-predict]');
    await s.page.locator('[data-test=predict-run]').waitFor();
    await s.page.selectOption('[data-test=predict-run]', String(runId));
    await s.page.fill('[data-test=predict-paths]', newPhoto);
    await s.page.click('[data-test=predict-button]');
    const prediction = s.page.locator('[data-test=prediction]');
    await prediction.waitFor({ timeout: 60_000 });
    expect(await prediction.getAttribute('data-class')).toBe(person);
    expect(await s.page.locator('[data-test=prediction-face]').innerText()).toMatch(/^Classified the face at \d+, \d+ \(\d+×\d+ px, detector score 0\.\d\d\)\.$/);
    await screenshot(s.page, '80-predict-face-embedding');
  });

  it('exports the head to ONNX from the Runs view, checked in onnxruntime', async () => {
    await s.page.click('[data-test=tab-runs]');
    const exportButton = s.page.locator(`[data-test=run-row][data-run-id="${runId}"] [data-test=run-export]`);
    await exportButton.waitFor();
    expect(await exportButton.isDisabled()).toBe(false);
    await exportButton.click();
    await s.page.locator('[data-test=run-export-dialog]').waitFor();
    expect(await s.page.locator('[data-test=export-head-note]').innerText()).toMatch(/descriptor/i);
    const out = path.join(dir, 'exports', 'head-onnx');
    await s.page.check('[data-test=export-format-onnx]');
    await s.page.fill('[data-test=export-out]', out);
    await s.page.click('[data-test=export-start]');
    await s.page.locator('[data-test=export-result]').waitFor({ timeout: 60_000 });
    expect((await s.page.locator('[data-test=export-files] li').allInnerTexts()).map((f) => f.trim())).toEqual(
      expect.arrayContaining(['model.onnx', 'labels.json', 'preprocessing.json', 'MODEL_CARD.md']),
    );
    expect(await s.page.locator('[data-test=export-verdict]').innerText()).toMatch(/Verified/);
    expect(fs.existsSync(path.join(out, 'model.onnx'))).toBe(true);
    await screenshot(s.page, '81-export-face-head-onnx');
    await s.page.click('[data-test=export-close]');
    expect(s.consoleErrors).toEqual([]);
  });
});
