// FacetReluGrad: dx = dy where y > 0, else 0 — the ReLU gradient from the ReLU's output in one pass
// (tfjs composes it as dy · cast(step(x)): three kernels, two temporaries). Used by fused-layers.ts.
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { simdKernels } from './simd-kernels.js';
import { allocate, asWasmBackend, f32View, heapOffset, type KernelArgs } from './wasm-backend.js';

export const RELU_GRAD = 'FacetReluGrad';

export function reluGradConfig(): KernelConfig {
  function reluGrad({ inputs, backend: b }: KernelArgs): TensorInfo {
    const backend = asWasmBackend(b);
    const dy = inputs['dy'] as TensorInfo;
    const y = inputs['y'] as TensorInfo;
    const out = allocate(backend, dy.shape);
    const size = dy.shape.reduce((p, d) => p * d, 1);
    const simd = simdKernels(backend.wasm.asm?.memory);
    const quads = simd === null ? 0 : size >> 2;
    if (quads > 0) simd!.reluGrad(heapOffset(backend, dy), heapOffset(backend, y), heapOffset(backend, out), quads);
    const g = f32View(backend, dy);
    const v = f32View(backend, y);
    const dx = f32View(backend, out);
    for (let i = quads * 4; i < size; i++) dx[i] = v[i]! > 0 ? g[i]! : 0;
    return out;
  }
  return { kernelName: RELU_GRAD, backendName: 'wasm', kernelFunc: reluGrad };
}
