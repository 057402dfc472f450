// Sum over the leading axes (the bias gradient: dy [N,H,W,C] summed to [C]) as one pass in JS.
// The stock wasm Sum first transposes the reduced axes innermost, which costs a full extra copy.
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import type { Tf } from '../types.js';
import type { StockKernels } from './stock.js';
import { allocate, asWasmBackend, f32View, type KernelArgs } from './wasm-backend.js';

export function sumConfig(tf: Tf, stock: StockKernels): KernelConfig {
  function sum(args: KernelArgs): TensorInfo | TensorInfo[] {
    const backend = asWasmBackend(args.backend);
    const x = args.inputs['x'] as TensorInfo;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const leading = axes.every((a, i) => a === i);
    if (x.dtype !== 'float32' || !leading || axes.length === 0 || axes.length === x.shape.length) {
      return stock.sum(args);
    }
    // out[j] = Σ_i x[i, j] with i over the reduced leading axes, j over the kept ones.
    const kept = x.shape.slice(axes.length);
    const cols = kept.reduce((p, d) => p * d, 1);
    const rows = x.shape.slice(0, axes.length).reduce((p, d) => p * d, 1);
    const outShape = keepDims ? [...axes.map(() => 1), ...kept] : kept;
    const out = allocate(backend, outShape);
    const src = f32View(backend, x);
    const dst = f32View(backend, out);
    const acc = new Float64Array(cols);
    let k = 0;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) acc[j] = acc[j]! + src[k++]!;
    }
    for (let j = 0; j < cols; j++) dst[j] = acc[j]!;
    return out;
  }
  return { kernelName: 'Sum', backendName: 'wasm', kernelFunc: sum };
}
