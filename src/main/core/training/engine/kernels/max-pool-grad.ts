// MaxPoolGrad on the wasm heap: each dy value goes to the input position that won its window.
//
// dx[n,r,c,ch] = Σ over windows whose argmax is (r,c) of dy[n,oh,ow,ch]. The argmax is the first
// strictly greater value scanning the window row by row, exactly like the cpu backend (the stock
// wasm kernel breaks ties differently). Padded positions never win.
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import type { Tf } from '../types.js';
import { allocate, asWasmBackend, f32View, type KernelArgs } from './wasm-backend.js';

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
    return out;
  }
  return { kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGrad };
}
