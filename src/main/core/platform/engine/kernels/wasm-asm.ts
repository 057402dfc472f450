// Just enough of a WebAssembly assembler to write small SIMD loops by hand: the binary encoding of
// a module that imports one memory and exports functions of i32 parameters.

/** Unsigned LEB128. */
export function uleb(value: number): number[] {
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

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

/** The four little-endian bytes of a float32. */
function f32Bytes(value: number): number[] {
  return Array.from(new Uint8Array(Float32Array.of(value).buffer));
}

/** Instructions (each returns its bytes). Memory operands are byte addresses. */
export const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  ltU: [0x49],
  and32: [0x71],
  eqz: [0x45],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  if: [0x04, 0x40],
  else: [0x05],
  select: [0x1b], // a b cond → cond ? a : b
  f32Load: (offset = 0) => [0x2a, 2, ...uleb(offset)], // f32.load, align 4
  f32Store: (offset = 0) => [0x38, 2, ...uleb(offset)],
  f32Const: (v: number) => [0x43, ...f32Bytes(v)],
  f32Ne: [0x5c],
  f32Gt: [0x5e],
  f32Add: [0x92],
  // SIMD (prefix 0xfd)
  load: (offset = 0) => [0xfd, ...uleb(0), 4, ...uleb(offset)], // v128.load, align 16
  store: (offset = 0) => [0xfd, ...uleb(11), 4, ...uleb(offset)], // v128.store, align 16
  v128Const: (bytes: number[]) => [0xfd, ...uleb(12), ...bytes],
  f32x4Splat: [0xfd, ...uleb(19)],
  i32x4ExtractLane: (lane: number) => [0xfd, ...uleb(27), lane],
  f32x4ExtractLane: (lane: number) => [0xfd, ...uleb(31), lane],
  f32x4Ne: [0xfd, ...uleb(66)],
  f32x4Gt: [0xfd, ...uleb(68)],
  and: [0xfd, ...uleb(78)],
  andNot: [0xfd, ...uleb(79)], // a & ~b
  or: [0xfd, ...uleb(80)],
  bitselect: [0xfd, ...uleb(82)], // (a & mask) | (b & ~mask)
  anyTrue: [0xfd, ...uleb(83)],
  f32x4Sqrt: [0xfd, ...uleb(227)],
  f32x4Add: [0xfd, ...uleb(228)],
  f32x4Sub: [0xfd, ...uleb(229)],
  f32x4Mul: [0xfd, ...uleb(230)],
  f32x4Div: [0xfd, ...uleb(231)],
  f32x4Max: [0xfd, ...uleb(233)],
};

/** for (i = 0; i < limit; i++) { body } — `i` and `limit` are local indices. */
export function forLoop(i: number, limit: number, body: number[]): number[] {
  return [
    ...op.i32(0), ...op.set(i),
    ...op.block, ...op.loop,
    ...op.get(i), ...op.get(limit), ...op.ltU, ...op.eqz, ...op.brIf(1),
    ...body,
    ...op.get(i), ...op.i32(1), ...op.add, ...op.set(i),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
}

/** for (i = from; i < limit; i += step) { body } with constant bounds. */
export function forRange(i: number, from: number, limit: number, step: number, body: number[]): number[] {
  return [
    ...op.i32(from), ...op.set(i),
    ...op.block, ...op.loop,
    ...op.get(i), ...op.i32(limit), ...op.ltU, ...op.eqz, ...op.brIf(1),
    ...body,
    ...op.get(i), ...op.i32(step), ...op.add, ...op.set(i),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
}

export interface AsmFunction {
  name: string;
  /** Number of parameters: i32 unless `paramTypes` says otherwise. */
  params: number;
  paramTypes?: number[];
  /** Extra locals after the parameters: i32 count, then v128 count, then f32 count. */
  locals: { i32: number; v128: number; f32?: number };
  body: number[];
}

/** A module importing `env.memory` and exporting the functions (no results). */
export function assemble(functions: AsmFunction[]): Uint8Array {
  const types = functions.map((f) => [0x60, ...vec(Array.from({ length: f.params }, (_, i) => [f.paramTypes?.[i] ?? I32])), ...vec([])]);
  const bodies = functions.map((f) => {
    const code = [...vec([[...uleb(f.locals.i32), I32], [...uleb(f.locals.v128), V128], [...uleb(f.locals.f32 ?? 0), F32]]), ...f.body, ...op.end];
    return [...uleb(code.length), ...code];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x00]])),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(bodies)),
  ]);
}
