// The slice of the tfjs wasm backend our kernels touch: tensor ids, heap offsets and a few C exports.
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';

type DataId = TensorInfo['dataId'];

/** A WebAssembly.Memory (declared here: the project's lib settings do not include its type). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

/** Emscripten module of @tensorflow/tfjs-backend-wasm (only what we call). */
export interface WasmModule {
  HEAPF32: Float32Array;
  HEAPU8: Uint8Array;
  /** XNNPACK convolution, NHWC. Pads are explicit unless isSamePad is 1. */
  _Conv2D(
    xId: number, batch: number, inHeight: number, inWidth: number,
    filterId: number, filterHeight: number, filterWidth: number,
    padTop: number, padRight: number, padBottom: number, padLeft: number, isSamePad: number,
    dilationHeight: number, dilationWidth: number, strideHeight: number, strideWidth: number,
    inChannels: number, outChannels: number, outId: number,
  ): void;
  /** rank-3 batch matmul; goes through XNNPACK when no transpose and batch 1, else a naive loop. */
  _BatchMatMul(
    aId: number, aShapePtr: number, aShapeLen: number, bId: number, bShapePtr: number, bShapeLen: number,
    transposeA: number, transposeB: number, outId: number,
  ): void;
  /** Emscripten's raw exports; `memory` is the heap every tensor lives in. */
  asm?: { memory?: WasmMemory };
  _malloc(bytes: number): number;
  _free(ptr: number): void;
}

export interface WasmTensorData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: string;
}

/** Structural view of `BackendWasm` (its class type is not re-exported in a usable way). */
export interface WasmBackend {
  wasm: WasmModule;
  dataIdMap: { get(dataId: DataId): WasmTensorData | undefined };
  makeOutput(shape: number[], dtype: 'float32' | 'int32' | 'bool'): TensorInfo;
  disposeData(dataId: DataId, force?: boolean): boolean;
}

export type KernelArgs = Parameters<KernelConfig['kernelFunc']>[0];

export function asWasmBackend(backend: unknown): WasmBackend {
  const b = backend as Partial<WasmBackend>;
  if (b.wasm === undefined || b.dataIdMap === undefined) {
    throw new Error('Facet wasm kernels were called on a backend that is not the wasm backend.');
  }
  return b as WasmBackend;
}

function data(backend: WasmBackend, t: TensorInfo): WasmTensorData {
  const d = backend.dataIdMap.get(t.dataId);
  if (d === undefined) throw new Error('Tensor data is not on the wasm backend (disposed?).');
  return d;
}

/** Id the C side knows the tensor by. */
export function tensorId(backend: WasmBackend, t: TensorInfo): number {
  return data(backend, t).id;
}

/**
 * Float32 view of a tensor's bytes on the wasm heap. Take views only after every allocation of the
 * kernel: growing the heap detaches earlier views.
 */
export function f32View(backend: WasmBackend, t: TensorInfo): Float32Array {
  const d = data(backend, t);
  let size = 1;
  for (const dim of t.shape) size *= dim;
  return new Float32Array(backend.wasm.HEAPF32.buffer, d.memoryOffset, size);
}

export function allocate(backend: WasmBackend, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

export function release(backend: WasmBackend, ...tensors: TensorInfo[]): void {
  for (const t of tensors) backend.disposeData(t.dataId);
}

/** Byte offset of a tensor on the wasm heap. */
export function heapOffset(backend: WasmBackend, t: TensorInfo): number {
  return data(backend, t).memoryOffset;
}
