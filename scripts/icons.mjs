// Renders assets/icon.svg into the icons each installer needs, into build/ (electron-builder's
// buildResources): Linux PNGs (build/icons/NxN.png), Windows build/icon.ico, macOS build/icon.icns.
// `node scripts/icons.mjs` always renders; scripts/build.mjs calls renderIcons({ onlyIfStale: true }).
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const SOURCE_SVG = path.join(root, 'assets', 'icon.svg');
const buildDir = path.join(root, 'build');

/** Linux picks the nearest size from the hicolor theme; 1024 doubles as build/icon.png. */
export const PNG_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
/** Windows: shell list views (16–48), large icons (64–128), jumbo (256, the largest ICO allows). */
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
/** macOS: the PNG-capable ICNS types; the @2x ones (ic11–ic14) are Retina variants of 16–256. */
export const ICNS_ENTRIES = [
  { type: 'ic11', size: 32 }, // 16@2x
  { type: 'ic12', size: 64 }, // 32@2x
  { type: 'ic07', size: 128 },
  { type: 'ic13', size: 256 }, // 128@2x
  { type: 'ic08', size: 256 },
  { type: 'ic14', size: 512 }, // 256@2x
  { type: 'ic09', size: 512 },
  { type: 'ic10', size: 1024 }, // 512@2x
];

export const OUTPUTS = {
  png: (size) => path.join(buildDir, 'icons', `${size}x${size}.png`),
  mainPng: path.join(buildDir, 'icon.png'),
  ico: path.join(buildDir, 'icon.ico'),
  icns: path.join(buildDir, 'icon.icns'),
};

/**
 * ICO: a 6-byte header (reserved 0, type 1 = icon, image count), one 16-byte directory entry per
 * image, then the images. Since Windows Vista an image may be a whole PNG file. Width and height are
 * one byte each, so 256 is written as 0.
 */
export function encodeIco(images) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  const entries = [];
  let offset = 6 + 16 * images.length;
  for (const { size, png } of images) {
    const entry = Buffer.alloc(16);
    entry.writeUInt8(size >= 256 ? 0 : size, 0); // width
    entry.writeUInt8(size >= 256 ? 0 : size, 1); // height
    entry.writeUInt8(0, 2); // palette colours: none
    entry.writeUInt8(0, 3); // reserved
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(png.length, 8);
    entry.writeUInt32LE(offset, 12);
    entries.push(entry);
    offset += png.length;
  }
  return Buffer.concat([header, ...entries, ...images.map((i) => i.png)]);
}

/**
 * ICNS: the magic 'icns' and the whole file's length (big-endian), then entries of a 4-character
 * type, the entry's length including its own 8-byte header, and the data (here a PNG file).
 */
export function encodeIcns(entries) {
  const blocks = entries.map(({ type, png }) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(8 + png.length, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(8 + blocks.reduce((n, b) => n + b.length, 0), 4);
  return Buffer.concat([head, ...blocks]);
}

function allOutputs() {
  return [...PNG_SIZES.map(OUTPUTS.png), OUTPUTS.mainPng, OUTPUTS.ico, OUTPUTS.icns];
}

/** True when every output exists and is newer than both the SVG and this script. */
export function iconsAreFresh() {
  const newestInput = Math.max(statSync(SOURCE_SVG).mtimeMs, statSync(fileURLToPath(import.meta.url)).mtimeMs);
  return allOutputs().every((file) => {
    try {
      return statSync(file).mtimeMs >= newestInput;
    } catch {
      return false;
    }
  });
}

export async function renderIcons({ onlyIfStale = false } = {}) {
  if (onlyIfStale && iconsAreFresh()) return { rendered: false };
  const svg = sharp(SOURCE_SVG, { density: 72 }); // the SVG is 1024 px wide at 72 dpi
  const master = await svg.resize(1024, 1024).png().toBuffer();
  const pngs = new Map();
  for (const size of new Set([...PNG_SIZES, ...ICO_SIZES, ...ICNS_ENTRIES.map((e) => e.size)])) {
    const png = size === 1024 ? master : await sharp(master).resize(size, size, { kernel: 'lanczos3' }).png({ compressionLevel: 9 }).toBuffer();
    pngs.set(size, png);
  }
  mkdirSync(path.join(buildDir, 'icons'), { recursive: true });
  for (const size of PNG_SIZES) writeFileSync(OUTPUTS.png(size), pngs.get(size));
  writeFileSync(OUTPUTS.mainPng, master);
  writeFileSync(OUTPUTS.ico, encodeIco(ICO_SIZES.map((size) => ({ size, png: pngs.get(size) }))));
  writeFileSync(OUTPUTS.icns, encodeIcns(ICNS_ENTRIES.map(({ type, size }) => ({ type, png: pngs.get(size) }))));
  return { rendered: true };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await renderIcons();
  console.log(`icons: rendered ${path.relative(root, SOURCE_SVG)} into ${path.relative(root, buildDir)}/`);
}
