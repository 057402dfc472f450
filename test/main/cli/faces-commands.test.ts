// `facet faces` through its command module, with the analysis in a forked process (needs the
// build: npm run build), on the demo data set's procedural faces and on real photos.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerFacesCommands } from '../../../src/main/cli/faces-commands.js';
import { Core } from '../../../src/main/core/index.js';
import { generateDemo } from '../../../src/main/core/demo/generate.js';
import { Workspace } from '../../../src/main/core/platform/workspace.js';
import { samplePhotos } from '../core/faces/photos.js';
import { runCli } from './harness.js';

let dir: string;
let core: Core;

const facet = (...argv: string[]) => runCli(() => core, [registerFacesCommands], argv, { throwErrors: true });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facet-faces-cli-'));
  core = new Core(Workspace.open(path.join(dir, 'ws')));
}, 60_000);

afterAll(async () => {
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('facet faces', () => {
  it('analyses in a forked process and prints the JSON fields scripts rely on (demo data set: procedural faces)', async () => {
    const demo = await generateDemo({ out: path.join(dir, 'demo'), count: 12, seed: 3 });
    const { datasetId } = await core.call('datasets/import', { folder: demo.out });
    const progress: string[] = [];
    const off = core.events.on('faces/progress', (p) => progress.push(p.phase));
    const run = await facet('--json', 'faces', String(datasetId));
    off();
    const json = run.json<{ images: number; faces: number; noFace: number; multiFace: number }>();
    expect(json.images).toBe(12);
    expect(json.noFace + (json.images - json.noFace - json.multiFace) + json.multiFace).toBe(12);
    expect(progress).toContain('done');
    // The demo's faces are drawn for a real detector to find (12 of 12 here when measured; a few
    // social thumbnails may be missed: test/main/core/demo/faces-detected.test.ts).
    expect(json.faces).toBeGreaterThanOrEqual(10);
    console.info(`demo faces: ${JSON.stringify(json)}`);
  });

  it('groups identities and reports leaks on real photos, in-process', async () => {
    const root = path.join(dir, 'photos');
    for (const [i, photo] of samplePhotos().slice(0, 2).entries()) {
      fs.mkdirSync(path.join(root, `class${i}`), { recursive: true });
      await sharp(photo).resize(800).jpeg().toFile(path.join(root, `class${i}`, 'a.jpg'));
      await sharp(photo).resize(700).jpeg({ quality: 60 }).toFile(path.join(root, `class${i}`, 'b.jpg'));
    }
    const { datasetId } = await core.call('datasets/import', { folder: root });
    const run = await facet('faces', String(datasetId), '--in-process', '--group', '--leaks', '--show', 'multi-face');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('4/4 images analysed');
    expect(run.stdout).toMatch(/Identity groups/);
    expect(run.stdout).toContain('multi-face (4)');
  });
});
