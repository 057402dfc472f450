// Per-image measures behind the label-free checks, computed from small RGB pixels (the import's
// thumbnail, at most 192 px a side). Each measure is a number stored per content hash; whether it is
// a problem is decided later against a threshold the user can change (thresholds.ts), so changing a
// threshold never reads an image again.
//
// The measures follow CleanVision (cleanlab, github.com/cleanlab/cleanvision, `issue_types`), which
// finds the same problems in notebooks:
// - blur: the no-reference "blur effect" of Crété-Roffet et al. (see blurEffect). CleanVision uses a
//   variance of the Laplacian on a ≤ 64 px copy; on calm, low-contrast pictures that measure fell
//   within the range of blurred ones, the blur effect kept them apart (bench:audit's synthetic sets).
//   Measured on the ≤ 192 px thumbnail: blur a viewer sees at thumbnail size.
// - dark / overexposed: luminance percentiles (Rec. 601 luma). A dark picture has even its 99th
//   percentile low; a blown-out one has even its 5th percentile high (CleanVision's dark / light).
// - low information: Shannon entropy of the 256-bin luminance histogram, in bits (0..8); a blank,
//   flat or two-tone picture carries little (CleanVision's low_information).
// - colourfulness: the mean over pixels of max(R,G,B) − min(R,G,B), 0..255; a grayscale picture
//   (even one saved as RGB) scores ≈ 0 (CleanVision's grayscale check compares channels too).
// - dHash for near-duplicates (../dhash.ts).
import { dHashFromGray } from '../dhash.js';

export interface ImageMeasures {
  /** Blur effect 0 (sharp) … 1 (flat) of the ≤ 192 px picture; high = blurry. */
  blur: number;
  /** 99th / 5th percentile of luma, 0..255. */
  lumaP99: number;
  lumaP5: number;
  /** Bits, 0..8. */
  entropy: number;
  /** Mean max−min channel spread, 0..255. */
  colourfulness: number;
  dhash: string;
  /** 16×16 gray thumbnail (256 bytes): confirms dHash candidates by pixel correlation. */
  signature: Uint8Array;
}

/** Pixels of one picture, row-major, `channels` 1 (gray) or 3 (RGB) bytes per pixel. */
export interface Pixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** The re-blur box of the blur effect (scikit-image's default h_size). */
const BLUR_BOX = 11;
export const SIGNATURE_SIDE = 16;

/** Luma (Rec. 601) into `gray`, with its 256-bin histogram and the summed channel spread, in one pass. */
function pixelPass(px: Pixels, gray: Float32Array): { hist: Uint32Array; spread: number } {
  const n = px.width * px.height;
  const hist = new Uint32Array(256);
  const d = px.data;
  let spread = 0;
  if (px.channels === 1) {
    for (let i = 0; i < n; i++) {
      gray[i] = d[i]!;
      hist[d[i]!]! += 1;
    }
    return { hist, spread };
  }
  for (let i = 0, o = 0; i < n; i++, o += 3) {
    const r = d[o]!;
    const g = d[o + 1]!;
    const b = d[o + 2]!;
    gray[i] = 0.299 * r + 0.587 * g + 0.114 * b;
    // The stored float32 luma rounded half up (it is never negative): the bin Math.round would give.
    hist[(gray[i]! + 0.5) | 0]! += 1;
    const max = r > g ? (r > b ? r : b) : g > b ? g : b;
    const min = r < g ? (r < b ? r : b) : g < b ? g : b;
    spread += max - min;
  }
  return { hist, spread };
}

export function luma(px: Pixels): Float32Array {
  const gray = new Float32Array(px.width * px.height);
  pixelPass(px, gray);
  return gray;
}

/**
 * measure()'s luma buffer, reused from picture to picture (thumbnails are all about the same size):
 * a fresh one each time costs more than the measures, in page faults, on the import's hot path.
 */
let grayScratch = new Float32Array(0);
const SCRATCH_MAX = 256 * 256;

/**
 * The "blur effect" of Crété-Roffet, Dolmière, Ladret and Nicolas, "The blur effect: perception and
 * estimation with a new no-reference perceptual blur metric", SPIE Human Vision and Electronic Imaging
 * XII (2007), as scikit-image's `measure.blur_effect`: blur the picture again with a box of
 * BLUR_BOX pixels along each axis and see how much of its pixel-to-pixel variation is lost. A sharp
 * picture loses much; a blurred one has little left to lose. 0 (sharp) … 1 (flat); the larger of the
 * two axes. Independent of contrast and brightness, unlike a raw variance of the Laplacian, which
 * calls every calm, low-contrast picture blurry.
 */
export function blurEffect(gray: Float32Array, width: number, height: number): number {
  if (width < 2 * BLUR_BOX || height < 2 * BLUR_BOX) return 0;
  const half = BLUR_BOX >> 1;
  let worst = 0;
  const longest = Math.max(width, height);
  // Line buffers padded by `half` reflected pixels on each side: the box sum then needs no bounds checks.
  const padded = new Float32Array(longest + 2 * half + 1);
  for (const axis of [0, 1] as const) {
    const along = axis === 0 ? width : height;
    const across = axis === 0 ? height : width;
    const step = axis === 0 ? 1 : width;
    const stride = axis === 0 ? width : 1;
    let sumF = 0;
    let sumT = 0;
    // Every other line: the statistic is a sum over the whole picture, half the lines estimate it well.
    for (let c = 2; c < across - 1; c += 2) {
      const start = c * stride;
      for (let a = 0; a < along; a++) padded[a + half] = gray[start + a * step]!;
      for (let d = 1; d <= half; d++) {
        padded[half - d] = padded[half + d - 1]!;
        padded[half + along - 1 + d] = padded[half + along - d]!;
      }
      let s = 0;
      for (let d = 0; d < BLUR_BOX; d++) s += padded[d]!;
      let previousBlurred = s;
      let previous = padded[half]!;
      for (let a = 1; a < along; a++) {
        s += padded[a + BLUR_BOX - 1]! - padded[a - 1]!;
        const value = padded[a + half]!;
        if (a >= 3 && a < along - 1) {
          const dF = Math.abs(value - previous);
          const dB = Math.abs(s - previousBlurred) / BLUR_BOX;
          sumF += dF;
          if (dF > dB) sumT += dF - dB;
        }
        previous = value;
        previousBlurred = s;
      }
    }
    worst = Math.max(worst, sumF > 0 ? Math.abs(sumF - sumT) / sumF : 1);
  }
  return worst;
}

function percentile(hist: Uint32Array, total: number, q: number): number {
  const target = q * total;
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += hist[v]!;
    if (seen >= target) return v;
  }
  return 255;
}

function entropyBits(hist: Uint32Array, total: number): number {
  let e = 0;
  for (let v = 0; v < 256; v++) {
    if (hist[v] === 0) continue;
    const p = hist[v]! / total;
    e -= p * Math.log2(p);
  }
  return e;
}

export function colourfulness(px: Pixels): number {
  return pixelPass(px, new Float32Array(px.width * px.height)).spread / (px.width * px.height);
}

/** dHash from gray pixels: 9×8 by box averaging (close to ../dhash.ts's resize of the original). */
export function dHashOfGray(gray: Float32Array, width: number, height: number): string {
  const cells = new Float32Array(72);
  for (let cy = 0; cy < 8; cy++) {
    const y0 = Math.floor((cy * height) / 8);
    const y1 = Math.max(y0 + 1, Math.floor(((cy + 1) * height) / 8));
    for (let cx = 0; cx < 9; cx++) {
      const x0 = Math.floor((cx * width) / 9);
      const x1 = Math.max(x0 + 1, Math.floor(((cx + 1) * width) / 9));
      let s = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) s += gray[y * width + x]!;
      cells[cy * 9 + cx] = s / ((y1 - y0) * (x1 - x0));
    }
  }
  return dHashFromGray(cells);
}

/** 16×16 box-averaged gray picture (stretched: near-duplicates are compared at the same shape). */
export function signature(gray: Float32Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(SIGNATURE_SIDE * SIGNATURE_SIDE);
  for (let cy = 0; cy < SIGNATURE_SIDE; cy++) {
    const y0 = Math.floor((cy * height) / SIGNATURE_SIDE);
    const y1 = Math.max(y0 + 1, Math.floor(((cy + 1) * height) / SIGNATURE_SIDE));
    for (let cx = 0; cx < SIGNATURE_SIDE; cx++) {
      const x0 = Math.floor((cx * width) / SIGNATURE_SIDE);
      const x1 = Math.max(x0 + 1, Math.floor(((cx + 1) * width) / SIGNATURE_SIDE));
      let s = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) s += gray[Math.min(y, height - 1) * width + Math.min(x, width - 1)]!;
      out[cy * SIGNATURE_SIDE + cx] = Math.round(s / ((y1 - y0) * (x1 - x0)));
    }
  }
  return out;
}

export function measure(px: Pixels): ImageMeasures {
  const n = px.width * px.height;
  if (n <= SCRATCH_MAX && grayScratch.length < n) grayScratch = new Float32Array(SCRATCH_MAX);
  const gray = n <= SCRATCH_MAX ? grayScratch.subarray(0, n) : new Float32Array(n);
  const { hist, spread } = pixelPass(px, gray);
  return {
    blur: blurEffect(gray, px.width, px.height),
    lumaP99: percentile(hist, gray.length, 0.99),
    lumaP5: percentile(hist, gray.length, 0.05),
    entropy: entropyBits(hist, gray.length),
    colourfulness: spread / gray.length,
    dhash: dHashOfGray(gray, px.width, px.height),
    signature: signature(gray, px.width, px.height),
  };
}
