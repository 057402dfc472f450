// MaxPoolGrad for 2×2 windows, stride 2, as a small hand-assembled WebAssembly SIMD function that
// runs directly on the tfjs wasm heap (it imports the backend's WebAssembly.Memory). JavaScript
// loops over typed arrays cost ~10 ns per window here; this does four channels per instruction.
//
// Per window (a b / d e) and 4 channels at once, the winner is the first strictly greater value in
// row-major order, starting from −∞ (the cpu backend's rule, ties included):
//   ma = a > −∞, best = ma ? a : −∞;  mb = b > best, best = mb ? b : best;  md = d > best, ...;  me = e > best
//   dx_e = g & me;  dx_d = g & md & ¬me;  dx_b = g & mb & ¬(md | me);  dx_a = g & ma & ¬(mb | md | me)

import type { WasmMemory } from './wasm-backend.js';

/** Unsigned LEB128. */
function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 (for i32.const). */
function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

// Opcodes used below.
const I32 = 0x7f;
const V128 = 0x7b;
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32 = (v: number) => [0x41, ...sleb(v)];
const add = [0x6a];
const mul = [0x6c];
const ltU = [0x49];
const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
const load = (offset = 0) => simd(0, 4, ...uleb(offset)); // v128.load align=16
const store = (offset = 0) => simd(11, 4, ...uleb(offset)); // v128.store align=16
const f32x4Gt = simd(68);
const v128And = simd(78);
const v128AndNot = simd(79); // a & ~b
const v128Or = simd(80);
const bitselect = simd(82); // (v1 & m) | (v2 & ~m)
const block = [0x02, 0x40];
const loop = [0x03, 0x40];
const end = [0x0b];
const brIf = (depth: number) => [0x0d, ...uleb(depth)];
const br = (depth: number) => [0x0c, ...uleb(depth)];
const v128Const = (bytes: number[]) => simd(12, ...bytes);
const NEG_INF = [0x00, 0x00, 0x80, 0xff];

/** for (i = 0; i < limit; i++) body — `i` and `limit` are local indices. */
function forLoop(i: number, limit: number, body: number[]): number[] {
  return [
    ...i32(0), ...set(i),
    ...block, ...loop,
    ...get(i), ...get(limit), ...ltU, 0x45 /* i32.eqz */, ...brIf(1),
    ...body,
    ...get(i), ...i32(1), ...add, ...set(i),
    ...br(0),
    ...end, ...end,
  ];
}

function buildModule(): Uint8Array {
  // params: x, g, dx (byte pointers), rows (= n·h/2 window rows), ow, c4 (= channels/4), rowBytes (w·c·4)
  const [X, G, DX, ROWS, OW, C4, ROWBYTES] = [0, 1, 2, 3, 4, 5, 6];
  // locals: r, q, k (i32); base (i32: byte offset of a), p (i32: a + 16k), then v128: va vb vd ve ma mb md me best gv
  const [R, Q, K, BASE, P] = [7, 8, 9, 10, 11];
  const [VA, VB, VD, VE, MA, MB, MD, ME, BEST, GV] = [12, 13, 14, 15, 16, 17, 18, 19, 20, 21];
  const cBytes = [...get(C4), ...i32(16), ...mul]; // channels·4 bytes

  const window = [
    // p = base + 16k
    ...get(BASE), ...get(K), ...i32(16), ...mul, ...add, ...set(P),
    ...get(P), ...get(X), ...add, ...load(), ...set(VA),
    ...get(P), ...get(X), ...add, ...cBytes, ...add, ...load(), ...set(VB),
    ...get(P), ...get(X), ...add, ...get(ROWBYTES), ...add, ...load(), ...set(VD),
    ...get(P), ...get(X), ...add, ...get(ROWBYTES), ...add, ...cBytes, ...add, ...load(), ...set(VE),
    // running first-strict-max
    ...get(VA), ...v128Const([...NEG_INF, ...NEG_INF, ...NEG_INF, ...NEG_INF]), ...f32x4Gt, ...set(MA),
    ...get(VA), ...v128Const([...NEG_INF, ...NEG_INF, ...NEG_INF, ...NEG_INF]), ...get(MA), ...bitselect, ...set(BEST),
    ...get(VB), ...get(BEST), ...f32x4Gt, ...set(MB),
    ...get(VB), ...get(BEST), ...get(MB), ...bitselect, ...set(BEST),
    ...get(VD), ...get(BEST), ...f32x4Gt, ...set(MD),
    ...get(VD), ...get(BEST), ...get(MD), ...bitselect, ...set(BEST),
    ...get(VE), ...get(BEST), ...f32x4Gt, ...set(ME),
    // winners: e = me; d = md & ~me; b = mb & ~(md|me); a = ma & ~(mb|md|me)
    ...get(MD), ...get(ME), ...v128AndNot, ...set(MD),
    ...get(MB), ...get(MD), ...get(ME), ...v128Or, ...v128AndNot, ...set(MB),
    ...get(MA), ...get(MB), ...get(MD), ...v128Or, ...get(ME), ...v128Or, ...v128AndNot, ...set(MA),
    // g value: output index (r·ow + q)·c + 4k  →  bytes ((r·ow + q)·c4 + k)·16
    ...get(G), ...get(R), ...get(OW), ...mul, ...get(Q), ...add, ...get(C4), ...mul, ...get(K), ...add, ...i32(16), ...mul, ...add,
    ...load(), ...set(GV),
    ...get(P), ...get(DX), ...add, ...get(GV), ...get(MA), ...v128And, ...store(),
    ...get(P), ...get(DX), ...add, ...cBytes, ...add, ...get(GV), ...get(MB), ...v128And, ...store(),
    ...get(P), ...get(DX), ...add, ...get(ROWBYTES), ...add, ...get(GV), ...get(MD), ...v128And, ...store(),
    ...get(P), ...get(DX), ...add, ...get(ROWBYTES), ...add, ...cBytes, ...add, ...get(GV), ...get(ME), ...v128And, ...store(),
  ];
  const body = forLoop(R, ROWS, [
    ...forLoop(Q, OW, [
      // base = r·2·rowBytes + q·2·cBytes
      ...get(R), ...get(ROWBYTES), ...mul, ...i32(2), ...mul,
      ...get(Q), ...cBytes, ...mul, ...i32(2), ...mul, ...add, ...set(BASE),
      ...forLoop(K, C4, window),
    ]),
  ]);
  const code = [...vec([[...uleb(5), I32], [...uleb(10), V128]]), ...body, ...end];

  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(Array.from({ length: 7 }, () => [I32])), ...vec([])]])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x00]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('maxPoolGrad2x2'), 0x00, 0]])),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ]);
}

export type MaxPoolGrad2x2 = (
  xPtr: number, gPtr: number, dxPtr: number, windowRows: number, outWidth: number, channelQuads: number, rowBytes: number,
) => void;

/** The slice of the WebAssembly JS API used here (the project's lib settings do not declare it). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

const compiled = new WeakMap<WasmMemory, MaxPoolGrad2x2 | null>();

/** The SIMD kernel bound to `memory`, or null where WebAssembly SIMD is unavailable. */
export function simdMaxPoolGrad2x2(memory: WasmMemory | undefined): MaxPoolGrad2x2 | null {
  if (memory === undefined) return null;
  let fn = compiled.get(memory);
  if (fn === undefined) {
    try {
      const bytes = buildModule();
      const instance = new webAssembly.Instance(new webAssembly.Module(bytes), { env: { memory } });
      fn = instance.exports['maxPoolGrad2x2'] as MaxPoolGrad2x2;
    } catch {
      fn = null;
    }
    compiled.set(memory, fn);
  }
  return fn;
}

export const maxPoolGradModuleBytes = buildModule;
