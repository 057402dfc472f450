// MaxPoolGrad on the wasm heap: each dy value goes to the input position that won its window.
//
// dx[n,r,c,ch] = Σ over windows whose argmax is (r,c) of dy[n,oh,ow,ch]. The argmax is the first
// strictly greater value scanning the window row by row, exactly like the cpu backend (the stock
// wasm kernel breaks ties differently). Padded positions never win.
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import type { Tf } from '../types.js';
import { simdKernels } from './simd-kernels.js';
import { allocate, asWasmBackend, f32View, heapOffset, type KernelArgs } from './wasm-backend.js';

type PadAttr = 'valid' | 'same' | number;

export function maxPoolGradConfig(tf: Tf): KernelConfig {
  function maxPoolGrad({ inputs, backend: b, attrs }: KernelArgs): TensorInfo {
    const backend = asWasmBackend(b);
    const dy = inputs['dy'] as TensorInfo;
    const input = inputs['input'] as TensorInfo;
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
      filterSize: [number, number] | number; strides: [number, number] | number; pad: PadAttr;
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
    const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
    const pt = info.padInfo.top;
    const pl = info.padInfo.left;

    const out = allocate(backend, input.shape);
    const dx = f32View(backend, out);
    const x = f32View(backend, input);
    const g = f32View(backend, dy);
    const disjoint2x2 = fh === 2 && fw === 2 && sh === 2 && sw === 2 && pt === 0 && pl === 0 && oh === h >> 1 && ow === w >> 1;
    const simd = disjoint2x2 && c % 4 === 0 ? simdKernels(backend.wasm.asm?.memory) : null;
    if (simd !== null) {
      // An odd last row/column belongs to no window.
      if ((h & 1) !== 0 || (w & 1) !== 0) dx.fill(0);
      const [xp, gp, dxp] = [heapOffset(backend, input), heapOffset(backend, dy), heapOffset(backend, out)];
      const rowBytes = w * c * 4;
      if ((h & 1) === 0) {
        simd.maxPoolGrad2x2(xp, gp, dxp, n * oh, ow, c / 4, rowBytes);
      } else {
        for (let b0 = 0; b0 < n; b0++) {
          simd.maxPoolGrad2x2(xp + b0 * h * rowBytes, gp + b0 * oh * ow * c * 4, dxp + b0 * h * rowBytes, oh, ow, c / 4, rowBytes);
        }
      }
    } else if (disjoint2x2) {
      pool2x2Grad(x, g, dx, n, h, w, c);
    } else {
      poolGrad(x, g, dx, n, h, w, c, oh, ow, sh, sw, fh, fw, pt, pl);
    }
    return out;
  }
  return { kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGrad };
}

/** The general case: any window, stride and padding; overlapping windows accumulate. */
function poolGrad(
  x: Float32Array, g: Float32Array, dx: Float32Array, n: number, h: number, w: number, c: number,
  oh: number, ow: number, sh: number, sw: number, fh: number, fw: number, pt: number, pl: number,
): void {
  dx.fill(0);
  for (let b0 = 0; b0 < n; b0++) {
    for (let r = 0; r < oh; r++) {
      const r0 = r * sh - pt;
      const rMin = Math.max(r0, 0);
      const rMax = Math.min(r0 + fh, h);
      for (let q = 0; q < ow; q++) {
        const q0 = q * sw - pl;
        const qMin = Math.max(q0, 0);
        const qMax = Math.min(q0 + fw, w);
        const gBase = ((b0 * oh + r) * ow + q) * c;
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let at = -1;
          for (let rr = rMin; rr < rMax; rr++) {
            let idx = ((b0 * h + rr) * w + qMin) * c + ch;
            for (let qq = qMin; qq < qMax; qq++, idx += c) {
              const v = x[idx]!;
              if (v > best) { best = v; at = idx; }
            }
          }
          if (at >= 0) dx[at] = dx[at]! + g[gBase + ch]!;
        }
      }
    }
  }
}

/** The seed model's pool (2×2, stride 2, 'valid'): disjoint windows, so each dx value is written once. */
function pool2x2Grad(
  x: Float32Array, g: Float32Array, dx: Float32Array, n: number, h: number, w: number, c: number,
): void {
  const oh = h >> 1;
  const ow = w >> 1;
  // An odd last row/column belongs to no window.
  if ((h & 1) !== 0 || (w & 1) !== 0) dx.fill(0);
  const rowStride = w * c;
  let gi = 0;
  for (let b0 = 0; b0 < n; b0++) {
    for (let r = 0; r < oh; r++) {
      let i00 = ((b0 * h + 2 * r) * w) * c;
      for (let q = 0; q < ow; q++, i00 += 2 * c) {
        for (let ch = 0; ch < c; ch++, gi++) {
          const a = i00 + ch;
          const b = a + c;
          const d = a + rowStride;
          const e = d + c;
          const va = x[a]!;
          const vb = x[b]!;
          const vd = x[d]!;
          const ve = x[e]!;
          // First strictly greater value in row-major order wins (cpu backend tie-breaking).
          let at = -1;
          let best = -Infinity;
          if (va > best) { best = va; at = a; }
          if (vb > best) { best = vb; at = b; }
          if (vd > best) { best = vd; at = d; }
          if (ve > best) { at = e; }
          const v = g[gi]!;
          dx[a] = at === a ? v : 0;
          dx[b] = at === b ? v : 0;
          dx[d] = at === d ? v : 0;
          dx[e] = at === e ? v : 0;
        }
      }
    }
  }
}
