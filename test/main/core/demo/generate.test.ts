import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoError, generateDemo, identityCount, identityName, manifestPathFor, planImages, type DemoManifest } from '../../../../src/main/core/demo/generate.js';

const CLASSES = ['camera', 'phone', 'social'];
const SMALL = { count: 45, size: 64 } as const;

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'facet-demo-test-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function filesOf(out: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const dir of await readdir(out)) {
    for (const file of await readdir(path.join(out, dir))) {
      hashes.set(`${dir}/${file}`, createHash('sha256').update(await readFile(path.join(out, dir, file))).digest('hex'));
    }
  }
  return hashes;
}

async function manifestOf(out: string): Promise<DemoManifest> {
  return JSON.parse(await readFile(manifestPathFor(out), 'utf8')) as DemoManifest;
}

describe('generateDemo', () => {
  let out: string;
  let files: Map<string, string>;
  let manifest: DemoManifest;
  const progress: [number, number][] = [];

  beforeAll(async () => {
    out = path.join(tmp, 'seed7');
    const result = await generateDemo({ ...SMALL, out, seed: 7, onProgress: (done, total) => progress.push([done, total]) });
    expect(result).toMatchObject({ out, images: 45, classes: CLASSES, wrongLabels: 1, identities: 8, reused: false });
    expect(result.manifest).toBe(path.join(tmp, 'seed7-manifest.json'));
    files = await filesOf(out);
    manifest = await manifestOf(out);
  });

  it('writes only the three class folders, and the manifest next to the data folder', async () => {
    expect((await readdir(out)).sort()).toEqual(CLASSES);
    expect((await readdir(tmp)).sort()).toEqual(['seed7', 'seed7-manifest.json']); // no staging left behind
    expect(files.size).toBe(45);
  });

  it('gives every medium exactly a third of the images', () => {
    for (const medium of CLASSES) {
      expect(manifest.images.filter((image) => image.trueClass === medium)).toHaveLength(15);
      const inFolder = [...files.keys()].filter((p) => p.startsWith(`${medium}/`)).length;
      expect(inFolder).toBe(manifest.images.filter((image) => image.labelledClass === medium).length);
    }
  });

  it('names files idNNN_NNN.jpg, unique across all folders', () => {
    const names = [...files.keys()].map((p) => path.posix.basename(p));
    for (const name of names) expect(name).toMatch(/^id\d{3}_\d{3}\.jpg$/);
    expect(new Set(names).size).toBe(names.length);
  });

  it('shows every person in all three media', () => {
    const identities = new Set(manifest.images.map((image) => image.identity));
    expect(identities.size).toBe(8);
    for (const identity of identities) {
      const media = new Set(manifest.images.filter((image) => image.identity === identity).map((image) => image.trueClass));
      expect([...media].sort()).toEqual(CLASSES);
      for (const image of manifest.images.filter((i) => i.identity === identity)) {
        expect(path.posix.basename(image.path).startsWith(`${identity}_`)).toBe(true);
      }
    }
  });

  it('lists exactly the planted wrong labels, and they sit in the wrong folder', () => {
    const mismatched = manifest.images.filter((image) => image.trueClass !== image.labelledClass);
    expect(manifest.wrongLabels).toEqual(mismatched.map(({ path: p, trueClass, labelledClass }) => ({ path: p, trueClass, labelledClass })));
    expect(manifest.wrongLabels).toHaveLength(1);
    for (const wrong of manifest.wrongLabels) {
      expect(files.has(wrong.path)).toBe(true);
      const folder = wrong.path.split('/')[0];
      expect(folder).toBe(wrong.labelledClass);
      expect(folder).not.toBe(wrong.trueClass);
    }
    expect(new Set(manifest.images.map((image) => image.path))).toEqual(new Set(files.keys()));
  });

  it('writes JPEGs of the requested size', async () => {
    for (const p of [...files.keys()].slice(0, 6)) {
      const meta = await sharp(path.join(out, p)).metadata();
      expect(meta).toMatchObject({ format: 'jpeg', width: 64, height: 64 });
    }
  });

  it('reports progress up to the total', () => {
    expect(progress[0]).toEqual([0, 45]);
    expect(progress.at(-1)).toEqual([45, 45]);
    expect(progress).toHaveLength(46);
  });

  it('produces byte-identical files for the same seed and different ones for another seed', async () => {
    const again = path.join(tmp, 'seed7-again');
    await generateDemo({ ...SMALL, out: again, seed: 7 });
    expect(await filesOf(again)).toEqual(files);

    const other = path.join(tmp, 'seed8');
    await generateDemo({ ...SMALL, out: other, seed: 8 });
    const otherHashes = new Set((await filesOf(other)).values());
    expect(otherHashes.size).toBe(45);
    expect([...files.values()].filter((hash) => otherHashes.has(hash))).toEqual([]);
    await rm(again, { recursive: true });
    await rm(other, { recursive: true });
    await rm(manifestPathFor(again));
    await rm(manifestPathFor(other));
  });

  it('reuses a previous demo with the same parameters without rewriting it', async () => {
    const before = (await stat(path.join(out, [...files.keys()][0] ?? ''))).mtimeMs;
    const result = await generateDemo({ ...SMALL, out, seed: 7 });
    expect(result).toMatchObject({ out, images: 45, wrongLabels: 1, identities: 8, reused: true });
    expect((await stat(path.join(out, [...files.keys()][0] ?? ''))).mtimeMs).toBe(before);
  });

  it('refuses to overwrite a previous demo made with other parameters', async () => {
    await expect(generateDemo({ ...SMALL, out, seed: 9 })).rejects.toMatchObject({ code: 'out-not-empty' });
    expect(await filesOf(out)).toEqual(files);
  });
});

describe('generateDemo refusals', () => {
  it('refuses a non-empty folder that is not a demo, naming it and leaving it untouched', async () => {
    const out = path.join(tmp, 'photos');
    await mkdir(out);
    await writeFile(path.join(out, 'holiday.jpg'), 'not mine to delete');
    const attempt = generateDemo({ ...SMALL, out });
    await expect(attempt).rejects.toBeInstanceOf(DemoError);
    await expect(attempt).rejects.toMatchObject({ code: 'out-not-empty', target: out });
    await expect(attempt).rejects.toThrow(out);
    await expect(attempt).rejects.toThrow(/empty or new folder/);
    expect(await readdir(out)).toEqual(['holiday.jpg']);
  });

  it('replaces a demo of an older format only where asked (its own default folder); elsewhere says what it is', async () => {
    const out = path.join(tmp, 'old-demo');
    await generateDemo({ ...SMALL, out, seed: 3 });
    const manifestPath = manifestPathFor(out);
    const old = JSON.parse(await readFile(manifestPath, 'utf8')) as DemoManifest & { version: number };
    await writeFile(manifestPath, JSON.stringify({ ...old, version: old.version - 1 }));
    await expect(generateDemo({ ...SMALL, out, seed: 3 })).rejects.toThrow(/made by an older version of Facet \(format \d;/);
    const again = await generateDemo({ ...SMALL, out, seed: 3, replaceOlder: true });
    expect(again).toMatchObject({ out, images: 45, reused: false });
    expect((JSON.parse(await readFile(manifestPath, 'utf8')) as { version: number }).version).toBe(old.version);
    // A folder that is not a demo is never replaced, even where asked.
    const photos = path.join(tmp, 'not-a-demo');
    await mkdir(photos);
    await writeFile(path.join(photos, 'holiday.jpg'), 'not mine to delete');
    await expect(generateDemo({ ...SMALL, out: photos, replaceOlder: true })).rejects.toMatchObject({ code: 'out-not-empty' });
    expect(await readdir(photos)).toEqual(['holiday.jpg']);
  });

  it('accepts an existing empty folder', async () => {
    const out = path.join(tmp, 'empty');
    await mkdir(out);
    const result = await generateDemo({ count: 6, size: 32, out });
    expect(result.images).toBe(6);
    expect((await readdir(out)).sort()).toEqual(CLASSES);
  });

  it('rejects invalid options with a message naming the option', async () => {
    await expect(generateDemo({ out: path.join(tmp, 'x'), count: 2 })).rejects.toMatchObject({ code: 'invalid-option', target: 'count' });
    await expect(generateDemo({ out: path.join(tmp, 'x'), wrongFraction: 0.9 })).rejects.toThrow(/wrongFraction/);
  });
});

describe('identityName', () => {
  it('uses three digits up to 999 people and widens only beyond that', () => {
    expect(identityName(7, 100)).toBe('id007');
    expect(identityName(100, 100)).toBe('id100');
    expect(identityName(7, 999)).toBe('id007');
    expect(identityName(7, 1000)).toBe('id0007');
    expect(identityName(1000, 1000)).toBe('id1000');
    expect(identityName(12, 16667)).toBe('id00012');
    expect(identityName(12, 16667)).toMatch(/^(id\d+)$/);
  });
});

describe('planImages', () => {
  it('rounds the wrong-label fraction to the nearest whole image', () => {
    const wrong = (count: number, wrongFraction: number) =>
      planImages({ count, seed: 42, wrongFraction }).filter((image) => image.trueClass !== image.labelledClass).length;
    expect(wrong(600, 0.03)).toBe(18);
    expect(wrong(45, 0.03)).toBe(1); // 1.35
    expect(wrong(50, 0.05)).toBe(3); // 2.5
    expect(wrong(40, 0.03)).toBe(1); // 1.2
    expect(wrong(16, 0.03)).toBe(0); // 0.48
    expect(wrong(600, 0)).toBe(0);
  });

  it('spreads planted errors across the true classes, their destinations and the people', () => {
    const planted = planImages({ count: 600, seed: 42, wrongFraction: 0.03 }).filter((i) => i.trueClass !== i.labelledClass);
    expect(new Set(planted.map((i) => i.identity)).size).toBe(18);
    for (const medium of CLASSES) {
      expect(planted.filter((i) => i.trueClass === medium)).toHaveLength(6);
      expect(planted.filter((i) => i.labelledClass === medium)).toHaveLength(6);
    }
  });

  it('shows many people at the default size: 100 people, 2 photos each per medium', () => {
    const plan = planImages({ count: 600, seed: 42, wrongFraction: 0.03 });
    const perPersonAndMedium = new Map<string, number>();
    for (const image of plan) {
      const key = `${image.identity}/${image.trueClass}`;
      perPersonAndMedium.set(key, (perPersonAndMedium.get(key) ?? 0) + 1);
    }
    expect(perPersonAndMedium.size).toBe(300);
    expect(new Set(perPersonAndMedium.values())).toEqual(new Set([2]));
    for (let identity = 1; identity <= 100; identity++) {
      const indices = plan.filter((image) => image.identity === identity).map((image) => image.index);
      expect(indices.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    }
  });

  it('keeps every person in all three media whatever the count', () => {
    for (const count of [3, 6, 7, 10, 45, 100, 601, 1000]) {
      const plan = planImages({ count, seed: 3, wrongFraction: 0 });
      expect(plan).toHaveLength(count);
      const people = identityCount(count);
      expect(new Set(plan.map((image) => image.identity)).size).toBe(people);
      for (let identity = 1; identity <= people; identity++) {
        expect(new Set(plan.filter((image) => image.identity === identity).map((image) => image.trueClass)).size).toBe(3);
      }
    }
    expect(identityCount(600)).toBe(100);
    expect(identityCount(6000)).toBe(1000);
  });

  it('splits counts that do not divide evenly as equally as possible', () => {
    const plan = planImages({ count: 100, seed: 1, wrongFraction: 0 });
    const sizes = CLASSES.map((medium) => plan.filter((i) => i.trueClass === medium).length);
    expect(sizes).toEqual([34, 33, 33]);
    const identities = new Set(plan.map((i) => i.identity));
    for (const identity of identities) {
      expect(new Set(plan.filter((i) => i.identity === identity).map((i) => i.trueClass)).size).toBe(3);
    }
  });
});
