// Makes a class-folder data set from Fashion-MNIST (Debian package dataset-fashion-mnist: 28×28 grey
// photos of clothes, 10 classes, MIT licence): the first N test images of each class as PNGs.
//   tsx bench/fashion-mnist.ts OUT_DIR [--per-class N] [--source DIR]
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';

export const FASHION_CLASSES = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot'];
export const FASHION_SOURCE = '/usr/share/datasets/fashion-mnist';

/** Writes perClass images of each class under out/CLASS/; returns how many were written. */
export async function writeFashionMnist(out: string, perClass: number, source = FASHION_SOURCE): Promise<number> {
  const imagesFile = path.join(source, 't10k-images-idx3-ubyte.gz');
  if (!existsSync(imagesFile)) throw new Error(`Fashion-MNIST not found in ${source}: install the Debian package dataset-fashion-mnist`);
  const images = gunzipSync(await readFile(imagesFile));
  const labels = gunzipSync(await readFile(path.join(source, 't10k-labels-idx1-ubyte.gz')));
  const count = images.readUInt32BE(4);
  const rows = images.readUInt32BE(8);
  const cols = images.readUInt32BE(12);
  const taken = new Array<number>(10).fill(0);
  let written = 0;
  for (const c of FASHION_CLASSES) await mkdir(path.join(out, c), { recursive: true });
  for (let i = 0; i < count && written < perClass * 10; i++) {
    const label = labels[8 + i]!;
    if (taken[label]! >= perClass) continue;
    taken[label]!++;
    const pixels = images.subarray(16 + i * rows * cols, 16 + (i + 1) * rows * cols);
    const file = path.join(out, FASHION_CLASSES[label]!, `fm-${String(i).padStart(5, '0')}.png`);
    if (!existsSync(file)) await sharp(Buffer.from(pixels), { raw: { width: cols, height: rows, channels: 1 } }).png().toFile(file);
    written++;
  }
  return written;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const out = args[0];
  if (!out) throw new Error('usage: tsx bench/fashion-mnist.ts OUT_DIR [--per-class N] [--source DIR]');
  const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const n = await writeFashionMnist(out, Number(flag('--per-class') ?? 100), flag('--source') ?? FASHION_SOURCE);
  console.log(`${n} images in ${out}`);
}
