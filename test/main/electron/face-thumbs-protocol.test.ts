// facet-media://face-thumbs/<hash>.jpg (Electron's door to the face-crop thumbnails), with `electron`
// mocked: the crop or the whole-picture fallback with x-facet-face, and hostile URLs refused.
import fs from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => {
  const protocol = { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() };
  return { protocol, default: { protocol } };
});

const { mediaResponse } = await import('../../../src/main/electron/protocols.js');
const { saveAnalysis } = await import('../../../src/main/core/faces/face-store.js');
const { demoWorkspace } = await import('../server/helpers.js');
type DemoWorkspace = Awaited<ReturnType<typeof demoWorkspace>>;

let ws: DemoWorkspace;
let withFace: string;
let withoutFace: string;

beforeAll(async () => {
  ws = await demoWorkspace(6);
  const hashes = [...new Set((await ws.core.call('images/list', { datasetId: ws.datasetId })).items.map((i) => i.hash!))];
  [withFace, withoutFace] = hashes as [string, string];
  const box = { x: 14, y: 10, width: 36, height: 40 };
  const landmarks: [number, number][] = Array.from({ length: 68 }, () => [32, 30]);
  saveAnalysis(ws.core.workspace.db, withFace, { width: 64, height: 64, faces: [{ index: 0, score: 0.9, box, landmarks, embedding: new Float32Array(128) }], wholeEmbedding: null }, 'ssd', 0.5);
});

afterAll(async () => {
  await ws.core.close();
  fs.rmSync(ws.dir, { recursive: true, force: true });
});

describe('facet-media://face-thumbs', () => {
  it('serves the face crop of an analysed picture, not cached by the page (it changes with the analysis)', async () => {
    const res = await mediaResponse(ws.core, `facet-media://face-thumbs/${withFace}.jpg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('x-facet-face')).toBe('crop');
    expect(res.headers.get('cache-control')).toContain('no-cache');
    const crop = Buffer.from(await res.arrayBuffer());
    const whole = fs.readFileSync(ws.core.workspace.thumbnailPath(withFace));
    expect(crop.equals(whole)).toBe(false);
    const meta = await sharp(crop).metadata();
    expect(meta.width).toBe(meta.height);
    expect(meta.width).toBeLessThan(64);
  });

  it('serves the whole-picture thumbnail, marked none, for a picture without an analysed face', async () => {
    const res = await mediaResponse(ws.core, `facet-media://face-thumbs/${withoutFace}.jpg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-facet-face')).toBe('none');
    expect(Buffer.from(await res.arrayBuffer()).equals(fs.readFileSync(ws.core.workspace.thumbnailPath(withoutFace)))).toBe(true);
  });

  it.each([
    ['facet-media://face-thumbs/xyz.jpg', 400],
    [`facet-media://face-thumbs/${'A'.repeat(64)}.jpg`, 400],
    [`facet-media://face-thumbs/${'e'.repeat(64)}.jpg`, 404],
    ['facet-media://face-thumbs/../../facet.db', 400],
    ['facet-media://face-thumbs/%2e%2e/%2e%2e/facet.db.jpg', 400],
    ['facet-media://face-thumbs/..%2f..%2ffacet.db.jpg', 400],
    ['facet-media://face-thumbs/%2Fetc%2Fpasswd.jpg', 400],
    ['facet-media://face-thumbs//etc/passwd.jpg', 404],
    ['facet-media://face-thumbs/a/b.jpg', 404],
  ])('refuses %s (%i)', async (url, status) => {
    const res = await mediaResponse(ws.core, url);
    expect(res.status).toBe(status);
    expect(await res.text()).not.toContain('root:');
  });

  it('refuses anything but GET', async () => {
    expect((await mediaResponse(ws.core, `facet-media://face-thumbs/${withFace}.jpg`, 'POST')).status).toBe(405);
  });
});
