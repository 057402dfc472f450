// Face-crop thumbnails on real photographs (face-api's demo photos, see photos.ts): the crop is the
// training crop, one face fills it, no face falls back, and concurrent requests render once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseDataset } from '../../../../src/main/core/faces/analyse.js';
import { createFaceAnalyzer, decodeUpright, type FaceAnalyzer } from '../../../../src/main/core/faces/analyzer.js';
import { decodeFaceCrop } from '../../../../src/main/core/faces/crop.js';
import { eyeRoll, topFaceBoxes, type StoredFaceBox } from '../../../../src/main/core/faces/face-store.js';
import { FACE_THUMB_MARGIN, faceThumbnail, faceThumbnailPath } from '../../../../src/main/core/faces/face-thumbs.js';
import { THUMBNAIL_SIZE } from '../../../../src/main/core/datasets/probe.js';
import { Core } from '../../../../src/main/core/index.js';
import { Workspace } from '../../../../src/main/core/platform/workspace.js';
import { samplePhotos } from './photos.js';

let dir: string;
let root: string;
let core: Core;
let analyzer: FaceAnalyzer;
/** Content hash by dataset path. */
const hashOf = new Map<string, string>();

const originals = (rel: string) => () => [path.join(root, rel)];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facet-face-thumbs-'));
  root = path.join(dir, 'photos');
  fs.mkdirSync(path.join(root, 'a'), { recursive: true });
  fs.mkdirSync(path.join(root, 'b'), { recursive: true });
  const [group, , level] = samplePhotos();
  fs.copyFileSync(group!, path.join(root, 'a', 'group.jpg'));
  // A tilted group photo (sample3's most confident face is level; turned 18° it has a roll of ~17°):
  // the crop must be rotated to level the eyes.
  await sharp(level!).rotate(18, { background: '#808080' }).jpeg({ quality: 90 }).toFile(path.join(root, 'a', 'tilted.jpg'));
  const noise = Buffer.alloc(160 * 120 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 37) % 251;
  await sharp(noise, { raw: { width: 160, height: 120, channels: 3 } }).png().toFile(path.join(root, 'b', 'no-face.png'));
  core = new Core(Workspace.open(path.join(dir, 'ws')));
  const { datasetId } = await core.call('datasets/import', { folder: root });
  for (const i of (await core.call('images/list', { datasetId })).items) hashOf.set(i.path, i.hash!);
  analyzer = await createFaceAnalyzer({ detector: 'ssd', minScore: 0.5 });
  await analyseDataset(core.workspace.db, datasetId, { analyzer });
}, 180_000);

afterAll(async () => {
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function boxOf(rel: string): StoredFaceBox {
  return topFaceBoxes(core.workspace.db, [hashOf.get(rel)!]).get(hashOf.get(rel)!)!;
}

async function rgb(input: string | Buffer, size: number): Promise<Buffer> {
  return sharp(input).resize(size, size, { fit: 'fill' }).removeAlpha().raw().toBuffer();
}

function meanAbsDiff(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

describe('face-crop thumbnails', () => {
  it('crops a real group photo to its most confident face: a square JPEG, unlike the whole-picture thumbnail', async () => {
    const hash = hashOf.get('a/group.jpg')!;
    const made = await faceThumbnail(core.workspace, core.decoder, hash, originals('a/group.jpg'));
    if (!made.face) throw new Error('no face crop for a/group.jpg: the detector found no face in it');
    expect(made.file).toBe(faceThumbnailPath(core.workspace.cacheDir, hash, boxOf('a/group.jpg'), FACE_THUMB_MARGIN));
    expect(path.relative(core.workspace.cacheDir, made.file).split(path.sep)[0]).toBe('face-thumbs');
    const crop = await sharp(made.file).metadata();
    const whole = await sharp(core.workspace.thumbnailPath(hash)).metadata();
    expect(crop.format).toBe('jpeg');
    // Same size convention as the whole-picture thumbnail (longest side THUMBNAIL_SIZE), but square.
    expect([crop.width, crop.height]).toEqual([THUMBNAIL_SIZE, THUMBNAIL_SIZE]);
    expect(whole.width).toBe(THUMBNAIL_SIZE);
    expect(whole.height).toBeLessThan(THUMBNAIL_SIZE);
    expect(meanAbsDiff(await rgb(made.file, 48), await rgb(core.workspace.thumbnailPath(hash), 48))).toBeGreaterThan(20);
  });

  it('is filled by one face: the detector, run again on the thumbnail, finds it centred and most of its width', async () => {
    for (const rel of ['a/group.jpg', 'a/tilted.jpg']) {
      const made = await faceThumbnail(core.workspace, core.decoder, hashOf.get(rel)!, originals(rel));
      if (!made.face) throw new Error(`${rel}: no face crop`);
      const again = await analyzer.analyse(await decodeUpright(made.file));
      const top = again.faces[0]!;
      expect(top, rel).toBeDefined();
      const cx = (top.box.x + top.box.width / 2) / again.width;
      const cy = (top.box.y + top.box.height / 2) / again.height;
      expect(Math.abs(cx - 0.5), rel).toBeLessThan(0.1);
      expect(Math.abs(cy - 0.5), rel).toBeLessThan(0.15);
      // The box is 1 / (1 + 2 × margin) ≈ 71% of the crop's side; detectors differ a little on the scale.
      expect(top.box.width / again.width, rel).toBeGreaterThan(0.5);
      // In the whole-picture thumbnail the same face is a small part of a group photo.
      const box = boxOf(rel);
      expect(box.width / box.imageWidth, rel).toBeLessThan(0.25);
      // Aligned: the crop of the tilted photo has its eyes level.
      expect(Math.abs(eyeRoll(Float32Array.from(top.landmarks.flat()))), rel).toBeLessThan(6);
    }
  });

  it('shows the same pixels training sees (decodeFaceCrop), rotation included, within JPEG noise', async () => {
    expect(Math.abs(boxOf('a/tilted.jpg').roll)).toBeGreaterThan(10);
    expect(Math.abs(boxOf('a/group.jpg').roll)).toBeLessThan(10);
    for (const rel of ['a/group.jpg', 'a/tilted.jpg']) {
      const made = await faceThumbnail(core.workspace, core.decoder, hashOf.get(rel)!, originals(rel));
      if (!made.face) throw new Error(`${rel}: no face crop`);
      const box = boxOf(rel);
      const training = await decodeFaceCrop(path.join(root, rel), box, box.imageWidth, box.imageHeight, FACE_THUMB_MARGIN, 64, 'rgb');
      expect(meanAbsDiff(await rgb(made.file, 64), training), rel).toBeLessThan(8);
    }
  });

  it('answers "no face" for a picture where none was found and for one never analysed', async () => {
    expect(await faceThumbnail(core.workspace, core.decoder, hashOf.get('b/no-face.png')!, originals('b/no-face.png'))).toEqual({ face: false });
    expect(await faceThumbnail(core.workspace, core.decoder, 'f'.repeat(64), () => [])).toEqual({ face: false });
  });

  it('renders once for simultaneous requests and leaves one valid JPEG, no temp file', async () => {
    const hash = hashOf.get('a/group.jpg')!;
    const folder = path.dirname(faceThumbnailPath(core.workspace.cacheDir, hash, boxOf('a/group.jpg'), FACE_THUMB_MARGIN));
    fs.rmSync(folder, { recursive: true, force: true });
    let lookups = 0;
    const lookup = () => {
      lookups++;
      return [path.join(root, 'a', 'group.jpg')];
    };
    const all = await Promise.all(Array.from({ length: 8 }, () => faceThumbnail(core.workspace, core.decoder, hash, lookup)));
    expect(lookups).toBe(1);
    expect(new Set(all.map((m) => (m.face ? m.file : null))).size).toBe(1);
    expect(fs.readdirSync(folder).filter((f) => f.startsWith(hash))).toEqual([path.basename((all[0] as { file: string }).file)]);
    const { info } = await sharp((all[0] as { file: string }).file).raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBe(THUMBNAIL_SIZE);
    // Cached: a later request reads no original.
    await faceThumbnail(core.workspace, core.decoder, hash, lookup);
    expect(lookups).toBe(1);
  });

  it('skips a copy that is gone or was changed since the import, and fails when no copy is left', async () => {
    const hash = hashOf.get('a/tilted.jpg')!;
    fs.rmSync(path.dirname(faceThumbnailPath(core.workspace.cacheDir, hash, boxOf('a/tilted.jpg'), FACE_THUMB_MARGIN)), { recursive: true, force: true });
    const changed = path.join(dir, 'changed.jpg');
    fs.copyFileSync(path.join(root, 'a', 'group.jpg'), changed);
    await expect(faceThumbnail(core.workspace, core.decoder, hash, () => [path.join(dir, 'gone.jpg'), changed])).rejects.toThrow(/No original file/);
    const made = await faceThumbnail(core.workspace, core.decoder, hash, () => [path.join(dir, 'gone.jpg'), changed, path.join(root, 'a', 'tilted.jpg')]);
    expect(made.face).toBe(true);
  });

  it('makes a new thumbnail when the face is analysed again with another box', async () => {
    const hash = hashOf.get('a/group.jpg')!;
    const before = await faceThumbnail(core.workspace, core.decoder, hash, originals('a/group.jpg'));
    core.workspace.db.prepare('UPDATE faces SET x = x + 40 WHERE hash = ? AND face_index = 0').run(hash);
    try {
      const after = await faceThumbnail(core.workspace, core.decoder, hash, originals('a/group.jpg'));
      expect(after.face && before.face && after.file !== before.file).toBe(true);
    } finally {
      core.workspace.db.prepare('UPDATE faces SET x = x - 40 WHERE hash = ? AND face_index = 0').run(hash);
    }
  });
});
