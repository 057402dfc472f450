// Conv2DBackpropInput (the input gradient of a convolution) as one XNNPACK forward convolution.
//
// dx[n,h,w,ci] = Σ_{kh,kw,co} dy[n, oh, ow, co] · W[kh,kw,ci,co]   where h = oh·s + kh − pt.
//
// Dilate dy with s−1 zeros between rows/columns (dyUp, HU = (OH−1)·s + 1 rows), then with the
// rotated filter R[a,b,co,ci] = W[KH−1−a, KW−1−b, ci, co]:
//   dx[n,h,w,ci] = Σ_{a,b,co} dyUp[n, h − (KH−1−pt) + a, w − (KW−1−pl) + b, co] · R[a,b,co,ci]
// a stride-1 convolution with pads top = KH−1−pt, bottom = H − HU + pt (same for columns).
// A negative pad means those dyUp rows never reach dx: they are cropped instead.
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import type { Tf } from '../types.js';
import { dilateCrop, rotateFilter } from './layout.js';
import { allocate, asWasmBackend, f32View, release, type KernelArgs } from './wasm-backend.js';
import { xnnConv2d } from './xnn-conv.js';

type PadAttr = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];

export function conv2dBackpropInputConfig(tf: Tf): KernelConfig {
  function conv2dBackpropInput({ inputs, backend: b, attrs }: KernelArgs): TensorInfo {
    const backend = asWasmBackend(b);
    const dy = inputs['dy'] as TensorInfo;
    const filter = inputs['filter'] as TensorInfo;
    const { strides, pad, dimRoundingMode, inputShape, dataFormat } = attrs as unknown as {
      strides: [number, number] | number; pad: PadAttr; dimRoundingMode?: 'floor' | 'round' | 'ceil';
      inputShape: [number, number, number, number]; dataFormat: 'NHWC' | 'NCHW';
    };
    if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropInput on wasm supports NHWC only.');
    const [kh, kw, ci, co] = filter.shape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(
      inputShape, [kh, kw, ci, co], strides, 1, pad, dimRoundingMode);
    const [n, h, w] = inputShape;
    const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
    const hu = (oh - 1) * sh + 1;
    const wu = (ow - 1) * sw + 1;
    const pt = kh - 1 - info.padInfo.top;
    const pl = kw - 1 - info.padInfo.left;
    const pb = h - hu + info.padInfo.top;
    const pr = w - wu + info.padInfo.left;
    // Rows/columns of dyUp that survive cropping.
    const row0 = Math.max(-pt, 0);
    const col0 = Math.max(-pl, 0);
    const rows = hu - row0 - Math.max(-pb, 0);
    const cols = wu - col0 - Math.max(-pr, 0);

    let dyUp = dy;
    const owned: TensorInfo[] = [];
    if (sh !== 1 || sw !== 1 || rows !== hu || cols !== wu) {
      dyUp = allocate(backend, [n, rows, cols, co]);
      owned.push(dyUp);
      const up = f32View(backend, dyUp);
      up.fill(0);
      dilateCrop(f32View(backend, dy), n, oh, ow, co, sh, sw, row0, rows, col0, cols, up);
    }
    const rotated = allocate(backend, [kh, kw, co, ci]);
    owned.push(rotated);
    rotateFilter(f32View(backend, filter), kh, kw, ci, co, f32View(backend, rotated));
    const dx = xnnConv2d(backend, dyUp, rotated, {
      padTop: Math.max(pt, 0), padBottom: Math.max(pb, 0), padLeft: Math.max(pl, 0), padRight: Math.max(pr, 0),
      strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1,
    });
    release(backend, ...owned);
    return dx;
  }
  return { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2dBackpropInput };
}
