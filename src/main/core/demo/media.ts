// The three "media" of the demo data set. Each one leaves cues that survive the downscale to the
// training size (32–128 px), where sensor noise and JPEG blocks average away, and that no person's own
// colours can imitate because they are spatial or act on the whole tonal range:
//   camera = auto-levelled (full contrast), neutral white balance, crisp, even to the corners;
//   phone  = a little soft, flat (lifted blacks, dull highlights), warm/green cast, strong vignette, noise;
//   social = re-shared thumbnail: coarse blocks, oversaturated and posterized, in a white "polaroid"
//            frame (dark keyline, white border) with a caption strip, recompressed hard.
// Each stays a photo of a face that a real face detector (face-api's SSD-MobileNet) finds: the blur and
// the thumbnail's size are what decide that, so they are kept where it still does
// (test/main/core/demo/faces-detected.test.ts).
import sharp from 'sharp';
import { gaussian, uniform, type Random } from './random.js';

export const MEDIA = ['camera', 'phone', 'social'] as const;
export type Medium = (typeof MEDIA)[number];

/** Turns a rendered face (raw RGB, size×size) into the JPEG bytes of a photo taken with `medium`. */
export async function photograph(rgb: Buffer, size: number, medium: Medium, rand: Random): Promise<Buffer> {
  switch (medium) {
    case 'camera':
      return cameraPhoto(rgb, size, rand);
    case 'phone':
      return phonePhoto(rgb, size, rand);
    case 'social':
      return socialPhoto(rgb, size, rand);
  }
}

const raw = (width: number, height = width) => ({ raw: { width, height, channels: 3 as const } });

async function cameraPhoto(rgb: Buffer, size: number, rand: Random): Promise<Buffer> {
  // A good camera: auto white balance (grey world, mostly), auto levels to the full range, a crisp lens.
  const means = channelMeans(rgb);
  const grey = (means[0] + means[1] + means[2]) / 3;
  // Partial: a full grey-world balance turns pale skin green in front of a magenta backdrop.
  const balance = uniform(rand, 0.2, 0.35);
  const wb = means.map((m) => 1 + balance * (grey / Math.max(m, 1) - 1));
  const balanced = Buffer.allocUnsafe(rgb.length);
  for (let i = 0; i < rgb.length; i++) balanced[i] = clamp((rgb[i] ?? 0) * (wb[i % 3] ?? 1));
  const [lo, hi] = percentiles(balanced, 0.01, 0.99);
  const a = (255 / Math.max(hi - lo, 32)) * uniform(rand, 1.02, 1.1);
  const b = 128 - a * ((lo + hi) / 2);
  return sharp(balanced, raw(size))
    .linear(a, b)
    .sharpen({ sigma: Math.max(0.6, size / 256), m1: 1, m2: 2.5 })
    .jpeg({ quality: 92, chromaSubsampling: '4:4:4' })
    .toBuffer();
}

async function phonePhoto(rgb: Buffer, size: number, rand: Random): Promise<Buffer> {
  // Optics first (blur, light fall-off towards the corners), then the sensor (cast, lifted blacks,
  // dull highlights, noise), then the phone's JPEG encoder. The blur stays light: at σ ≈ 3 px (the
  // v2 look) the detector missed 9 in 10 of the faces, and as many real faces framed the same way.
  const blurred = await sharp(rgb, raw(size))
    .blur(uniform(rand, 0.5, 0.9) * (size / 256) + 0.3)
    .raw()
    .toBuffer();
  const contrast = uniform(rand, 0.7, 0.8);
  const warmth = uniform(rand, 0.75, 1.0);
  const gain = [1.0 + 0.06 * warmth, 1.0 + 0.1 * warmth, 1.0 - 0.3 * warmth] as const;
  const lift = [14 * warmth, 18 * warmth, 0] as const;
  const vignette = uniform(rand, 0.55, 0.7);
  const falloff = uniform(rand, 1.6, 2.2);
  const cx = uniform(rand, 0.46, 0.54) * size;
  const cy = uniform(rand, 0.44, 0.52) * size;
  const reach = Math.hypot(size / 2, size / 2);
  const noise = uniform(rand, 6, 11);
  const out = Buffer.allocUnsafe(blurred.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = Math.min(1, Math.hypot(x + 0.5 - cx, y + 0.5 - cy) / reach);
      const fall = 1 - vignette * d ** falloff;
      for (let c = 0; c < 3; c++) {
        const i = (y * size + x) * 3 + c;
        const v = ((blurred[i] ?? 0) - 128) * contrast + 128 + 18;
        out[i] = clamp((v * (gain[c] ?? 1) + (lift[c] ?? 0)) * fall + gaussian(rand) * noise);
      }
    }
  }
  return sharp(out, raw(size)).jpeg({ quality: Math.round(uniform(rand, 72, 84)) }).toBuffer();
}

async function socialPhoto(rgb: Buffer, size: number, rand: Random): Promise<Buffer> {
  // Re-shared as a thumbnail with filters on, blown back up, put in a polaroid-like frame with a
  // caption, and recompressed hard. The thumbnail keeps a third to two fifths of the pixels across:
  // smaller, and face detectors miss the face more and more (at a tenth, the v2 look, always).
  const top = Math.round(size * uniform(rand, 0.06, 0.08));
  const bottom = Math.round(size * uniform(rand, 0.18, 0.22));
  const innerH = size - top - bottom;
  // A window about as wide as it is high, so the face picture is cropped little (a tight crop hides
  // the face from detectors too); the side borders take up the rest.
  const inner = Math.min(size - 2 * top, Math.round(innerH * uniform(rand, 1.0, 1.08)));
  const left = Math.round((size - inner) / 2);
  const small = Math.max(8, Math.round(size / uniform(rand, 2.5, 3.0)));
  const contrast = uniform(rand, 1.4, 1.7);
  const shrunk = await sharp(rgb, raw(size))
    .resize(small, Math.max(6, Math.round((small * innerH) / inner)), { fit: 'cover', position: 'centre' })
    .modulate({ saturation: uniform(rand, 1.8, 2.3) })
    .linear(contrast, 128 * (1 - contrast))
    .raw()
    .toBuffer({ resolveWithObject: true });
  const levels = Math.round(uniform(rand, 4, 5.4));
  const step = 255 / (levels - 1);
  const px = shrunk.data;
  for (let i = 0; i < px.length; i++) px[i] = clamp(Math.round((px[i] ?? 0) / step) * step);
  const picture = await sharp(px, raw(shrunk.info.width, shrunk.info.height))
    .resize(inner, innerH, { kernel: 'nearest', fit: 'fill' })
    .raw()
    .toBuffer();

  const paper = Math.round(uniform(rand, 238, 252));
  const ink = Math.round(uniform(rand, 20, 60));
  const framed = Buffer.alloc(size * size * 3, paper);
  // A dark keyline round the picture, so the frame shows even when the picture's own edges are white.
  const line = Math.max(1, Math.round(size * 0.022));
  fillRect(framed, size, left - line, top - line, inner + 2 * line, innerH + 2 * line, Math.round(uniform(rand, 30, 70)));
  for (let y = 0; y < innerH; y++) picture.copy(framed, ((y + top) * size + left) * 3, y * inner * 3, (y + 1) * inner * 3);
  // The caption: a line or two of "words" (dark blocks) in the strip under the picture.
  const lineH = Math.max(2, Math.round(bottom * 0.16));
  const lines = bottom > 5 * lineH ? 2 : 1;
  for (let line = 0; line < lines; line++) {
    const y = size - bottom + Math.round(bottom * 0.22) + line * Math.round(lineH * 1.9);
    let x = left + Math.round(uniform(rand, 0, size * 0.04));
    const end = left + inner - (line === lines - 1 ? Math.round(uniform(rand, 0.15, 0.45) * inner) : 0);
    while (x < end) {
      const word = Math.min(end - x, Math.max(2, Math.round(uniform(rand, 0.05, 0.16) * size)));
      fillRect(framed, size, x, y, word, lineH, ink);
      x += word + Math.max(2, Math.round(size * 0.025));
    }
  }
  return sharp(framed, raw(size))
    .jpeg({ quality: Math.round(uniform(rand, 18, 30)), chromaSubsampling: '4:2:0' })
    .toBuffer();
}

function fillRect(buf: Buffer, size: number, x0: number, y0: number, w: number, h: number, value: number): void {
  for (let y = Math.max(0, y0); y < Math.min(size, y0 + h); y++) {
    buf.fill(value, (y * size + Math.max(0, x0)) * 3, (y * size + Math.min(size, x0 + w)) * 3);
  }
}

function channelMeans(rgb: Buffer): [number, number, number] {
  const sum = [0, 0, 0];
  for (let i = 0; i < rgb.length; i++) sum[i % 3] = (sum[i % 3] ?? 0) + (rgb[i] ?? 0);
  const n = rgb.length / 3;
  return [(sum[0] ?? 0) / n, (sum[1] ?? 0) / n, (sum[2] ?? 0) / n];
}

/** The luminance values below which `low` and `high` of the pixels fall. */
function percentiles(rgb: Buffer, low: number, high: number): [number, number] {
  const hist = new Uint32Array(256);
  for (let i = 0; i + 2 < rgb.length; i += 3) {
    const y = Math.round(0.299 * (rgb[i] ?? 0) + 0.587 * (rgb[i + 1] ?? 0) + 0.114 * (rgb[i + 2] ?? 0));
    hist[y] = (hist[y] ?? 0) + 1;
  }
  const n = rgb.length / 3;
  let seen = 0;
  let lo = 0;
  let hi = 255;
  let foundLo = false;
  for (let v = 0; v < 256; v++) {
    seen += hist[v] ?? 0;
    if (!foundLo && seen >= low * n) {
      lo = v;
      foundLo = true;
    }
    if (seen >= high * n) {
      hi = v;
      break;
    }
  }
  return [lo, hi];
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}
