// Hand-assembled WebAssembly SIMD loops that run directly on the tfjs wasm heap (they import the
// backend's WebAssembly.Memory). JavaScript loops over typed arrays cost ~3–10 ns per element on
// this class of machine; these handle four floats per instruction.
import { assemble, forLoop, op, type AsmFunction } from './wasm-asm.js';
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

export interface SimdKernels {
  maxPoolGrad2x2(xPtr: number, gPtr: number, dxPtr: number, windowRows: number, outWidth: number, channelQuads: number, rowBytes: number): void;
  reluGrad(dyPtr: number, yPtr: number, dxPtr: number, quads: number): void;
}

/** The slice of the WebAssembly JS API used here (the project's lib settings do not declare it). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const webAssembly = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;

export const simdModuleBytes = (): Uint8Array => assemble([maxPoolGrad2x2(), reluGrad()]);

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
