// `facet classes DATASET delete NAME` without --move-to (its images become unlabelled; undo brings
// them back) and `facet datasets delete DATASET` (with --dry-run; the image files stay).
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/main/cli/program.js';
import { tempDir, writeClassFolders } from '../core/datasets/helpers.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

let dir: string;
let cleanup: () => Promise<void>;
let workspace: string;
let root: string;

async function facet(...argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(['--workspace', workspace, ...argv], { stdout, stderr }, {});
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the CLI's JSON shapes vary per command
  return { code, stdout: stdout.text, stderr: stderr.text, json: () => JSON.parse(stdout.text) as any };
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('facet-cli-delete-'));
  workspace = path.join(dir, 'ws');
  root = path.join(dir, 'pets');
  await writeClassFolders(root, { cats: 3, dogs: 2 });
  expect((await facet('import', root)).code).toBe(0);
});
afterAll(async () => cleanup());

describe('deleting from the command line', () => {
  it('classes DATASET delete NAME leaves its images unlabelled; undo labels them again', async () => {
    const run = await facet('--json', 'classes', 'pets', 'delete', 'cats');
    expect(run.code).toBe(0);
    expect(run.json().result).toEqual({ deleted: 1, moved: 3 });
    expect(run.json().classes.map((c: { name: string }) => c.name)).toEqual(['dogs']);
    const all = (await facet('--json', 'images', 'pets', '--status', 'all')).json();
    expect(all.items.filter((i: { className: string | null }) => i.className === null)).toHaveLength(3);
    const undo = await facet('undo', 'pets');
    expect(undo.stdout).toMatch(/Undid deleting "cats" \(3 images labelled again\)/);
    expect((await facet('--json', 'classes', 'pets')).json().map((c: { name: string; count: number }) => [c.name, c.count])).toEqual([
      ['cats', 3],
      ['dogs', 2],
    ]);
  });

  it('datasets delete DATASET --dry-run says what would go; without it the dataset goes and its files stay', async () => {
    const files = (fs.readdirSync(root, { recursive: true }) as string[]).sort();
    const dry = await facet('datasets', 'delete', 'pets', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/Would delete dataset "pets"/);
    expect(dry.stdout).toContain(`The image files in ${root} stay where they are`);
    expect((await facet('--json', 'datasets')).json()).toHaveLength(1);

    const gone = await facet('--json', 'datasets', 'delete', 'pets');
    expect(gone.code).toBe(0);
    expect(gone.json()).toMatchObject({ name: 'pets', root, images: 5, labelled: 5, classes: 2, runs: [], deleted: true });
    expect((await facet('--json', 'datasets')).json()).toEqual([]);
    expect((fs.readdirSync(root, { recursive: true }) as string[]).sort()).toEqual(files);

    const again = await facet('datasets', 'delete', 'pets');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/There is no dataset named "pets"/);
    const unknown = await facet('datasets', 'remove', 'x');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown action "remove"/);
  });
});
