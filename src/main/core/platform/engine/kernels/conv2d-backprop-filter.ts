// Conv2DBackpropFilter (the weight gradient of a convolution). Small filters with stride 1 and no
// padding (the seed CNN's first two layers) take a generated SIMD loop (conv-filter-grad-direct.ts);
// everything else is one XNNPACK forward convolution:
//
// dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s + kh − pt, ow·s + kw − pl, ci] · dy[n, oh, ow, co]
//
// Read it as a convolution whose batch is ci, whose channels are n, whose filter is dy:
//   input  X'[ci, h, w, n]   = x[n, h, w, ci]            (transpose [3,1,2,0])
//   filter F'[oh, ow, n, co] = dy[n, oh, ow, co]          (transpose [1,2,0,3])
//   out'[ci, kh, kw, co] = Σ_{oh,ow,n} X'[ci, kh + oh·s − pt, kw + ow·s − pl, n] · F'[oh, ow, n, co]
// i.e. stride 1, dilation s (the original stride), top/left pads pt/pl. The bottom pad follows from
// the output size KH: pb' = KH + (OH−1)·s − H − pt; when it is negative the last rows of x are never
// read by the forward convolution, so they are cropped instead. Then dW = transpose(out', [1,2,0,3]).
// XNNPACK packs the filter when it builds the operator, so this costs one pass over dy on top.
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import type { Tf } from '../types.js';
import { nhwcToCropCHWN } from './layout.js';
import type { StockKernels } from './stock.js';
import { directFilterGrad } from './conv-filter-grad-direct.js';
import { allocate, asWasmBackend, f32View, heapOffset, release, type KernelArgs } from './wasm-backend.js';
import { xnnConv2d } from './xnn-conv.js';

type PadAttr = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];

export function conv2dBackpropFilterConfig(tf: Tf, stock: StockKernels): KernelConfig {
  function conv2dBackpropFilter({ inputs, backend: b, attrs }: KernelArgs): TensorInfo {
    const backend = asWasmBackend(b);
    const x = inputs['x'] as TensorInfo;
    const dy = inputs['dy'] as TensorInfo;
    const { strides, pad, dimRoundingMode, filterShape, dataFormat } = attrs as unknown as {
      strides: [number, number] | number; pad: PadAttr; dimRoundingMode?: 'floor' | 'round' | 'ceil';
      filterShape: [number, number, number, number]; dataFormat: 'NHWC' | 'NCHW';
    };
    if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only.');
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
    const [n, h, w, ci] = x.shape as [number, number, number, number];
    const [kh, kw] = filterShape;
    const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
    const pt = info.padInfo.top;
    const pl = info.padInfo.left;
    const pb = kh + (oh - 1) * sh - h - pt;
    const pr = kw + (ow - 1) * sw - w - pl;

    // Small filters, stride 1, no padding: the direct SIMD loop (see conv-filter-grad-direct.ts).
    const co = filterShape[3];
    const direct = sh === 1 && sw === 1 && pt === 0 && pl === 0 && pb === 0 && pr === 0
      ? directFilterGrad(backend.wasm.asm?.memory, { kh, kw, ci, co }) : null;
    if (direct !== null) {
      const out = allocate(backend, [kh, kw, ci, co]);
      f32View(backend, out).fill(0);
      direct(heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, out), n, h, w, oh, ow);
      return out;
    }

    let xT: TensorInfo;
    if (pb < 0 || pr < 0) {
      const rows = pb < 0 ? h + pb : h;
      const cols = pr < 0 ? w + pr : w;
      xT = allocate(backend, [ci, rows, cols, n]);
      nhwcToCropCHWN(f32View(backend, x), n, h, w, ci, 0, rows, 0, cols, f32View(backend, xT));
    } else {
      xT = stock.transpose(backend, x, [3, 1, 2, 0]);
    }
    const dyT = stock.transpose(backend, dy, [1, 2, 0, 3]);
    const outT = xnnConv2d(backend, xT, dyT, {
      padTop: pt, padBottom: Math.max(pb, 0), padLeft: pl, padRight: Math.max(pr, 0),
      strideHeight: 1, strideWidth: 1, dilationHeight: sh, dilationWidth: sw,
    });
    const dw = stock.transpose(backend, outT, [1, 2, 0, 3]);
    release(backend, xT, dyT, outT);
    return dw;
  }
  return { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2dBackpropFilter };
}
