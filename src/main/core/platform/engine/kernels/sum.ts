// Sum over the leading axes (the bias gradient: dy [N,H,W,C] summed to [C]) as an XNNPACK
// average pooling whose window covers the reduced axes, times the window size:
//   Σ_{i<R} x[i, c] = R · avgPool(x seen as [1, R/W, W, C], window [R/W, W])[c]
// The stock wasm Sum first transposes the reduced axes innermost (a strided full copy): ~15× slower.
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import type { Tf } from '../types.js';
import type { StockKernels } from './stock.js';
import { asWasmBackend, f32View, type KernelArgs } from './wasm-backend.js';

export function sumConfig(tf: Tf, stock: StockKernels): KernelConfig {
  function sum(args: KernelArgs): TensorInfo | TensorInfo[] {
    const backend = asWasmBackend(args.backend);
    const x = args.inputs['x'] as TensorInfo;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.every((a, i) => a === i) && axes.length < x.shape.length;
    const rows = x.shape.slice(0, axes.length).reduce((p, d) => p * d, 1);
    if (x.dtype !== 'float32' || !leading || rows < 2) return stock.sum(args);

    const kept = x.shape.slice(axes.length);
    const cols = kept.reduce((p, d) => p * d, 1);
    const inner = x.shape[axes.length - 1]!;
    const view: TensorInfo = { dataId: x.dataId, dtype: 'float32', shape: [1, rows / inner, inner, cols] };
    const out = stock.avgPool({
      inputs: { x: view }, backend,
      attrs: { filterSize: [rows / inner, inner], strides: 1, pad: 'valid' },
    }) as TensorInfo;
    const values = f32View(backend, out);
    for (let j = 0; j < cols; j++) values[j] = values[j]! * rows;
    out.shape = keepDims ? [...axes.map(() => 1), ...kept] : kept;
    return out;
  }
  return { kernelName: 'Sum', backendName: 'wasm', kernelFunc: sum };
}
