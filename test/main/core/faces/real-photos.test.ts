// Face analysis on real photographs: face-api's own demo group photos (read from node_modules).
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFaceAnalyzer, decodeUpright, euclidean, type FaceAnalyzer, type ImageAnalysis } from '../../../../src/main/core/faces/analyzer.js';
import { faceCropRect } from '../../../../src/main/core/faces/crop.js';
import { clusterEmbeddings } from '../../../../src/main/core/faces/identity.js';
import { DEFAULT_DUPLICATE_THRESHOLD, DEFAULT_IDENTITY_THRESHOLD } from '../../../../src/shared/faces.js';
import { EXPECTED_FACES, samplePhotos } from './photos.js';

let analyzer: FaceAnalyzer;
const results = new Map<string, ImageAnalysis>();

beforeAll(async () => {
  analyzer = await createFaceAnalyzer({ detector: 'ssd', minScore: 0.5 });
  for (const photo of samplePhotos()) results.set(path.basename(photo), await analyzer.analyse(await decodeUpright(photo)));
}, 120_000);

/** For each face of `a`, the face of the mirrored analysis `b` whose mirrored box centre is nearest. */
function mirrorPartners(a: ImageAnalysis, b: ImageAnalysis): number[] {
  return a.faces.map((f) => {
    const cx = f.box.x + f.box.width / 2;
    const cy = f.box.y + f.box.height / 2;
    let best = -1;
    let bestD = Infinity;
    b.faces.forEach((g, j) => {
      const d = Math.hypot(a.width - (g.box.x + g.box.width / 2) - cx, g.box.y + g.box.height / 2 - cy);
      if (d < bestD) {
        bestD = d;
        best = j;
      }
    });
    return best;
  });
}

describe('face analysis on real photographs', () => {
  it('finds the expected number of faces in each demo photo (22 in all)', () => {
    const counts = Object.fromEntries([...results].map(([name, r]) => [name, r.faces.length]));
    expect(counts).toEqual(EXPECTED_FACES);
  });

  it('gives every face a score, a box inside the picture, 68 landmarks and a 128-d descriptor', () => {
    for (const r of results.values()) {
      for (const f of r.faces) {
        expect(f.score).toBeGreaterThanOrEqual(0.5);
        expect(f.box.x).toBeGreaterThanOrEqual(-1);
        expect(f.box.y).toBeGreaterThanOrEqual(-1);
        expect(f.box.x + f.box.width).toBeLessThanOrEqual(r.width + 1);
        expect(f.box.y + f.box.height).toBeLessThanOrEqual(r.height + 1);
        expect(f.landmarks).toHaveLength(68);
        expect(f.embedding).toHaveLength(128);
      }
      expect(r.faces.map((f) => f.score)).toEqual([...r.faces.map((f) => f.score)].sort((a, b) => b - a));
    }
  });

  it('keeps every face crop (any margin) inside the picture and around its face', () => {
    for (const r of results.values()) {
      for (const f of r.faces) {
        for (const margin of [0, 0.2, 0.5, 1]) {
          const c = faceCropRect(f.box, r.width, r.height, margin);
          expect(c.left).toBeGreaterThanOrEqual(0);
          expect(c.top).toBeGreaterThanOrEqual(0);
          expect(c.left + c.width).toBeLessThanOrEqual(r.width);
          expect(c.top + c.height).toBeLessThanOrEqual(r.height);
          const cx = f.box.x + f.box.width / 2;
          expect(cx).toBeGreaterThan(c.left);
          expect(cx).toBeLessThan(c.left + c.width);
        }
      }
    }
  });

  it('puts a face closer to its mirror image than to any other person', async () => {
    const photo = samplePhotos()[0]!;
    const original = results.get(path.basename(photo))!;
    const mirrored = await analyzer.analyse(await decodeUpright(photo, true));
    expect(mirrored.faces).toHaveLength(original.faces.length);
    const partners = mirrorPartners(original, mirrored);
    const self = original.faces.map((f, i) => euclidean(f.embedding, mirrored.faces[partners[i]!]!.embedding));
    const others: number[] = [];
    const all = [...results.values()].flatMap((r) => r.faces);
    for (const f of original.faces) for (const g of all) if (g !== f) others.push(euclidean(f.embedding, g.embedding));
    expect(Math.max(...self)).toBeLessThan(Math.min(...others));
    expect(Math.max(...self)).toBeLessThan(DEFAULT_IDENTITY_THRESHOLD);
  });

  it('finds a downscaled, recompressed copy of a face under the near-duplicate threshold', async () => {
    const photo = samplePhotos()[0]!;
    const original = results.get(path.basename(photo))!;
    const copy = await analyzer.analyse(await decodeUpright(await sharp(photo).resize(1200).jpeg({ quality: 70 }).toBuffer()));
    expect(copy.faces).toHaveLength(original.faces.length);
    for (const f of original.faces) {
      expect(Math.min(...copy.faces.map((g) => euclidean(f.embedding, g.embedding)))).toBeLessThan(DEFAULT_DUPLICATE_THRESHOLD);
    }
  });

  it('clusters each face with its mirrored copy and keeps different people apart', async () => {
    const photo = samplePhotos()[3]!;
    const original = results.get(path.basename(photo))!;
    const mirrored = await analyzer.analyse(await decodeUpright(photo, true));
    const partners = mirrorPartners(original, mirrored);
    const vectors = [...original.faces.map((f) => f.embedding), ...mirrored.faces.map((f) => f.embedding)];
    const clusters = clusterEmbeddings(vectors, DEFAULT_IDENTITY_THRESHOLD);
    const n = original.faces.length;
    original.faces.forEach((_, i) => expect(clusters[i]).toBe(clusters[n + partners[i]!]));
    expect(new Set(clusters.slice(0, n)).size).toBe(n);
  });
});
