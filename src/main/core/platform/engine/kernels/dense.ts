// FacetDense: y = act(x·W + b) for a Dense layer in training, as a register-tiled WebAssembly SIMD
// loop reading W where it lies. XNNPACK's fully-connected operator packs W into its own layout when
// it is created, and it is created again for every new weight tensor — every training step, since
// the optimizer writes new weights: for the seed CNN's 2304×128 layer that packing costs three times
// the multiply-adds (measured 1.0 ms against 0.3 ms with the same weights).
//
// Tiles of R rows × C columns (R ∈ {4, 1}, C ∈ {8, 4}) keep R·C/4 accumulators in registers over
// the whole reduction: per step t, C/4 vector loads of W[t, c…], R scalar loads of x[r, t] splatted,
// R·C/4 multiply-adds. The sum runs over t in order, then the bias is added: tfjs-layers' order.
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { assemble, op, type AsmFunction } from './wasm-asm.js';
import { asWasmBackend, heapOffset, type KernelArgs, type WasmMemory } from './wasm-backend.js';

export const DENSE = 'FacetDense';

const { get, set, i32, add, mul, load, store } = op;

/** for (i = from; i < limit; i += step) { body } with `from` and `limit` in locals. */
function loop(i: number, from: number, limit: number, step: number, body: number[]): number[] {
  return [
    ...get(from), ...set(i),
    ...op.block, ...op.loop,
    ...get(i), ...get(limit), ...op.ltU, ...op.eqz, ...op.brIf(1),
    ...body,
    ...get(i), ...i32(step), ...add, ...set(i),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
}

/**
 * tileRxC(a, b, bias, c, rowStart, rowEnd, colStart, colEnd, steps, aRowStride, aStepStride,
 * bStepStride, cRowStride, relu, stepStart, stepEnd, phase): C[r, col] = act(Σ_t A[r·aRowStride +
 * t·aStepStride] · B[t·bStepStride + col] + bias[col]) for every R×C tile in the ranges (strides in
 * floats; the ranges hold whole tiles; bias points at zeros when the layer has none), over the steps
 * [stepStart, stepEnd): phase bit 1 starts the sums from zero (else from C), bit 2 finishes them.
 */
function tile(rows: number, cols: number): AsmFunction {
  const vectors = cols / 4;
  const [A, B, BIAS, C, R0, R1, C0, C1, , SAR, SAT, SBT, SCR, RELU, K0, K1, PHASE] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
  const [R, COL, K, AP, BP] = [17, 18, 19, 20, 21];
  const ACC = 22; // v128: accumulators ACC + r·vectors + v, then the B vectors, the splat, a value
  const BV = ACC + rows * vectors;
  const S = BV + vectors;
  const VAL = S + 1;
  const acc = (r: number, v: number) => ACC + r * vectors + v;
  const zero = op.v128Const(new Array(16).fill(0));

  const step: number[] = [];
  for (let v = 0; v < vectors; v++) step.push(...get(BP), ...load(v * 16), ...set(BV + v));
  for (let r = 0; r < rows; r++) {
    // A[row + r, t] sits at AP + r·aRowStride·4.
    step.push(...get(AP));
    if (r > 0) step.push(...get(SAR), ...i32(4 * r), ...mul, ...add);
    step.push(...op.f32Load(0), ...op.f32x4Splat, ...set(S));
    for (let v = 0; v < vectors; v++) {
      step.push(...get(acc(r, v)), ...get(S), ...get(BV + v), ...op.f32x4Mul, ...op.f32x4Add, ...set(acc(r, v)));
    }
  }
  step.push(
    ...get(AP), ...get(SAT), ...i32(4), ...mul, ...add, ...set(AP),
    ...get(BP), ...get(SBT), ...i32(4), ...mul, ...add, ...set(BP),
  );

  // C[row + r, col + 4v]
  const cAddress = (r: number, v: number) => [
    ...get(C), ...get(R), ...i32(r), ...add, ...get(SCR), ...mul, ...get(COL), ...add, ...i32(4 * v), ...add, ...i32(4), ...mul, ...add,
  ];
  const start: number[] = [];
  const resume: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let v = 0; v < vectors; v++) {
      start.push(...zero, ...set(acc(r, v)));
      resume.push(...cAddress(r, v), ...load(), ...set(acc(r, v)));
    }
  }
  const tileBody: number[] = [
    // The first block of steps starts from zero, later ones from the partial sums left in C.
    ...get(PHASE), ...i32(1), ...op.and32, ...op.if, ...start, ...op.else, ...resume, ...op.end,
    // AP = a + (r·aRowStride + k0·aStepStride)·4; BP = b + (k0·bStepStride + col)·4
    ...get(A), ...get(R), ...get(SAR), ...mul, ...get(K0), ...get(SAT), ...mul, ...add, ...i32(4), ...mul, ...add, ...set(AP),
    ...get(B), ...get(K0), ...get(SBT), ...mul, ...get(COL), ...add, ...i32(4), ...mul, ...add, ...set(BP),
    ...loop(K, K0, K1, 1, step),
  ];
  for (let r = 0; r < rows; r++) {
    for (let v = 0; v < vectors; v++) {
      tileBody.push(
        ...get(acc(r, v)), ...set(VAL),
        // The last block adds the bias and applies the activation.
        ...get(PHASE), ...i32(2), ...op.and32, ...op.if,
        ...get(VAL), ...get(BIAS), ...get(COL), ...i32(4 * v), ...add, ...i32(4), ...mul, ...add, ...load(), ...op.f32x4Add, ...set(VAL),
        ...get(RELU), ...op.if, ...get(VAL), ...zero, ...op.f32x4Max, ...set(VAL), ...op.end,
        ...op.end,
        ...cAddress(r, v), ...get(VAL), ...store(),
      );
    }
  }
  const body = loop(R, R0, R1, rows, loop(COL, C0, C1, cols, tileBody));
  return { name: `tile${rows}x${cols}`, params: 17, locals: { i32: 5, v128: rows * vectors + vectors + 2 }, body };
}

type Tile = (a: number, b: number, bias: number, c: number, rowStart: number, rowEnd: number, colStart: number, colEnd: number,
  steps: number, aRowStride: number, aStepStride: number, bStepStride: number, cRowStride: number, relu: number,
  stepStart: number, stepEnd: number, phase: number) => void;

interface Tiles { tile4x8: Tile; tile4x4: Tile; tile1x8: Tile; tile1x4: Tile }

interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const webAssembly = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;
const compiled = new WeakMap<WasmMemory, Tiles | null>();

function tiles(memory: WasmMemory | undefined): Tiles | null {
  if (memory === undefined || webAssembly === undefined) return null;
  let t = compiled.get(memory);
  if (t === undefined) {
    try {
      const bytes = assemble([tile(4, 8), tile(4, 4), tile(1, 8), tile(1, 4)]);
      t = new webAssembly.Instance(new webAssembly.Module(bytes), { env: { memory } }).exports as unknown as Tiles;
    } catch {
      t = null;
    }
    compiled.set(memory, t);
  }
  return t;
}

/** Whether FacetDense runs here for m output units (whole vectors of four). */
export function denseFits(memory: WasmMemory | undefined, m: number): boolean {
  return m % 4 === 0 && tiles(memory) !== null;
}

/**
 * C[rows, cols] = act(A·B + bias) with A read through strides (so Aᵀ works too) and B, C row-major.
 * Every row range and column range is cut into whole tiles, the big ones first.
 */
export function gemm(
  memory: WasmMemory | undefined, p: { a: number; b: number; bias: number; c: number; rows: number; cols: number; steps: number;
    aRowStride: number; aStepStride: number; bStepStride: number; relu: boolean },
): void {
  const t = tiles(memory);
  if (t === null || p.cols % 4 !== 0) throw new Error(`${DENSE} needs WebAssembly SIMD and a multiple of 4 columns.`);
  const rows4 = p.rows - (p.rows % 4);
  const cols8 = p.cols - (p.cols % 8);
  const relu = p.relu ? 1 : 0;
  // Blocks of steps whose rows of B (≤ 256 KB) stay in L2 while every row tile reads them; the
  // partial sums wait in C, in the same order of additions as one long loop.
  const block = Math.max(64, Math.floor(65536 / p.cols));
  for (let k0 = 0; k0 < p.steps || k0 === 0; k0 += block) {
    const k1 = Math.min(p.steps, k0 + block);
    const phase = (k0 === 0 ? 1 : 0) | (k1 === p.steps ? 2 : 0);
    const run = (f: Tile, r0: number, r1: number, c0: number, c1: number) => {
      if (r1 > r0 && c1 > c0) f(p.a, p.b, p.bias, p.c, r0, r1, c0, c1, p.steps, p.aRowStride, p.aStepStride, p.bStepStride, p.cols, relu, k0, k1, phase);
    };
    run(t.tile4x8, 0, rows4, 0, cols8);
    run(t.tile4x4, 0, rows4, cols8, p.cols);
    run(t.tile1x8, rows4, p.rows, 0, cols8);
    run(t.tile1x4, rows4, p.rows, cols8, p.cols);
  }
}

/**
 * Inputs x [n, k] (or [k, n] with transposeX: the weight gradient xᵀ·dz of a Dense layer), w [k, m],
 * optional bias [m]; attrs { activation: 'relu' | 'linear', transposeX?: boolean }. Output [n, m].
 */
export function denseConfig(): KernelConfig {
  function dense({ inputs, backend: b, attrs }: KernelArgs): TensorInfo {
    const backend = asWasmBackend(b);
    const x = inputs['x'] as TensorInfo;
    const w = inputs['w'] as TensorInfo;
    const bias = inputs['bias'] as TensorInfo | undefined;
    const { activation, transposeX = false } = attrs as unknown as { activation: 'relu' | 'linear'; transposeX?: boolean };
    const [n, k] = (transposeX ? [x.shape[1], x.shape[0]] : x.shape) as [number, number];
    const [k2, m] = w.shape as [number, number];
    if (x.shape.length !== 2 || k2 !== k || (bias !== undefined && bias.shape.join() !== String(m))) {
      throw new Error(`${DENSE}: shapes x [${x.shape}], w [${w.shape}], bias [${bias?.shape ?? ''}] do not fit.`);
    }
    const out = backend.makeOutput([n, m], 'float32');
    const zeros = bias === undefined ? backend.makeOutput([m], 'float32') : undefined;
    if (zeros !== undefined) new Float32Array(backend.wasm.HEAPF32.buffer, heapOffset(backend, zeros), m).fill(0);
    gemm(backend.wasm.asm?.memory, {
      a: heapOffset(backend, x), b: heapOffset(backend, w), bias: heapOffset(backend, bias ?? zeros!), c: heapOffset(backend, out),
      rows: n, cols: m, steps: k, aRowStride: transposeX ? 1 : k, aStepStride: transposeX ? n : 1, bStepStride: m, relu: activation === 'relu',
    });
    if (zeros !== undefined) backend.disposeData(zeros.dataId);
    return out;
  }
  return { kernelName: DENSE, backendName: 'wasm', kernelFunc: dense };
}
