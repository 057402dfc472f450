// The stock wasm kernels our kernels build on or fall back to, captured before we replace any.
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { Tf } from '../types.js';
import type { WasmBackend } from './wasm-backend.js';

export interface StockKernels {
  transpose(backend: WasmBackend, x: TensorInfo, perm: number[]): TensorInfo;
  batchMatMul: KernelFunc;
  sum: KernelFunc;
  avgPool: KernelFunc;
  identity: KernelFunc;
  cast: KernelFunc;
}

export function captureStockKernels(tf: Tf): StockKernels {
  const get = (name: string): KernelFunc => {
    const config = tf.getKernel(name, 'wasm');
    if (config === undefined) throw new Error(`The wasm backend has no ${name} kernel.`);
    return config.kernelFunc;
  };
  const transpose = get('Transpose');
  return {
    transpose: (backend, x, perm) => transpose({ inputs: { x }, backend, attrs: { perm } }) as TensorInfo,
    batchMatMul: get('BatchMatMul'),
    sum: get('Sum'),
    avgPool: get('AvgPool'),
    identity: get('Identity'),
    cast: get('Cast'),
  };
}
