// Hand-assembled WebAssembly SIMD loops that run directly on the tfjs wasm heap (they import the
// backend's WebAssembly.Memory). JavaScript loops over typed arrays cost ~3–10 ns per element on
// this class of machine; these handle four floats per instruction.
import { assemble, F32, forLoop, I32, op, type AsmFunction } from './wasm-asm.js';
import type { WasmMemory } from './wasm-backend.js';

const { get, set, i32, add, mul, load, store } = op;
const NEG_INF4 = Array.from({ length: 4 }, () => [0x00, 0x00, 0x80, 0xff]).flat();

/**
 * maxPoolGrad2x2(x, g, dx, windowRows, outWidth, channelQuads, rowBytes): 2×2 windows, stride 2.
 * Per window (a b / d e), four channels at once, the winner is the first strictly greater value in
 * row-major order starting from −∞ (the cpu backend's rule, ties included):
 *   ma = a > −∞, best = ma ? a : −∞;  mb = b > best, best = mb ? b : best;  md = …;  me = e > best
 *   dx_e = g & me;  dx_d = g & md & ¬me;  dx_b = g & mb & ¬(md|me);  dx_a = g & ma & ¬(mb|md|me)
 */
function maxPoolGrad2x2(): AsmFunction {
  const [X, G, DX, ROWS, OW, C4, ROWBYTES] = [0, 1, 2, 3, 4, 5, 6];
  const [R, Q, K, BASE, P] = [7, 8, 9, 10, 11];
  const [VA, VB, VD, VE, MA, MB, MD, ME, BEST, GV] = [12, 13, 14, 15, 16, 17, 18, 19, 20, 21];
  const cBytes = [...get(C4), ...i32(16), ...mul];
  const at = (ptr: number, ...extra: number[][]) => [...get(P), ...get(ptr), ...add, ...extra.flat()];
  const window = [
    ...get(BASE), ...get(K), ...i32(16), ...mul, ...add, ...set(P),
    ...at(X), ...load(), ...set(VA),
    ...at(X, cBytes, add), ...load(), ...set(VB),
    ...at(X, get(ROWBYTES), add), ...load(), ...set(VD),
    ...at(X, get(ROWBYTES), add, cBytes, add), ...load(), ...set(VE),
    ...get(VA), ...op.v128Const(NEG_INF4), ...op.f32x4Gt, ...set(MA),
    ...get(VA), ...op.v128Const(NEG_INF4), ...get(MA), ...op.bitselect, ...set(BEST),
    ...get(VB), ...get(BEST), ...op.f32x4Gt, ...set(MB),
    ...get(VB), ...get(BEST), ...get(MB), ...op.bitselect, ...set(BEST),
    ...get(VD), ...get(BEST), ...op.f32x4Gt, ...set(MD),
    ...get(VD), ...get(BEST), ...get(MD), ...op.bitselect, ...set(BEST),
    ...get(VE), ...get(BEST), ...op.f32x4Gt, ...set(ME),
    ...get(MD), ...get(ME), ...op.andNot, ...set(MD),
    ...get(MB), ...get(MD), ...get(ME), ...op.or, ...op.andNot, ...set(MB),
    ...get(MA), ...get(MB), ...get(MD), ...op.or, ...get(ME), ...op.or, ...op.andNot, ...set(MA),
    // dy value of this window: bytes ((r·ow + q)·c4 + k)·16
    ...get(G), ...get(R), ...get(OW), ...mul, ...get(Q), ...add, ...get(C4), ...mul, ...get(K), ...add, ...i32(16), ...mul, ...add,
    ...load(), ...set(GV),
    ...at(DX), ...get(GV), ...get(MA), ...op.and, ...store(),
    ...at(DX, cBytes, add), ...get(GV), ...get(MB), ...op.and, ...store(),
    ...at(DX, get(ROWBYTES), add), ...get(GV), ...get(MD), ...op.and, ...store(),
    ...at(DX, get(ROWBYTES), add, cBytes, add), ...get(GV), ...get(ME), ...op.and, ...store(),
  ];
  const body = forLoop(R, ROWS, forLoop(Q, OW, [
    // base = r·2·rowBytes + q·2·cBytes
    ...get(R), ...get(ROWBYTES), ...mul, ...i32(2), ...mul,
    ...get(Q), ...cBytes, ...mul, ...i32(2), ...mul, ...add, ...set(BASE),
    ...forLoop(K, C4, window),
  ]));
  return { name: 'maxPoolGrad2x2', params: 7, locals: { i32: 5, v128: 10 }, body };
}

/** reluGrad(dy, y, dx, quads): dx = y > 0 ? dy : 0, four floats at a time (dy·step(y) without the step tensor). */
function reluGrad(): AsmFunction {
  const [DY, Y, DX, QUADS] = [0, 1, 2, 3];
  const [K, OFF] = [4, 5];
  const body = forLoop(K, QUADS, [
    ...get(K), ...i32(16), ...mul, ...set(OFF),
    ...get(DX), ...get(OFF), ...add,
    ...get(DY), ...get(OFF), ...add, ...load(),
    ...get(Y), ...get(OFF), ...add, ...load(), ...op.v128Const(new Array(16).fill(0)), ...op.f32x4Gt,
    ...op.and, ...store(),
  ]);
  return { name: 'reluGrad', params: 4, locals: { i32: 2, v128: 0 }, body };
}

/** addInto(dst, src, quads): dst += src, four floats at a time (gradient slots summed in order). */
function addInto(): AsmFunction {
  const [DST, SRC, QUADS] = [0, 1, 2];
  const [K, OFF] = [3, 4];
  const body = forLoop(K, QUADS, [
    ...get(K), ...i32(16), ...mul, ...set(OFF),
    ...get(DST), ...get(OFF), ...add,
    ...get(DST), ...get(OFF), ...add, ...load(),
    ...get(SRC), ...get(OFF), ...add, ...load(),
    ...op.f32x4Add, ...store(),
  ]);
  return { name: 'addInto', params: 3, locals: { i32: 2, v128: 0 }, body };
}

/**
 * adam(w, g, m, v, out, quads, consts): one Adam step, four weights at a time, in flat-adam.ts'
 * operation order (so the result is the same to the bit). consts points at 8 floats:
 * β1, β2, 1−β1, 1−β2, 1−β1^t, 1−β2^t, ε, −lr.
 *   m' = m·β1 + g·(1−β1);  v' = v·β2 + (g·g)·(1−β2)
 *   out = (m'/(1−β1^t)) / (√(v'/(1−β2^t)) + ε) · (−lr) + w
 */
function adam(): AsmFunction {
  const [W, G, M, V, OUT, QUADS, CONSTS] = [0, 1, 2, 3, 4, 5, 6];
  const [K, OFF] = [7, 8];
  const [B1, B2, C1, C2, A1, A2, EPS, NLR, GV, MV, VV] = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
  const splat = (local: number, index: number) => [...get(CONSTS), ...op.f32Load(index * 4), ...op.f32x4Splat, ...set(local)];
  const at = (ptr: number) => [...get(ptr), ...get(OFF), ...add];
  const body = [
    ...splat(B1, 0), ...splat(B2, 1), ...splat(C1, 2), ...splat(C2, 3),
    ...splat(A1, 4), ...splat(A2, 5), ...splat(EPS, 6), ...splat(NLR, 7),
    ...forLoop(K, QUADS, [
      ...get(K), ...i32(16), ...mul, ...set(OFF),
      ...at(G), ...load(), ...set(GV),
      ...at(M), ...load(), ...get(B1), ...op.f32x4Mul, ...get(GV), ...get(C1), ...op.f32x4Mul, ...op.f32x4Add, ...set(MV),
      ...at(V), ...load(), ...get(B2), ...op.f32x4Mul, ...get(GV), ...get(GV), ...op.f32x4Mul, ...get(C2), ...op.f32x4Mul, ...op.f32x4Add, ...set(VV),
      ...at(M), ...get(MV), ...store(),
      ...at(V), ...get(VV), ...store(),
      ...at(OUT),
      ...get(MV), ...get(A1), ...op.f32x4Div,
      ...get(VV), ...get(A2), ...op.f32x4Div, ...op.f32x4Sqrt, ...get(EPS), ...op.f32x4Add,
      ...op.f32x4Div, ...get(NLR), ...op.f32x4Mul,
      ...at(W), ...load(), ...op.f32x4Add,
      ...store(),
    ]),
  ];
  return { name: 'adam', params: 7, locals: { i32: 2, v128: 11 }, body };
}

/** scaleShift(ptr, quads, scale, offset): x = x·scale + offset in place, each step rounded to float32 (Rescaling). */
function scaleShift(): AsmFunction {
  const [PTR, QUADS, SCALE, OFFSET] = [0, 1, 2, 3];
  const [K, AT] = [4, 5];
  const [S, O] = [6, 7];
  const body = [
    ...get(SCALE), ...op.f32x4Splat, ...set(S),
    ...get(OFFSET), ...op.f32x4Splat, ...set(O),
    ...forLoop(K, QUADS, [
      ...get(PTR), ...get(K), ...i32(16), ...mul, ...add, ...set(AT),
      ...get(AT), ...get(AT), ...load(), ...get(S), ...op.f32x4Mul, ...get(O), ...op.f32x4Add, ...store(),
    ]),
  ];
  return { name: 'scaleShift', params: 4, paramTypes: [I32, I32, F32, F32], locals: { i32: 2, v128: 2 }, body };
}

export interface SimdKernels {
  maxPoolGrad2x2(xPtr: number, gPtr: number, dxPtr: number, windowRows: number, outWidth: number, channelQuads: number, rowBytes: number): void;
  reluGrad(dyPtr: number, yPtr: number, dxPtr: number, quads: number): void;
  addInto(dstPtr: number, srcPtr: number, quads: number): void;
  adam(wPtr: number, gPtr: number, mPtr: number, vPtr: number, outPtr: number, quads: number, constsPtr: number): void;
  scaleShift(ptr: number, quads: number, scale: number, offset: number): void;
}

/** The slice of the WebAssembly JS API used here (the project's lib settings do not declare it). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const webAssembly = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;

export const simdModuleBytes = (): Uint8Array => assemble([maxPoolGrad2x2(), reluGrad(), addInto(), adam(), scaleShift()]);

const compiled = new WeakMap<WasmMemory, SimdKernels | null>();

/** The kernels bound to `memory`, or null where WebAssembly SIMD is unavailable (then JS loops run). */
export function simdKernels(memory: WasmMemory | undefined): SimdKernels | null {
  if (memory === undefined || webAssembly === undefined) return null;
  let kernels = compiled.get(memory);
  if (kernels === undefined) {
    try {
      const instance = new webAssembly.Instance(new webAssembly.Module(simdModuleBytes()), { env: { memory } });
      kernels = instance.exports as unknown as SimdKernels;
    } catch {
      kernels = null;
    }
    compiled.set(memory, kernels);
  }
  return kernels;
}
