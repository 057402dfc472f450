// Dataset export: class folders per split plus manifest.csv, hard links, the non-empty-folder guard,
// and the round trip through `import` to identical counts per class.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvField, csvLines } from '../../../../src/main/core/export/index.js';
import { createSnapshot } from '../../../../src/main/core/training/snapshots.js';
import { SPLITS } from '../../../../src/shared/domain.js';
import { demoWorkspace, type DemoWorkspace } from './helpers.js';

let ws: DemoWorkspace;
beforeAll(async () => {
  ws = await demoWorkspace('facet-export-dataset-');
}, 120_000);
afterAll(async () => ws.core.close());

/** Minimal RFC 4180 reader, enough to prove the manifest parses back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (ch !== '\r') field += ch;
  }
  return rows;
}

describe('exportDataset', () => {
  it('imports back, split by split, to the same number of images per class', async () => {
    const out = path.join(ws.dir, 'export');
    const result = await ws.core.call('datasets/export', { datasetId: ws.datasetId, out });
    expect(result.failed).toEqual([]);
    expect(result.images).toBe(45);
    expect(result.copied).toBe(45);
    const classes = await ws.core.call('classes/list', { datasetId: ws.datasetId });
    for (const split of SPLITS) {
      const expected = Object.fromEntries(classes.filter((c) => c.splits[split] > 0).map((c) => [c.name, c.splits[split]]));
      const back = await ws.core.call('datasets/import', { folder: path.join(out, split), name: `back ${split}` });
      expect(back.skipped).toEqual([]);
      expect(Object.fromEntries(back.classes.map((c) => [c.name, c.count])), split).toEqual(expected);
    }
  });

  it('writes manifest.csv with path, label, split and hash for every exported file', async () => {
    const out = path.join(ws.dir, 'export');
    const rows = parseCsv(fs.readFileSync(path.join(out, 'manifest.csv'), 'utf8'));
    expect(rows[0]).toEqual(['path', 'label', 'split', 'hash', 'source']);
    expect(rows).toHaveLength(46);
    for (const [p, label, split, hash] of rows.slice(1)) {
      expect(p!.startsWith(`${split}/${label}/`)).toBe(true);
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      expect(fs.existsSync(path.join(out, p!))).toBe(true);
    }
  });

  it('refuses a non-empty folder unless --force', async () => {
    const out = path.join(ws.dir, 'export');
    await expect(ws.core.call('datasets/export', { datasetId: ws.datasetId, out })).rejects.toMatchObject({ code: 'conflict', message: `The folder ${out} is not empty.` });
    const again = await ws.core.call('datasets/export', { datasetId: ws.datasetId, out, force: true });
    expect(again.images).toBe(45);
  });

  it('refuses to export into the dataset folder itself', async () => {
    await expect(ws.core.call('datasets/export', { datasetId: ws.datasetId, out: path.join(ws.demo, 'copy') })).rejects.toThrow(/inside the dataset folder/);
  });

  it('hard-links the files with --link', async () => {
    const out = path.join(ws.dir, 'linked');
    const result = await ws.core.call('datasets/export', { datasetId: ws.datasetId, out, link: true });
    expect(result.linked + result.copied).toBe(45);
    if (result.linkFallback === undefined) {
      expect(result.linked).toBe(45);
      const first = result.classes[0]!.name;
      const file = fs.readdirSync(path.join(out, 'train', first))[0]!;
      expect(fs.statSync(path.join(out, 'train', first, file)).nlink).toBeGreaterThan(1);
    }
  });

  it('exports a snapshot: its labels, not later relabels', async () => {
    const db = ws.core.workspace.db;
    const snapshot = createSnapshot(db, ws.datasetId);
    const page = await ws.core.call('images/list', { datasetId: ws.datasetId, limit: 1 });
    const image = page.items[0]!;
    const classes = await ws.core.call('classes/list', { datasetId: ws.datasetId });
    const other = classes.find((c) => c.id !== image.classId)!;
    await ws.core.call('labels/set', { datasetId: ws.datasetId, imageIds: [image.id], classId: other.id });
    const result = await ws.core.call('datasets/export', { datasetId: ws.datasetId, snapshotId: snapshot.id, out: path.join(ws.dir, 'snap') });
    const rows = parseCsv(fs.readFileSync(result.manifest, 'utf8'));
    expect(rows.find((r) => r[4] === image.path)![1]).toBe(image.className);
    const now = await ws.core.call('datasets/export', { datasetId: ws.datasetId, out: path.join(ws.dir, 'now') });
    expect(parseCsv(fs.readFileSync(now.manifest, 'utf8')).find((r) => r[4] === image.path)![1]).toBe(other.name);
    await ws.core.call('labels/undo', { datasetId: ws.datasetId });
  });
});

describe('csv', () => {
  it('quotes commas, quotes, line breaks and edge spaces, and nothing else', () => {
    expect(csvField('plain/path.png')).toBe('plain/path.png');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' lead')).toBe('" lead"');
    expect(parseCsv(csvLines(['a', 'b'], [['x,"y"', 'z\nw']]))).toEqual([['a', 'b'], ['x,"y"', 'z\nw']]);
  });
});
