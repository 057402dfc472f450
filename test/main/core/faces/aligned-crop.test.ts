// Crop to face is aligned: a tilted face comes out with its eyes level.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeFaceCrop, rotatedPoint } from '../../../../src/main/core/faces/crop.js';
import { eyeRoll } from '../../../../src/main/core/faces/face-store.js';

/** 68 iBUG points with only the two eyes (36–41 around the left centre, 42–47 around the right) set. */
function eyesAt(left: [number, number], right: [number, number]): Float32Array {
  const pts = new Float32Array(136);
  for (let i = 36; i <= 41; i++) [pts[2 * i], pts[2 * i + 1]] = left;
  for (let i = 42; i <= 47; i++) [pts[2 * i], pts[2 * i + 1]] = right;
  return pts;
}

/** Row and column of the darkest pixel in columns [from, to) of a size×size grayscale image. */
function darkest(px: Buffer, size: number, from: number, to: number): { row: number; col: number } {
  let best = 256;
  let at = { row: -1, col: -1 };
  for (let y = 0; y < size; y++)
    for (let x = from; x < to; x++)
      if (px[y * size + x]! < best) {
        best = px[y * size + x]!;
        at = { row: y, col: x };
      }
  return at;
}
const darkestRow = (px: Buffer, size: number, from: number, to: number) => darkest(px, size, from, to).row;

describe('aligned face crop', () => {
  it('maps points the way sharp rotates a picture (clockwise, canvas grown to fit)', () => {
    const p = rotatedPoint(0, 0, 100, 50, 90);
    expect(p.width).toBeCloseTo(50, 6);
    expect(p.height).toBeCloseTo(100, 6);
    expect(p.x).toBeCloseTo(50, 6);
    expect(p.y).toBeCloseTo(0, 6);
    const q = rotatedPoint(50, 25, 100, 50, 37);
    expect(q.x).toBeCloseTo(q.width / 2, 6); // the centre stays the centre
    expect(q.y).toBeCloseTo(q.height / 2, 6);
  });

  it('reads the roll from the eye line (positive when the right eye is lower)', () => {
    expect(eyeRoll(eyesAt([70, 90], [130, 90]))).toBeCloseTo(0, 6);
    expect(eyeRoll(eyesAt([70, 90], [130, 120]))).toBeCloseTo((Math.atan2(30, 60) * 180) / Math.PI, 6);
    expect(eyeRoll(new Float32Array(0))).toBe(0);
  });

  it('levels the eyes of a tilted face, which a plain box crop does not', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facet-crop-'));
    const file = path.join(dir, 'tilted.png');
    const left: [number, number] = [70, 90];
    const right: [number, number] = [130, 120];
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200"><rect width="200" height="200" fill="#c8c8c8"/>
      <circle cx="${left[0]}" cy="${left[1]}" r="7" fill="#000"/><circle cx="${right[0]}" cy="${right[1]}" r="7" fill="#000"/></svg>`;
    await sharp(Buffer.from(svg)).png().toFile(file);
    const box = { x: 50, y: 55, width: 100, height: 100 };
    const roll = eyeRoll(eyesAt(left, right));
    const size = 64;
    const aligned = await decodeFaceCrop(file, { ...box, roll }, 200, 200, 0.1, size, 'grayscale');
    const plain = await decodeFaceCrop(file, { ...box, roll: 0 }, 200, 200, 0.1, size, 'grayscale');
    const gap = (px: Buffer) => Math.abs(darkestRow(px, size, 0, size / 2) - darkestRow(px, size, size / 2, size));
    expect(gap(aligned)).toBeLessThanOrEqual(1);
    expect(gap(plain)).toBeGreaterThanOrEqual(6);
    // The box centre travelled with the rotation: the eyes sit symmetrically about the crop's middle.
    const mid = (darkest(aligned, size, 0, size / 2).col + darkest(aligned, size, size / 2, size).col) / 2;
    expect(Math.abs(mid - (size - 1) / 2)).toBeLessThanOrEqual(2);
  });
});
