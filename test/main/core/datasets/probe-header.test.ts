// The import reads a JPEG's oriented size from its markers (image-size) instead of sharp's separate
// header read. These pin that it gives what sharp's metadata() gives, and that it steps aside (null,
// so sharp reads the header) wherever it could be wrong.
import fs from 'node:fs';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { jpegHeader, probeImage, THUMBNAIL_SIZE } from '../../../../src/main/core/datasets/probe.js';
import { tempDir } from '../training/helpers.js';

function picture(width: number, height: number, channels: 1 | 3 = 3): Sharp {
  const raw = Buffer.alloc(width * height * channels);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 37 + (i >> 7) * 11) & 255;
  return sharp(raw, { raw: { width, height, channels } });
}

/** What metadata() says, oriented: the figures the import stored before. */
async function bySharp(bytes: Buffer): Promise<{ format: string; width: number; height: number }> {
  const meta = await sharp(bytes).metadata();
  const swap = (meta.orientation ?? 1) >= 5;
  return { format: meta.format!, width: swap ? meta.height! : meta.width!, height: swap ? meta.width! : meta.height! };
}

async function thumbnailOf(bytes: Buffer): Promise<{ width: number; height: number }> {
  const { info } = await sharp(bytes).rotate().resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true }).jpeg().toBuffer({ resolveWithObject: true });
  return info;
}

describe('reading a JPEG header without sharp', () => {
  const cases: [string, () => Promise<Buffer>][] = [];
  for (let orientation = 1; orientation <= 8; orientation++) {
    cases.push([`orientation ${orientation}, 300 × 200`, () => picture(300, 200).withMetadata({ orientation }).jpeg().toBuffer()]);
    cases.push([`orientation ${orientation}, 120 × 80 (not shrunk)`, () => picture(120, 80).withMetadata({ orientation }).jpeg().toBuffer()]);
  }
  cases.push(['progressive', () => picture(640, 480).jpeg({ progressive: true }).toBuffer()]);
  cases.push(['greyscale', () => picture(200, 333, 1).jpeg().toBuffer()]);
  cases.push(['CMYK', () => picture(210, 150).toColourspace('cmyk').jpeg().toBuffer()]);
  cases.push(['near-square 2000 × 1995', () => picture(2000, 1995).jpeg().toBuffer()]);
  cases.push(['1 × 1', () => picture(1, 1).jpeg().toBuffer()]);
  cases.push(['with EXIF and ICC', () => picture(260, 180).withMetadata({ orientation: 6, icc: 'srgb' }).jpeg().toBuffer()]);

  it.each(cases)('gives what sharp gives: %s', async (_name, make) => {
    const bytes = await make();
    expect(jpegHeader(bytes, await thumbnailOf(bytes))).toEqual(await bySharp(bytes));
  });

  it('steps aside for other formats, for bytes that are no image, and when the thumbnail disagrees', async () => {
    const png = await picture(64, 48).png().toBuffer();
    expect(jpegHeader(png, await thumbnailOf(png))).toBeNull();
    expect(jpegHeader(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 4, 1, 2]), { width: 10, height: 10 })).toBeNull();
    const jpeg = await picture(300, 200).jpeg().toBuffer();
    // A thumbnail 128 × 192 says the picture is upright where the header says 300 × 200 lies down.
    expect(jpegHeader(jpeg, { width: 128, height: 192 })).toBeNull();
    expect(jpegHeader(jpeg, { width: 192, height: 128 })).toEqual({ format: 'jpeg', width: 300, height: 200 });
  });

  it('probeImage turns every orientation upright, and leaves upright JPEGs as sharp would (it skips the auto-orientation for those)', async () => {
    const dir = tempDir('facet-probe-');
    try {
      // Orientation 1 stated, and no EXIF at all: both upright.
      // Smooth gradients, so that JPEG keeps the pixels close, and a bright corner, so that each
      // orientation looks different.
      const raw = Buffer.alloc(300 * 200 * 3);
      for (let y = 0; y < 200; y++) {
        for (let x = 0; x < 300; x++) {
          const o = (y * 300 + x) * 3;
          raw[o] = Math.round((x / 299) * 200);
          raw[o + 1] = Math.round((y / 199) * 200);
          raw[o + 2] = x < 60 && y < 40 ? 255 : 30;
        }
      }
      const smooth = () => sharp(raw, { raw: { width: 300, height: 200, channels: 3 } });
      const sources: [string, Buffer][] = [['no EXIF', await smooth().jpeg().toBuffer()]];
      for (let orientation = 1; orientation <= 8; orientation++) {
        sources.push([`orientation ${orientation}`, await smooth().withMetadata({ orientation }).jpeg().toBuffer()]);
      }
      for (const [name, bytes] of sources) {
        const file = path.join(dir, `${name}.jpg`);
        fs.writeFileSync(file, bytes);
        let stored = '';
        const probed = await probeImage(file, name, (hash) => (stored = path.join(dir, 'thumbs', `${hash}.jpg`)));
        expect(probed.ok, name).toBe(true);
        const expected = await sharp(bytes).rotate().resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true }).raw().toBuffer({ resolveWithObject: true });
        const got = await sharp(fs.readFileSync(stored)).raw().toBuffer({ resolveWithObject: true });
        expect([got.info.width, got.info.height], name).toEqual([expected.info.width, expected.info.height]);
        // The stored thumbnail is a JPEG of the same pixels: equal within its compression.
        let diff = 0;
        for (let i = 0; i < got.data.length; i++) diff += Math.abs(got.data[i]! - expected.data[i]!);
        expect(diff / got.data.length, name).toBeLessThan(2);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('probeImage stores the same format and oriented size as before, JPEG or not', async () => {
    const dir = tempDir('facet-probe-');
    try {
      const files: [string, Buffer][] = [
        ['a.jpg', await picture(300, 200).withMetadata({ orientation: 6 }).jpeg().toBuffer()],
        ['b.png', await picture(64, 48).png().toBuffer()],
        ['c.webp', await picture(90, 70).webp().toBuffer()],
      ];
      for (const [name, bytes] of files) {
        const file = path.join(dir, name);
        fs.writeFileSync(file, bytes);
        const probed = await probeImage(file, name, (hash) => path.join(dir, 'thumbs', `${hash}.jpg`));
        expect(probed.ok).toBe(true);
        if (probed.ok) expect({ format: probed.image.format, width: probed.image.width, height: probed.image.height }).toEqual(await bySharp(bytes));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
