// A real labelled image set for the label audit's and the presets' benches, made offline from Debian's
// dataset-fashion-mnist package (Zalando's Fashion-MNIST: 28×28 grayscale photos of clothing, 10
// classes): `perClass` images of each class drawn from the training file with a seed, written as PNGs
// in one folder per class, with `flipShare` of them moved into a wrong class folder at random (seeded).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { mulberry32, shuffleInPlace } from '../src/main/core/platform/random.js';

export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_CLASSES = ['tshirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'];

function idx(file: string): Buffer {
  const full = path.join(FASHION_DIR, file);
  if (!fs.existsSync(full)) throw new Error(`${full} is missing: install it with apt-get install dataset-fashion-mnist`);
  return zlib.gunzipSync(fs.readFileSync(full));
}

/**
 * `file`: Fashion-MNIST's training file (default) or its test file ('t10k', images disjoint from the
 * training file's); `prefix` goes before each file name, so two draws can share the class folders.
 */
export async function makeFashionSet(
  out: string,
  opts: { perClass?: number; flipShare?: number; seed?: number; file?: 'train' | 't10k'; prefix?: string } = {},
): Promise<{ flipped: Set<string>; pixels: Map<string, Uint8Array> }> {
  const perClass = opts.perClass ?? 150;
  const seed = opts.seed ?? 21;
  const file = opts.file ?? 'train';
  const images = idx(`${file}-images-idx3-ubyte.gz`);
  const labels = idx(`${file}-labels-idx1-ubyte.gz`);
  const n = labels.readUInt32BE(4);
  const byClass = FASHION_CLASSES.map(() => [] as number[]);
  for (let i = 0; i < n; i++) byClass[labels[8 + i]!]!.push(i);
  const rand = mulberry32(seed);
  const picked = byClass.flatMap((rows, c) => shuffleInPlace(rows, rand).slice(0, perClass).map((row) => ({ row, truth: c })));
  const flips = new Set(shuffleInPlace([...picked.keys()], rand).slice(0, Math.round(picked.length * (opts.flipShare ?? 0.05))));
  for (const c of FASHION_CLASSES) fs.mkdirSync(path.join(out, c), { recursive: true });
  const flipped = new Set<string>();
  const pixels = new Map<string, Uint8Array>();
  for (const [k, p] of picked.entries()) {
    const label = flips.has(k) ? (p.truth + 1 + Math.floor(rand() * 9)) % 10 : p.truth;
    const rel = `${FASHION_CLASSES[label]}/${opts.prefix ?? ''}fm${String(p.row).padStart(5, '0')}.png`;
    const px = images.subarray(16 + p.row * 784, 16 + (p.row + 1) * 784);
    await sharp(Buffer.from(px), { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(path.join(out, rel));
    if (flips.has(k)) flipped.add(rel);
    pixels.set(rel, new Uint8Array(px));
  }
  return { flipped, pixels };
}
