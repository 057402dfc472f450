// The weight gradient of a small convolution (the seed CNN's first two layers) as a WebAssembly
// SIMD loop generated for the exact filter shape, reading x and dy where they lie.
//
// dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh+kh, ow+kw, ci] · dy[n, oh, ow, co]    (stride 1, no padding)
//
// For each output pixel (n,oh,ow) the loop keeps dy[n,oh,ow,:] in registers (Co/4 vectors) and, for
// every (kh, kw, ci), adds x·dy to the dW row (Co floats), which stays in L1 (KH·KW·Ci·Co floats).
// The XNNPACK route (conv with dy as the filter) first transposes and packs all of dy (~6 ns per
// value), which costs more than its arithmetic when Ci is small.
import { assemble, forLoop, op } from './wasm-asm.js';
import type { WasmMemory } from './wasm-backend.js';

export interface DirectFilterGradShape { kh: number; kw: number; ci: number; co: number }

/**
 * Shapes where the generated loop wins (measured on the seed CNN): dW must stay in L1 (≤ 18 KB)
 * and dy's channels in vector registers (≤ 8). It is 3–6× faster than XNNPACK for the first layer
 * (Ci 1 or 3), on par for Ci 16 → Co 32, slower for Co 64 (left to XNNPACK).
 */
export function directFilterGradFits({ kh, kw, ci, co }: DirectFilterGradShape): boolean {
  return co % 4 === 0 && co <= 32 && kh * kw * ci * co <= 4608;
}

type Kernel = (x: number, dy: number, dw: number, n: number, h: number, w: number, oh: number, ow: number) => void;

function build({ kh, kw, ci, co }: DirectFilterGradShape): Uint8Array {
  const { get, set, i32, add, mul } = op;
  const [X, DY, DW, N, H, W, OH, OW] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [B, R, Q, XB, DB] = [8, 9, 10, 11, 12]; // i32 locals
  const quads = co / 4;
  const D = 13; // v128 locals: D .. D+quads-1 hold dy[n,oh,ow,:], then S (the splatted x value)
  const S = D + quads;
  const pixel: number[] = [
    // DB = dy + ((b·oh + r)·ow + q)·Co·4;  XB = x + ((b·h + r)·w + q)·Ci·4
    ...get(DY), ...get(B), ...get(OH), ...mul, ...get(R), ...add, ...get(OW), ...mul, ...get(Q), ...add, ...i32(co * 4), ...mul, ...add, ...set(DB),
    ...get(X), ...get(B), ...get(H), ...mul, ...get(R), ...add, ...get(W), ...mul, ...get(Q), ...add, ...i32(ci * 4), ...mul, ...add, ...set(XB),
  ];
  for (let c = 0; c < quads; c++) pixel.push(...get(DB), ...op.load(c * 16), ...set(D + c));
  for (let a = 0; a < kh; a++) {
    for (let j = 0; j < kw * ci; j++) {
      // x[n, oh+a, ow+j/ci, j%ci] sits at XB + (a·w·Ci + j)·4: the row offset a·w·Ci·4 is dynamic.
      pixel.push(...get(XB));
      if (a > 0) pixel.push(...get(W), ...i32(a * ci * 4), ...mul, ...add);
      pixel.push(...op.f32Load(j * 4), ...op.f32x4Splat, ...set(S));
      const row = (a * kw * ci + j) * co * 4; // byte offset of dW[a, j/ci, j%ci, :]
      for (let c = 0; c < quads; c++) {
        pixel.push(
          ...get(DW), ...get(DW), ...op.load(row + c * 16),
          ...get(S), ...get(D + c), ...op.f32x4Mul, ...op.f32x4Add, ...op.store(row + c * 16),
        );
      }
    }
  }
  const body = forLoop(B, N, forLoop(R, OH, forLoop(Q, OW, pixel)));
  return assemble([{ name: 'filterGrad', params: 8, locals: { i32: 5, v128: quads + 1 }, body }]);
}

interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const webAssembly = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;
const kernels = new WeakMap<WasmMemory, Map<string, Kernel | null>>();

/** The loop for this filter shape bound to `memory`, or null (then the XNNPACK route runs). */
export function directFilterGrad(memory: WasmMemory | undefined, shape: DirectFilterGradShape): Kernel | null {
  if (memory === undefined || webAssembly === undefined || !directFilterGradFits(shape)) return null;
  let byShape = kernels.get(memory);
  if (byShape === undefined) kernels.set(memory, (byShape = new Map()));
  const key = `${shape.kh}x${shape.kw}x${shape.ci}x${shape.co}`;
  let kernel = byShape.get(key);
  if (kernel === undefined) {
    try {
      const instance = new webAssembly.Instance(new webAssembly.Module(build(shape)), { env: { memory } });
      kernel = instance.exports['filterGrad'] as Kernel;
    } catch {
      kernel = null;
    }
    byShape.set(key, kernel);
  }
  return kernel;
}
