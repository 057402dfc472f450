// /face-thumbs/<hash>.jpg in browser mode: the token, the crop or the whole-picture fallback (and the
// header saying which), hostile names, files outside the roots, and concurrent first requests.
// Faces are stored directly (the demo's synthetic faces are not what the real detector is tested on).
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveAnalysis, topFaceBoxes } from '../../../src/main/core/faces/face-store.js';
import { FACE_THUMB_MARGIN, faceThumbnailPath } from '../../../src/main/core/faces/face-thumbs.js';
import { startServer, type RunningServer } from '../../../src/main/server/index.js';
import { faceThumbnailFile } from '../../../src/main/core/faces/face-media.js';
import { originalFilesOfHash } from '../../../src/main/core/platform/media/media-files.js';
import { demoWorkspace, raw, type DemoWorkspace } from './helpers.js';

let ws: DemoWorkspace;
let server: RunningServer;
let q: string;
let images: { id: number; hash: string; path: string }[];

/** One face in the middle of a 64×64 demo picture. */
function storeFace(hash: string, box = { x: 16, y: 12, width: 32, height: 36 }): void {
  const landmarks: [number, number][] = Array.from({ length: 68 }, (_, i) => [box.x + (i % 10) * 3, box.y + Math.floor(i / 10) * 5]);
  saveAnalysis(ws.core.workspace.db, hash, { width: 64, height: 64, faces: [{ index: 0, score: 0.9, box, landmarks, embedding: new Float32Array(128) }], wholeEmbedding: null }, 'ssd', 0.5);
}

function storeNoFace(hash: string): void {
  saveAnalysis(ws.core.workspace.db, hash, { width: 64, height: 64, faces: [], wholeEmbedding: new Float32Array(128) }, 'ssd', 0.5);
}

/** GET with the body as bytes (raw() decodes to text). */
async function getBytes(urlPath: string): Promise<{ status: number; face: string | undefined; type: string | undefined; body: Buffer }> {
  const res = await fetch(`${server.origin}${urlPath}`);
  return { status: res.status, face: res.headers.get('x-facet-face') ?? undefined, type: res.headers.get('content-type') ?? undefined, body: Buffer.from(await res.arrayBuffer()) };
}

beforeAll(async () => {
  ws = await demoWorkspace(12);
  server = await startServer({ core: ws.core, rendererDir: ws.rendererDir });
  q = `?token=${server.token}`;
  const seen = new Set<string>();
  images = (await ws.core.call('images/list', { datasetId: ws.datasetId })).items
    .map((i) => ({ id: i.id, hash: i.hash!, path: i.path }))
    .filter((i) => !seen.has(i.hash) && seen.add(i.hash));
  storeFace(images[0]!.hash);
  storeNoFace(images[1]!.hash);
  // images[2] is never analysed; images[3..] get faces in the tests that need them.
});

afterAll(async () => {
  await server.close();
  await ws.core.close();
  fs.rmSync(ws.dir, { recursive: true, force: true });
});

describe('face-crop thumbnails over HTTP', () => {
  it('serves the face crop with X-Facet-Face: crop, smaller than and different from the whole thumbnail', async () => {
    const crop = await getBytes(`/face-thumbs/${images[0]!.hash}.jpg${q}`);
    const whole = await getBytes(`/thumbs/${images[0]!.hash}.jpg${q}`);
    expect(crop.status).toBe(200);
    expect(crop.type).toBe('image/jpeg');
    expect(crop.face).toBe('crop');
    expect(crop.body.equals(whole.body)).toBe(false);
    const meta = await sharp(crop.body).metadata();
    // The 36-pixel box grown by the margin on each side, square; never enlarged past the picture's pixels.
    expect(meta.width).toBe(Math.round(36 * (1 + 2 * FACE_THUMB_MARGIN)));
    expect(meta.height).toBe(meta.width);
    expect((await sharp(whole.body).metadata()).width).toBe(64);
  });

  it('falls back to the whole-picture thumbnail when no face was found or faces were never analysed', async () => {
    for (const [image, why] of [
      [images[1]!, 'none'],
      [images[2]!, 'none'],
    ] as const) {
      const res = await getBytes(`/face-thumbs/${image.hash}.jpg${q}`);
      expect(res.status).toBe(200);
      expect(res.face).toBe(why);
      expect(res.body.equals(fs.readFileSync(ws.core.workspace.thumbnailPath(image.hash)))).toBe(true);
    }
  });

  it('falls back (X-Facet-Face: unavailable) when the original is gone', async () => {
    const image = images[3]!;
    storeFace(image.hash);
    fs.renameSync(path.join(ws.dataRoot, image.path), path.join(ws.dir, 'moved-away.png'));
    try {
      const res = await getBytes(`/face-thumbs/${image.hash}.jpg${q}`);
      expect(res.status).toBe(200);
      expect(res.face).toBe('unavailable');
      expect(res.body.equals(fs.readFileSync(ws.core.workspace.thumbnailPath(image.hash)))).toBe(true);
    } finally {
      fs.renameSync(path.join(ws.dir, 'moved-away.png'), path.join(ws.dataRoot, image.path));
    }
    expect((await getBytes(`/face-thumbs/${image.hash}.jpg${q}`)).face).toBe('crop');
  });

  it('gives concurrent first requests the same bytes and leaves one file in the cache', async () => {
    const image = images[4]!;
    storeFace(image.hash, { x: 10, y: 10, width: 40, height: 40 });
    const all = await Promise.all(Array.from({ length: 8 }, () => getBytes(`/face-thumbs/${image.hash}.jpg${q}`)));
    expect(all.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(all.every((r) => r.face === 'crop' && r.body.equals(all[0]!.body))).toBe(true);
    const box = topFaceBoxes(ws.core.workspace.db, [image.hash]).get(image.hash)!;
    const file = faceThumbnailPath(ws.core.workspace.cacheDir, image.hash, box, FACE_THUMB_MARGIN);
    expect(fs.readdirSync(path.dirname(file)).filter((f) => f.startsWith(image.hash))).toEqual([path.basename(file)]);
    expect(fs.readFileSync(file).equals(all[0]!.body)).toBe(true);
  });

  it('answers HEAD without a body', async () => {
    const res = await raw(server.port, 'HEAD', `/face-thumbs/${images[0]!.hash}.jpg${q}`);
    expect(res.status).toBe(200);
    expect(res.headers['x-facet-face']).toBe('crop');
    expect(res.body).toBe('');
  });
});

describe('face-crop thumbnails: refusals', () => {
  it('refuses them without the token or with a wrong one (401)', async () => {
    expect((await raw(server.port, 'GET', `/face-thumbs/${images[0]!.hash}.jpg`)).status).toBe(401);
    expect((await raw(server.port, 'GET', `/face-thumbs/${images[0]!.hash}.jpg?token=${'0'.repeat(64)}`)).status).toBe(401);
  });

  it('refuses a name that is not a content hash (400) and an unknown hash (404)', async () => {
    for (const name of ['ABCDEF', images[0]!.hash.toUpperCase(), `${images[0]!.hash}0`, 'x'.repeat(64)]) {
      expect((await raw(server.port, 'GET', `/face-thumbs/${name}.jpg${q}`)).status, name).toBe(400);
    }
    expect((await raw(server.port, 'GET', `/face-thumbs/${'e'.repeat(64)}.jpg${q}`)).status).toBe(404);
    // The token in the URL counts only for GET: a POST must send it in a header (and is then refused as a method).
    expect((await raw(server.port, 'POST', `/face-thumbs/${images[0]!.hash}.jpg${q}`)).status).toBe(401);
    expect((await raw(server.port, 'POST', `/face-thumbs/${images[0]!.hash}.jpg`, { 'x-facet-token': server.token })).status).toBe(405);
  });

  it.each([
    '/face-thumbs/../facet.db',
    '/face-thumbs/..%2f..%2ffacet.db.jpg',
    '/face-thumbs/%2e%2e/%2e%2e/facet.db.jpg',
    '/face-thumbs/..\\..\\facet.db.jpg',
    '/face-thumbs//etc/passwd.jpg',
    '/face-thumbs/%2fetc%2fpasswd.jpg',
    '/face-thumbs/a/b.jpg',
  ])('refuses %s', async (p) => {
    const res = await raw(server.port, 'GET', `${p}${q}`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.body).not.toContain('root:');
    expect(res.body).not.toContain('SQLite');
  });

  it('never reads an original outside its dataset root, even one with the right content', async () => {
    const image = images[5]!;
    storeFace(image.hash);
    const inside = path.join(ws.dataRoot, image.path);
    const outside = path.join(ws.dir, 'outside.png');
    fs.renameSync(inside, outside);
    const db = ws.core.workspace.db;
    try {
      for (const bad of [outside, path.relative(ws.dataRoot, outside)]) {
        db.prepare('UPDATE images SET path = ? WHERE id = ?').run(bad, image.id);
        expect(originalFilesOfHash(ws.core.workspace, image.hash)).toEqual([]);
        expect((await faceThumbnailFile(ws.core.workspace, ws.core.decoder, image.hash)).face).toBe('unavailable');
      }
      // A symlink inside the root pointing out of it is refused the same way.
      db.prepare('UPDATE images SET path = ? WHERE id = ?').run(image.path, image.id);
      fs.symlinkSync(outside, inside);
      expect(originalFilesOfHash(ws.core.workspace, image.hash)).toEqual([]);
      const res = await getBytes(`/face-thumbs/${image.hash}.jpg${q}`);
      expect(res.face).toBe('unavailable');
    } finally {
      db.prepare('UPDATE images SET path = ? WHERE id = ?').run(image.path, image.id);
      fs.rmSync(inside, { force: true });
      fs.renameSync(outside, inside);
    }
    expect(originalFilesOfHash(ws.core.workspace, image.hash)).toEqual([fs.realpathSync(inside)]);
  });

  it('refuses a cached face thumbnail that is a symlink out of the cache', async () => {
    const image = images[6]!;
    storeFace(image.hash);
    const secret = path.join(ws.dir, 'secret.txt');
    fs.writeFileSync(secret, 'top secret');
    const box = topFaceBoxes(ws.core.workspace.db, [image.hash]).get(image.hash)!;
    const link = faceThumbnailPath(ws.core.workspace.cacheDir, image.hash, box, FACE_THUMB_MARGIN);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(secret, link);
    const res = await raw(server.port, 'GET', `/face-thumbs/${image.hash}.jpg${q}`);
    expect(res.status).toBe(404);
    expect(res.body).not.toContain('top secret');
  });
});
