// The one mapping from machine words to the user's (src/shared/user-words.ts): schema issues from
// real contract calls, real system errors and real decoder errors, each as a sentence without jargon.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldInWords, issueSentence, reasonInWords } from '../../src/shared/user-words.js';
import { tempCore, writeClassFolders } from '../main/core/datasets/helpers.js';

const JARGON = /Invalid arguments|Invalid input|received|expected|NaN|undefined|\[object|\bE[A-Z]{3,}\b|Vips|scandir|errno/;

let env: Awaited<ReturnType<typeof tempCore>>;
let datasetId: number;
let classId: number;
beforeAll(async () => {
  env = await tempCore();
  const root = path.join(env.dir, 'pets');
  await writeClassFolders(root, { cats: 2, dogs: 2 });
  datasetId = (await env.core.call('datasets/import', { folder: root })).datasetId;
  classId = (await env.core.call('classes/list', { datasetId }))[0]!.id;
});
afterAll(async () => env.cleanup());

async function messageOf(promise: Promise<unknown>): Promise<{ message: string; field?: string }> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e as { message: string; field?: string },
  );
  expect(error, 'the call should have failed').not.toBeNull();
  return error!;
}

describe('field names in words', () => {
  it('drops containers and splits camelCase', () => {
    expect(fieldInWords('settings.folds')).toBe('folds');
    expect(fieldInWords('hyperparameters.learningRate')).toBe('learning rate');
    expect(fieldInWords('imageIds.3')).toBe('images (item 4)');
    expect(fieldInWords('moveToClassId')).toBe('class to move the images to');
    expect(fieldInWords('--out')).toBe('--out');
  });
});

describe('contract calls that fail on their arguments answer in words', () => {
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ['classes/add with an empty name', () => env.core.call('classes/add', { datasetId, name: '   ' }), /name/i],
    ['classes/add with a number for a name', () => env.core.call('classes/add', { datasetId, name: 3 }), /^Name must be text\.$/],
    ['labels/set with no images', () => env.core.call('labels/set', { datasetId, imageIds: [], classId }), /^Images needs at least one item\.$/],
    ['images/list with an unknown status', () => env.core.call('images/list', { datasetId, status: 'lost' }), /^Status must be one of: ok, unreadable, missing, all\.$/],
    ['runs/start with NaN epochs', () => env.core.call('runs/start', { datasetId, hyperparameters: { epochs: Number.NaN } }), /^Epochs must be a (whole )?number\.$/],
    ['runs/start with 0 epochs', () => env.core.call('runs/start', { datasetId, hyperparameters: { epochs: 0 } }), /^Train for at least 1 epoch\.$/],
    ['audit/start with one fold', () => env.core.call('audit/start', { datasetId, settings: { folds: 1 } }), /^Use at least 2 folds\.$/],
    ['datasets/get with a fractional id', () => env.core.call('datasets/get', { datasetId: 1.5 }), /^Dataset must be a whole number\.$|^Dataset must be a number\.$/],
    ['a call given a list instead of values', () => env.core.dispatch('datasets/list', [1]), /^The values given must be a set of values\.$/],
  ];
  it.each(cases)('%s', async (_what, call, shape) => {
    const { message } = await messageOf(call());
    expect(message).toMatch(shape);
    expect(message).not.toMatch(JARGON);
  });
});

describe('system and decoder errors in words', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facet-words-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const thrown = (f: () => unknown): unknown => {
    try {
      f();
    } catch (e) {
      return e;
    }
    throw new Error('did not throw');
  };

  it('names what ENOENT, ENOTDIR and EISDIR mean', () => {
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, 'x');
    expect(reasonInWords(thrown(() => fs.readFileSync(path.join(tmp, 'missing'))))).toBe('it does not exist');
    expect(reasonInWords(thrown(() => fs.mkdirSync(path.join(file, 'sub'))))).toBe('a part of the path is a file, not a folder');
    expect(reasonInWords(thrown(() => fs.readFileSync(tmp)))).toBe('it is a folder, not a file');
  });

  it('says a truncated JPEG is cut short and a text file is not an image', async () => {
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    const cut = await sharp(jpeg.subarray(0, Math.floor(jpeg.length / 2)), { failOn: 'error' }).raw().toBuffer().then(() => null, (e: unknown) => e);
    expect(reasonInWords(cut)).toMatch(/cut short|damaged/);
    const text = await sharp(Buffer.from('not an image at all')).raw().toBuffer().then(() => null, (e: unknown) => e);
    expect(reasonInWords(text)).toMatch(/not an image Facet can read/);
  });

  it('importing a folder that is not there, or a file, says so in words', async () => {
    for (const folder of [path.join(tmp, 'nope'), path.join(tmp, 'a-file')]) {
      const { message } = await messageOf(env.core.call('datasets/import', { folder }));
      expect(message).not.toMatch(JARGON);
    }
  });

  it('the skip reason of a truncated JPEG in a dataset is in words', async () => {
    const root = path.join(tmp, 'cut');
    fs.mkdirSync(path.join(root, 'a'), { recursive: true });
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#336699' } }).jpeg().toBuffer();
    fs.writeFileSync(path.join(root, 'a', 'cut.jpg'), jpeg.subarray(0, Math.floor(jpeg.length * 0.6)));
    const summary = await env.core.call('datasets/import', { folder: root });
    const reasons = summary.skipped.map((s) => s.reason);
    for (const r of reasons) expect(r).not.toMatch(JARGON);
  });
});

describe('issueSentence', () => {
  it('keeps a message the schema wrote itself', () => {
    expect(issueSentence({ code: 'custom', path: ['imageSize'], message: 'image size must be at least 32 for three blocks' })).toEqual({
      message: 'Image size must be at least 32 for three blocks.',
      field: 'imageSize',
    });
    expect(issueSentence({ code: 'too_small', origin: 'number', minimum: 2, inclusive: true, path: ['settings', 'folds'], message: 'Too small: expected number to be >=2' })).toEqual({
      message: 'Folds must be at least 2.',
      field: 'settings.folds',
    });
  });
});
