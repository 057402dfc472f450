// BatchMatMul with transposed operands through XNNPACK. The stock wasm kernel only uses XNNPACK's
// fully-connected operator for A·B; any transpose (every Dense gradient) falls to a naive loop.
//
// C = op(A)·op(B) is computed either directly, materialising the transposed operands, or as
// C = (op(B)ᵀ·op(A)ᵀ)ᵀ; whichever copies fewer values. XNNPACK also copies (packs) the right-hand
// operand when it builds its operator, so that operand's size counts too.
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import type { StockKernels } from './stock.js';
import { asWasmBackend, release, type KernelArgs, type WasmBackend } from './wasm-backend.js';

export function matMulConfig(stock: StockKernels): KernelConfig {
  function batchMatMul(args: KernelArgs): TensorInfo | TensorInfo[] {
    const backend = asWasmBackend(args.backend);
    const a = args.inputs['a'] as TensorInfo;
    const b = args.inputs['b'] as TensorInfo;
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const batchA = a.shape.slice(0, -2).reduce((p, d) => p * d, 1);
    const batchB = b.shape.slice(0, -2).reduce((p, d) => p * d, 1);
    if (batchA !== 1 || batchB !== 1 || a.dtype !== 'float32' || b.dtype !== 'float32' || (!transposeA && !transposeB)) {
      return stock.batchMatMul(args);
    }
    const a2 = as2d(a);
    const b2 = as2d(b);
    const m = transposeA ? a2.shape[1]! : a2.shape[0]!;
    const n = transposeB ? b2.shape[0]! : b2.shape[1]!;
    const sizeA = a2.shape[0]! * a2.shape[1]!;
    const sizeB = b2.shape[0]! * b2.shape[1]!;
    const direct = (transposeA ? sizeA : 0) + (transposeB ? sizeB : 0) + sizeB;
    const swapped = (transposeB ? 0 : sizeB) + (transposeA ? 0 : sizeA) + sizeA + m * n;

    const temps: TensorInfo[] = [];
    const t = (x: TensorInfo) => { const y = stock.transpose(backend, x, [1, 0]); temps.push(y); return y; };
    let out: TensorInfo;
    if (direct <= swapped) {
      out = plainMatMul(backend, stock, transposeA ? t(a2) : a2, transposeB ? t(b2) : b2);
    } else {
      // op(B)ᵀ is B itself when B was to be transposed; same for A.
      const cT = plainMatMul(backend, stock, transposeB ? b2 : t(b2), transposeA ? a2 : t(a2));
      temps.push(cT);
      out = stock.transpose(backend, cT, [1, 0]);
    }
    release(backend, ...temps);
    out.shape = [...a.shape.slice(0, -2), m, n];
    return out;
  }
  return { kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: batchMatMul };
}

/** Same data seen as a matrix (not an owned tensor: never released). */
function as2d(x: TensorInfo): TensorInfo {
  return { dataId: x.dataId, dtype: x.dtype, shape: x.shape.slice(-2) };
}

function plainMatMul(backend: WasmBackend, stock: StockKernels, a: TensorInfo, b: TensorInfo): TensorInfo {
  const out = stock.batchMatMul({ inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } }) as TensorInfo;
  out.shape = [a.shape[0]!, b.shape[1]!];
  return out;
}
