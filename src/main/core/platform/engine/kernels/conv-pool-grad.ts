// FacetConvPoolGrad: the whole backward pass of a Conv2D(+ReLU) → MaxPool(2×2, stride 2) block
// (the seed CNN's building block) from the gradient of the pooled output, in one wasm SIMD pass.
//
// Only the winner of each pooling window gets a gradient, and only where the ReLU was active, so
// the dense gradient at the convolution's output (MaxPoolGrad then ReluGrad) is at least 3/4 zeros.
// Instead of materialising it and running two dense convolutions over it (dW and dx), every
// non-zero g = dy[n, i, j, c] whose window winner is (r, q) scatters its share directly:
//   dW[a, b, ci, c]      += g · x[n, r+a, q+b, ci]
//   dx[n, r+a, q+b, ci]  += g · W[a, b, ci, c]         (only when the block's input needs a gradient)
//   db[c]                += g
// a quarter of the dense route's multiply-adds, and no intermediate tensors. The winner is the
// first strictly greater value of the window in row-major order, as in MaxPoolGrad.
//
// Stride 1 only (the fused layer checks before it uses this); 'same' padding runs the valid loop on a
// zero-padded copy of x and crops dx afterwards. For each channel
// c, the row of dW it updates is kept transposed, dWt[c, a, b·Ci + ci], so that one x row
// (kw·Ci contiguous floats) meets one contiguous dWt row: kw·Ci/4 vector multiply-adds per filter
// row. When kw·Ci is not a multiple of 4 the last vector overlaps the previous one and goes to its
// own four slots (read back when dW is assembled).
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { assemble, forRange, op } from './wasm-asm.js';
import { allocate, asWasmBackend, f32View, heapOffset, release, type KernelArgs, type WasmMemory } from './wasm-backend.js';

export const CONV_POOL_GRAD = 'FacetConvPoolGrad';

export interface ConvPoolGradShape {
  /** Input height, width and channels. */
  h: number; w: number; ci: number;
  /** Filter size and output channels. */
  kh: number; kw: number; co: number;
  /** The block's activation: the gradient flows only where it was active. */
  relu: boolean;
  /** Whether dx is computed too. */
  inputGrad: boolean;
}

export interface ConvPoolGradAttrs {
  activation: 'relu' | 'linear';
  inputGrad: boolean;
  /** The convolution's padding (stride 1); 'same' runs on a zero-padded copy of x. Default 'valid'. */
  pad?: 'valid' | 'same';
}

/** Where the block can run through this kernel (the fused layer falls back to separate ops otherwise). */
export function convPoolGradFits(s: Pick<ConvPoolGradShape, 'h' | 'w' | 'ci' | 'kh' | 'kw' | 'inputGrad'>): boolean {
  const oh = s.h - s.kh + 1;
  const ow = s.w - s.kw + 1;
  // dx rows are written four floats at a time: they must not spill into the next pixel.
  return oh >= 2 && ow >= 2 && (!s.inputGrad || (s.kw * s.ci) % 4 === 0);
}

/** Layout of one channel's transposed filter rows (dWt and Wt). */
function rowLayout(kw: number, ci: number) {
  const rowLength = kw * ci;
  const vectors = Math.ceil(rowLength / 4);
  const slots = 4 * vectors;
  // Float offset within a row of each vector: 0, 4, …, and the last one ends the row exactly.
  const offsets = Array.from({ length: vectors }, (_, v) => (v === vectors - 1 ? rowLength - 4 : 4 * v));
  return { rowLength, vectors, slots, offsets };
}

/** Channels handled per pass over the windows, so that their dWt (and Wt) rows stay in L1. */
function channelBlock(s: ConvPoolGradShape): number {
  const bytesPerChannel = s.kh * rowLayout(s.kw, s.ci).slots * 4 * (s.inputGrad ? 2 : 1);
  // Whole quads of channels when there are (the routing handles four at a time).
  const unit = s.co % 4 === 0 ? 4 : 1;
  let best = unit;
  for (let d = unit; d <= s.co; d += unit) if (s.co % d === 0 && d * bytesPerChannel <= 32 * 1024) best = d;
  return best;
}

type Kernel = (x: number, y: number, g: number, dwt: number, db: number, wt: number, dx: number, n: number) => void;

function build(s: ConvPoolGradShape): Uint8Array {
  const { get, set, i32, add, mul } = op;
  const { h, w, ci, kh, co } = s;
  const oh = h - kh + 1;
  const ow = w - s.kw + 1;
  const ph = oh >> 1;
  const pw = ow >> 1;
  const { slots, offsets } = rowLayout(s.kw, ci);
  const perChannel = kh * slots * 4; // bytes of one channel's dWt (and Wt)
  const block = channelBlock(s);
  const [X, Y, G, DWT, DB, WT, DX, N] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [CB, B, I, J, C, XB, YB, GB, Q, M, XP, DWB, AUX] = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
  const GS = 21; // v128: the splatted gradient, then six more for the four-channel routing
  const [GV, BEST, V] = [28, 29, 30]; // f32
  const xRow = w * ci * 4; // bytes between x rows
  const yPixel = co * 4;
  const xPixel = ci * 4;

  // The window's winner: first strictly greater value from −∞, row-major (a, b / d, e).
  const argmax: number[] = [...op.f32Const(-Infinity), ...set(BEST), ...i32(0), ...set(Q)];
  const candidates: [number, number][] = [[0, 0], [yPixel, xPixel], [ow * yPixel, xRow], [(ow + 1) * yPixel, xRow + xPixel]];
  for (const [yOff, xOff] of candidates) {
    argmax.push(
      ...get(YB), ...get(C), ...i32(4), ...mul, ...add, ...op.f32Load(yOff), ...set(V),
      ...get(V), ...get(BEST), ...op.f32Gt, ...set(M),
      ...get(V), ...get(BEST), ...get(M), ...op.select, ...set(BEST),
      ...i32(xOff), ...get(Q), ...get(M), ...op.select, ...set(Q),
    );
  }
  // dst[off] += GS · src[off'] for every vector of every filter row.
  const updates = (dst: number, src: number, srcOffset: (a: number, v: number) => number, dstOffset: (a: number, v: number) => number) => {
    const out: number[] = [];
    for (let a = 0; a < kh; a++) {
      offsets.forEach((_, v) => {
        const so = srcOffset(a, v);
        const srcAddr = so >= 0 ? [...get(src), ...op.load(so)] : [...get(src), ...i32(so), ...add, ...op.load(0)];
        out.push(
          ...get(dst),
          ...get(dst), ...op.load(dstOffset(a, v)),
          ...get(GS), ...srcAddr, ...op.f32x4Mul, ...op.f32x4Add,
          ...op.store(dstOffset(a, v)),
        );
      });
    }
    return out;
  };
  // Scatter of one active channel (CB + C + lane) whose gradient is in GV and winner offset in Q.
  const scatter = (lane: number): number[] => {
    const channelBytes = (base: number) => [...get(base), ...get(CB), ...get(C), ...add, ...i32(lane), ...add, ...i32(perChannel), ...mul, ...add];
    const out = [
      ...get(GV), ...op.f32x4Splat, ...set(GS),
      ...get(XB), ...get(Q), ...add, ...set(XP),
      ...channelBytes(DWT), ...set(DWB),
      // dWt[c, a, slot] += g · x[winner + (a, ·)]
      ...updates(DWB, XP, (a, v) => (a * w * ci + offsets[v]!) * 4, (a, v) => (a * slots + 4 * v) * 4),
    ];
    if (s.inputGrad) {
      out.push(
        // dx has x's layout: the same byte offset from its start.
        ...get(DX), ...get(XP), ...add, ...get(X), ...op.sub, ...set(XP),
        ...channelBytes(WT), ...set(DWB),
        // dx[winner + (a, ·)] += g · Wt[c, a, ·]
        ...updates(XP, DWB, (a, v) => (a * slots + 4 * v) * 4, (a, v) => (a * w * ci + 4 * v) * 4),
      );
    }
    return out;
  };
  const gate = s.relu ? 0 : -Infinity;
  // One channel at a time (any channel count).
  const channel: number[] = [
    ...get(GB), ...get(C), ...i32(4), ...mul, ...add, ...op.f32Load(0), ...set(GV),
    ...get(GV), ...op.f32Const(0), ...op.f32Ne, ...op.if,
    ...argmax,
    ...get(BEST), ...op.f32Const(gate), ...op.f32Gt, ...op.if,
    // db[c] += g
    ...get(DB), ...get(CB), ...get(C), ...add, ...i32(4), ...mul, ...add, ...set(AUX),
    ...get(AUX), ...get(AUX), ...op.f32Load(0), ...get(GV), ...op.f32Add, ...op.f32Store(0),
    ...scatter(0),
    ...op.end,
    ...op.end,
  ];
  // Four channels at a time: the winners and the gate as vectors (the rule of `argmax` lane by
  // lane), then a scatter per active lane.
  const [G4, Y4, BEST4, M4, Q4, ACT] = [GS + 1, GS + 2, GS + 3, GS + 4, GS + 5, GS + 6];
  const splat4 = (bytes: number[]) => op.v128Const([...bytes, ...bytes, ...bytes, ...bytes]);
  const f32Bytes = (v: number) => Array.from(new Uint8Array(Float32Array.of(v).buffer));
  const i32Bytes = (v: number) => Array.from(new Uint8Array(Int32Array.of(v).buffer));
  const quad: number[] = [
    ...get(GB), ...get(C), ...i32(4), ...mul, ...add, ...op.load(0), ...set(G4),
    ...splat4(f32Bytes(-Infinity)), ...set(BEST4), ...splat4(i32Bytes(0)), ...set(Q4),
  ];
  for (const [yOff, xOff] of candidates) {
    quad.push(
      ...get(YB), ...get(C), ...i32(4), ...mul, ...add, ...op.load(yOff), ...set(Y4),
      ...get(Y4), ...get(BEST4), ...op.f32x4Gt, ...set(M4),
      ...get(Y4), ...get(BEST4), ...get(M4), ...op.bitselect, ...set(BEST4),
      ...splat4(i32Bytes(xOff)), ...get(Q4), ...get(M4), ...op.bitselect, ...set(Q4),
    );
  }
  const lanes: number[] = [];
  for (let lane = 0; lane < 4; lane++) {
    lanes.push(
      ...get(ACT), ...op.i32x4ExtractLane(lane), ...op.if,
      ...get(G4), ...op.f32x4ExtractLane(lane), ...set(GV),
      ...get(Q4), ...op.i32x4ExtractLane(lane), ...set(Q),
      ...scatter(lane),
      ...op.end,
    );
  }
  quad.push(
    ...get(G4), ...splat4(f32Bytes(0)), ...op.f32x4Ne,
    ...get(BEST4), ...splat4(f32Bytes(gate)), ...op.f32x4Gt, ...op.and, ...set(ACT),
    ...get(ACT), ...op.anyTrue, ...op.if,
    // db[c…c+3] += g where active (+0 elsewhere)
    ...get(DB), ...get(CB), ...get(C), ...add, ...i32(4), ...mul, ...add, ...set(AUX),
    ...get(AUX), ...get(AUX), ...op.load(0), ...get(G4), ...get(ACT), ...op.and, ...op.f32x4Add, ...op.store(0),
    ...lanes,
    ...op.end,
  );
  const byQuads = block % 4 === 0;
  const window: number[] = [
    // YB = y + (((b·oh + 2i)·ow + 2j)·co + cb)·4; XB = x + ((b·h + 2i)·w + 2j)·ci·4; GB = g + (((b·ph + i)·pw + j)·co + cb)·4
    ...get(Y), ...get(B), ...i32(oh), ...mul, ...get(I), ...i32(2), ...mul, ...add, ...i32(ow), ...mul,
    ...get(J), ...i32(2), ...mul, ...add, ...i32(co), ...mul, ...get(CB), ...add, ...i32(4), ...mul, ...add, ...set(YB),
    ...get(X), ...get(B), ...i32(h), ...mul, ...get(I), ...i32(2), ...mul, ...add, ...i32(w), ...mul,
    ...get(J), ...i32(2), ...mul, ...add, ...i32(ci * 4), ...mul, ...add, ...set(XB),
    ...get(G), ...get(B), ...i32(ph), ...mul, ...get(I), ...add, ...i32(pw), ...mul,
    ...get(J), ...add, ...i32(co), ...mul, ...get(CB), ...add, ...i32(4), ...mul, ...add, ...set(GB),
    ...(byQuads ? forRange(C, 0, block, 4, quad) : forRange(C, 0, block, 1, channel)),
  ];
  const batchLoop = [
    ...i32(0), ...set(B),
    ...op.block, ...op.loop,
    ...get(B), ...get(N), ...op.ltU, ...op.eqz, ...op.brIf(1),
    ...forRange(I, 0, ph, 1, forRange(J, 0, pw, 1, window)),
    ...get(B), ...i32(1), ...add, ...set(B),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
  const body = forRange(CB, 0, co, block, batchLoop);
  return assemble([{ name: 'convPoolGrad', params: 8, locals: { i32: 13, v128: 7, f32: 3 }, body }]);
}

interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const webAssembly = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;
const kernels = new WeakMap<WasmMemory, Map<string, Kernel | null>>();

/** The generated loop for this block bound to `memory`, or null where WebAssembly SIMD is unavailable. */
export function convPoolGradKernel(memory: WasmMemory | undefined, shape: ConvPoolGradShape): Kernel | null {
  if (memory === undefined || webAssembly === undefined || !convPoolGradFits(shape)) return null;
  let byShape = kernels.get(memory);
  if (byShape === undefined) kernels.set(memory, (byShape = new Map()));
  const key = JSON.stringify(shape);
  let kernel = byShape.get(key);
  if (kernel === undefined) {
    try {
      const instance = new webAssembly.Instance(new webAssembly.Module(build(shape)), { env: { memory } });
      kernel = instance.exports['convPoolGrad'] as Kernel;
    } catch {
      kernel = null;
    }
    byShape.set(key, kernel);
  }
  return kernel;
}

/**
 * Inputs x [N,H,W,Ci] (the block's input), filter [KH,KW,Ci,Co], y [N,OH,OW,Co] (the activation's
 * output, the pool's input), dy [N,OH/2,OW/2,Co] (gradient of the pooled output). Outputs
 * [dW, db] or [dW, db, dx].
 */
export function convPoolGradConfig(): KernelConfig {
  function convPoolGrad({ inputs, backend: b, attrs }: KernelArgs): TensorInfo[] {
    const backend = asWasmBackend(b);
    const x = inputs['x'] as TensorInfo;
    const filter = inputs['filter'] as TensorInfo;
    const y = inputs['y'] as TensorInfo;
    const dy = inputs['dy'] as TensorInfo;
    const { activation, inputGrad, pad = 'valid' } = attrs as unknown as ConvPoolGradAttrs;
    const [n, h0, w0, ci] = x.shape as [number, number, number, number];
    const [kh, kw, , co] = filter.shape as [number, number, number, number];
    // 'same': tfjs' split of the kh−1 padding rows (the smaller half on top), likewise for columns.
    const [top, left] = pad === 'same' ? [(kh - 1) >> 1, (kw - 1) >> 1] : [0, 0];
    const [h, w] = pad === 'same' ? [h0 + kh - 1, w0 + kw - 1] : [h0, w0];
    const shape: ConvPoolGradShape = { h, w, ci, kh, kw, co, relu: activation === 'relu', inputGrad };
    const oh = h - kh + 1;
    const ow = w - kw + 1;
    if (y.shape.join() !== [n, oh, ow, co].join() || dy.shape.join() !== [n, oh >> 1, ow >> 1, co].join()) {
      throw new Error(`${CONV_POOL_GRAD}: shapes x [${x.shape}], filter [${filter.shape}], y [${y.shape}], dy [${dy.shape}] do not fit a ${pad} conv → 2×2 pool.`);
    }
    const kernel = convPoolGradKernel(backend.wasm.asm?.memory, shape);
    if (kernel === null) throw new Error(`${CONV_POOL_GRAD} needs WebAssembly SIMD and a supported shape.`);
    const padded = pad === 'same' ? allocate(backend, [n, h, w, ci]) : undefined;
    const { rowLength, slots } = rowLayout(kw, ci);
    const perChannel = kh * slots;
    const dwt = allocate(backend, [co * perChannel]);
    const wt = inputGrad ? allocate(backend, [co * perChannel]) : undefined;
    const dw = allocate(backend, [kh, kw, ci, co]);
    const db = allocate(backend, [co]);
    const dxOut = inputGrad ? allocate(backend, [n, h0, w0, ci]) : undefined;
    const dx = padded !== undefined && dxOut !== undefined ? allocate(backend, [n, h, w, ci]) : dxOut;
    // Views only now: allocations may grow (and detach) the heap.
    f32View(backend, dwt).fill(0);
    f32View(backend, db).fill(0);
    if (dx !== undefined) f32View(backend, dx).fill(0);
    if (padded !== undefined) copyRows(f32View(backend, x), f32View(backend, padded), n, h0, w0, ci, h, w, top, left, 'pad');
    if (wt !== undefined) {
      const src = f32View(backend, filter);
      const dst = f32View(backend, wt);
      for (let c = 0; c < co; c++) {
        for (let a = 0; a < kh; a++) {
          const d0 = c * perChannel + a * slots;
          for (let e = 0; e < rowLength; e++) dst[d0 + e] = src[(a * rowLength + e) * co + c]!;
        }
      }
    }
    kernel(heapOffset(backend, padded ?? x), heapOffset(backend, y), heapOffset(backend, dy), heapOffset(backend, dwt),
      heapOffset(backend, db), wt === undefined ? 0 : heapOffset(backend, wt), dx === undefined ? 0 : heapOffset(backend, dx), n);
    // dW[a, e, c] from dWt[c, a, slot(e)]; the last vector of a row sits in its own slots.
    const t = f32View(backend, dwt);
    const out = f32View(backend, dw);
    const lastStart = slots - 4;
    const shift = lastStart - (rowLength - 4);
    for (let a = 0; a < kh; a++) {
      for (let e = 0; e < rowLength; e++) {
        const slot = e < lastStart ? e : e + shift;
        const d0 = (a * rowLength + e) * co;
        for (let c = 0; c < co; c++) out[d0 + c] = t[c * perChannel + a * slots + slot]!;
      }
    }
    if (dx !== dxOut) copyRows(f32View(backend, dxOut!), f32View(backend, dx!), n, h0, w0, ci, h, w, top, left, 'crop');
    release(backend, dwt, ...[wt, padded, dx !== dxOut ? dx : undefined].filter((t): t is TensorInfo => t !== undefined));
    return dxOut === undefined ? [dw, db] : [dw, db, dxOut];
  }
  return { kernelName: CONV_POOL_GRAD, backendName: 'wasm', kernelFunc: convPoolGrad };
}

/**
 * Between an [n, h, w, c] tensor and its zero-padded [n, hp, wp, c] copy (rows `top`…, columns
 * `left`…): 'pad' fills the padded one (border zeroed), 'crop' reads the inner part back.
 */
function copyRows(
  inner: Float32Array, padded: Float32Array, n: number, h: number, w: number, c: number,
  hp: number, wp: number, top: number, left: number, direction: 'pad' | 'crop',
): void {
  if (direction === 'pad') padded.fill(0);
  const row = w * c;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < h; r++) {
      const i = (b * h + r) * row;
      const p = ((b * hp + r + top) * wp + left) * c;
      if (direction === 'pad') padded.set(inner.subarray(i, i + row), p);
      else inner.set(padded.subarray(p, p + row), i);
    }
  }
}
