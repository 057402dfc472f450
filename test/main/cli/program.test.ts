// The `facet` command line in-process: JSON fields scripts rely on, exit codes, and error messages.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/main/cli/program.js';
import { generateDemo, manifestPathFor } from '../../../src/main/core/demo/generate.js';
import { tempDir, writeClassFolders } from '../core/datasets/helpers.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the CLI's JSON shapes vary per command
  json: () => any;
}

let dir: string;
let cleanup: () => Promise<void>;
let workspace: string;

async function facet(...argv: string[]): Promise<Run> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(['--workspace', workspace, ...argv], { stdout, stderr }, {});
  return { code, stdout: stdout.text, stderr: stderr.text, json: () => JSON.parse(stdout.text) };
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('facet-cli-'));
  workspace = path.join(dir, 'ws');
});
afterAll(async () => cleanup());

describe('facet demo', () => {
  it('--json prints { out, images, classes, wrongLabels, manifest }', async () => {
    const out = path.join(dir, 'demo-cli');
    const run = await facet('--json', 'demo', '--out', out, '--count', '45');
    expect(run.code).toBe(0);
    const result = run.json();
    expect(result).toMatchObject({ out, images: 45, classes: ['camera', 'phone', 'social'], wrongLabels: 1, manifest: path.join(dir, 'demo-cli-manifest.json') });
    expect(run.stdout.trim().startsWith('{')).toBe(true);
  });
});

describe('facet import', () => {
  let demo: string;
  beforeAll(async () => {
    demo = path.join(dir, 'demo');
    await generateDemo({ out: demo, count: 45, size: 64 });
  });

  it('--json prints exact per-class and per-split counts and exits 0 when nothing was skipped', async () => {
    const run = await facet('--json', 'import', demo, '--split', '60/20/20');
    expect(run.code).toBe(0);
    const s = run.json();
    expect(s.datasetId).toBe(1);
    expect(s.imported).toBe(45);
    expect(s.skipped).toEqual([]);
    // Class counts are the folders' (the manifest's labelled classes, wrong labels included).
    const manifest = JSON.parse(await readFile(manifestPathFor(demo), 'utf8')) as { images: { labelledClass: string }[] };
    const perClass = new Map<string, number>();
    for (const image of manifest.images) perClass.set(image.labelledClass, (perClass.get(image.labelledClass) ?? 0) + 1);
    expect(s.classes).toEqual([...perClass].sort().map(([name, count]) => ({ name, count })));
    // Stratified per class: val and test are each 20% of the class, rounded; train takes the rest.
    const expected = { train: 0, val: 0, test: 0 };
    for (const n of perClass.values()) {
      const val = Math.round(0.2 * n);
      const test = Math.round(0.2 * n);
      expected.train += n - val - test;
      expected.val += val;
      expected.test += test;
    }
    expect(s.splits).toEqual(expected);
    expect(s.splits).toEqual({ train: 27, val: 9, test: 9 });
    expect(run.stderr).toMatch(/Scanning/);
  });

  it('prints a readable summary without --json', async () => {
    const run = await facet('import', demo);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/45 images in 3 classes/);
    expect(run.stdout).toMatch(/splits: train 27 · val 9 · test 9/);
  });

  it('exits 3 and lists each skipped file with its reason', async () => {
    const root = path.join(dir, 'with-bad');
    await writeClassFolders(root, { cats: 2, dogs: 2 });
    await writeFile(path.join(root, 'cats', 'notes.txt'), 'hello');
    await writeFile(path.join(root, 'dogs', 'broken.jpg'), 'not a jpeg');
    await writeFile(path.join(root, 'stray.png'), 'x');
    const run = await facet('--json', 'import', root);
    expect(run.code).toBe(3);
    const s = run.json();
    expect(s.imported).toBe(4);
    expect(s.skipped.map((f: { path: string }) => f.path)).toEqual(['cats/notes.txt', 'dogs/broken.jpg', 'stray.png']);
    for (const f of s.skipped) expect(typeof f.reason).toBe('string');
    const human = await facet('import', root);
    expect(human.code).toBe(3);
    expect(human.stdout).toMatch(/skipped 3 file\(s\):\n {2}cats\/notes\.txt: Not an image file/);
  });

  it.each(['80/10', '80/10/5', 'eighty'])('refuses --split %s with exit 2 and a message naming --split', async (split) => {
    const run = await facet('import', demo, '--split', split);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--split');
    expect(run.stdout).toBe('');
  });

  it('refuses to re-import a folder with a different --split, with exit 1 and the reason', async () => {
    const run = await facet('import', demo, '--split', '80/10/10');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/already imported as dataset 1 with split 60\/20\/20/);
  });

  it('gives exit 1 and names the folder when it does not exist', async () => {
    const missing = path.join(dir, 'missing');
    const run = await facet('--json', 'import', missing);
    expect(run.code).toBe(1);
    expect(run.json().error).toMatchObject({ code: 'not-found', file: missing });
    expect(run.stderr).toContain(missing);
  });
});

describe('facet labels and classes', () => {
  // Uses dataset 1 (the demo) imported above.
  it('label then images --class shows the change; undo reverts it', async () => {
    const before = (await facet('--json', 'images', '1', '--class', 'camera')).json();
    const target = before.items[0].path as string;
    const run = await facet('--json', 'label', '1', target, '--class', 'social');
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({ changed: 1 });
    const social = (await facet('--json', 'images', '1', '--class', 'social')).json();
    expect(social.items.map((i: { path: string }) => i.path)).toContain(target);
    const camera = (await facet('--json', 'images', '1', '--class', 'camera')).json();
    expect(camera.total).toBe(before.total - 1);

    const undo = await facet('undo', '1');
    expect(undo.code).toBe(0);
    expect(undo.stdout).toMatch(/Undid 1 label change \(edit \d+\)/);
    const after = (await facet('--json', 'images', 'demo', '--class', 'camera')).json();
    expect(after.total).toBe(before.total);
    expect((await facet('redo', '1')).stdout).toMatch(/Redid 1 label change/);
    expect((await facet('undo', '1')).code).toBe(0);
  });

  it('names the unknown path when labelling a file that is not in the dataset', async () => {
    const run = await facet('label', '1', 'camera/nope.jpg', '--class', 'social');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('camera/nope.jpg');
  });

  it('classes DATASET rename and merge', async () => {
    const before = Object.fromEntries(
      ((await facet('--json', 'classes', '1')).json() as { name: string; count: number }[]).map((c) => [c.name, c.count]),
    );
    const renamed = await facet('--json', 'classes', '1', 'rename', 'social', 'web');
    expect(renamed.code).toBe(0);
    expect(renamed.json().classes.map((c: { name: string }) => c.name)).toEqual(['camera', 'phone', 'web']);
    const merged = await facet('--json', 'classes', '1', 'merge', 'phone', 'camera');
    expect(merged.code).toBe(0);
    expect(merged.json().classes).toEqual([
      expect.objectContaining({ name: 'camera', count: before.camera! + before.phone! }),
      expect.objectContaining({ name: 'web', count: before.social }),
    ]);
    const human = await facet('classes', '1');
    expect(human.stdout).toMatch(new RegExp(`camera\\s+${before.camera! + before.phone!}\\s`));
    const conflict = await facet('classes', '1', 'add', 'web');
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toMatch(/already exists/);
  });

  it('gives exit 1 and a message for an unknown dataset', async () => {
    for (const ref of ['99', 'no-such-dataset']) {
      const run = await facet('images', ref);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/There is no dataset/);
      expect(run.stderr).toContain(ref);
    }
    const json = await facet('--json', 'undo', '99');
    expect(json.json().error).toMatchObject({ code: 'not-found' });
  });

  it('lists datasets', async () => {
    const run = await facet('--json', 'datasets');
    expect(run.json().map((d: { name: string }) => d.name)).toContain('demo');
  });
});

describe('facet usage', () => {
  it('--help lists the exit codes', async () => {
    const run = await facet('--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Exit codes:/);
    for (const code of ['0', '1', '2', '3']) expect(run.stdout).toMatch(new RegExp(`^\\s+${code}\\s+\\S`, 'm'));
  });

  it('exits 2 on an unknown command or a missing argument', async () => {
    expect((await facet('frobnicate')).code).toBe(2);
    expect((await facet('import')).code).toBe(2);
    const bad = await facet('images', '1', '--limit', 'lots');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--limit');
  });

  it('uses $FACET_WORKSPACE when --workspace is not given', async () => {
    const other = path.join(dir, 'env-ws');
    await mkdir(other);
    const stdout = new Capture();
    const code = await runCli(['--json', 'workspace'], { stdout, stderr: new Capture() }, { FACET_WORKSPACE: other });
    expect(code).toBe(0);
    expect(JSON.parse(stdout.text)).toMatchObject({ dir: other, database: path.join(other, 'facet.db') });
  });
});
