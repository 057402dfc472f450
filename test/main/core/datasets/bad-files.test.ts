// Every file of the hostile corpus ends up imported or skipped with the expected code; nothing crashes.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageItem, ImportSummary } from '../../../../src/shared/domain.js';
import { canTestPermissions, CORPUS_CLASSES, writeBadCorpus, type CorpusEntry } from '../../../fixtures/bad-files.js';
import { tempCore, tempDir } from './helpers.js';

let env: Awaited<ReturnType<typeof tempCore>>;
let cleanupData: () => Promise<void>;
let root: string;
let corpus: CorpusEntry[];
let summary: ImportSummary;
let images: Map<string, ImageItem>;

beforeAll(async () => {
  const t = await tempDir('facet-bad-');
  cleanupData = t.cleanup;
  root = path.join(t.dir, 'corpus');
  corpus = await writeBadCorpus(root);
  env = await tempCore();
  summary = await env.core.call('datasets/import', { folder: root });
  const page = await env.core.call('images/list', { datasetId: summary.datasetId, status: 'all' });
  images = new Map(page.items.map((i) => [i.path, i]));
});
afterAll(async () => {
  await env?.cleanup();
  await cleanupData?.();
});

describe('import of a folder full of bad files', () => {
  it('reads the class folders in sorted order, the empty one included and noted', () => {
    expect(summary.classes.map((c) => c.name)).toEqual([...CORPUS_CLASSES].sort());
    expect(summary.emptyClasses).toEqual(['empty']);
    expect(summary.classes.find((c) => c.name === 'empty')?.count).toBe(0);
  });

  it('imports or skips every file with the expected reason, and nothing else', () => {
    const expectedSkips = corpus.filter((e) => e.expect === 'skipped').map((e) => ({ path: e.path, code: e.reason }));
    const actualSkips = summary.skipped.map((s) => ({ path: s.path, code: s.code }));
    expect(actualSkips.sort(byPath)).toEqual(expectedSkips.sort(byPath));
    const expectedOk = corpus.filter((e) => e.expect === 'imported').map((e) => e.path).sort();
    const actualOk = [...images.values()].filter((i) => i.status === 'ok').map((i) => i.path).sort();
    expect(actualOk).toEqual(expectedOk);
    expect(summary.imported).toBe(expectedOk.length);
    for (const s of summary.skipped) expect(s.reason.length).toBeGreaterThan(10);
  });

  it.skipIf(!canTestPermissions)('skips a file it may not read as permission-denied', () => {
    expect(summary.skipped.find((s) => s.path === 'b/locked.jpg')?.code).toBe('permission-denied');
  });

  it('labels each imported image with its top-level folder and records format and oriented size', () => {
    for (const e of corpus.filter((c) => c.expect === 'imported')) {
      const img = images.get(e.path);
      expect(img, e.path).toBeDefined();
      // No label (undefined) means an unlabelled image: no class, no class folder.
      expect(img!.className, e.path).toBe(e.label ?? null);
      expect(img!.folderClass, e.path).toBe(e.label ?? null);
      // sharp calls AVIF "heif"; Facet tells the user it is AVIF.
      const format = e.format === 'heif' && e.path.endsWith('.avif') ? 'avif' : e.format;
      expect({ format: img!.format, width: img!.width, height: img!.height }, e.path).toEqual({ format, width: e.width, height: e.height });
    }
  });

  it('stores an EXIF-rotated photo with its displayed (oriented) width and height', () => {
    const rotated = corpus.find((e) => e.rawWidth !== undefined)!;
    expect(rotated.rawWidth).not.toBe(rotated.width);
    expect(images.get(rotated.path)).toMatchObject({ width: rotated.width, height: rotated.height });
  });

  it('reports exact duplicates, also across classes', () => {
    const pairs = corpus.filter((e) => e.duplicateOf);
    expect(pairs.length).toBeGreaterThan(0);
    for (const e of pairs) {
      const group = summary.duplicates.find((d) => d.paths.includes(e.path));
      expect(group?.paths).toContain(e.duplicateOf);
      expect(group?.classes.sort()).toEqual(['a', 'b']);
    }
  });

  it('writes a thumbnail into the workspace cache for every imported image', () => {
    for (const img of images.values()) {
      if (img.status !== 'ok') continue;
      expect(existsSync(env.ws.thumbnailPath(img.hash!)), img.path).toBe(true);
    }
  });

  it('terminates on a symlink loop and reports it once', () => {
    const loops = summary.skipped.filter((s) => s.code === 'symlink-loop');
    if (!corpus.some((e) => e.reason === 'symlink-loop')) return; // no symlinks on this platform
    expect(loops.map((s) => s.path)).toEqual(['a/loop']);
  });

  it('keeps the same verdicts on a rescan of the unchanged folder', async () => {
    const again = await env.core.call('datasets/rescan', { datasetId: summary.datasetId });
    expect(again.added).toBe(0);
    expect(again.changed).toBe(0);
    expect(again.unchanged).toBe(summary.imported);
    // The wording of a decoder's message may vary between runs; the verdicts may not.
    const verdicts = (list: { path: string; code: string }[]) => list.map((s) => `${s.path}: ${s.code}`);
    expect(verdicts(again.skipped)).toEqual(verdicts(summary.skipped));
  });
});

function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
