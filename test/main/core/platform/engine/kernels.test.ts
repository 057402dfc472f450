// Every kernel Facet registers on the wasm backend gives the stock cpu kernel's answer.
// Tolerance: |wasm − cpu| ≤ 1e-4·max|cpu| + 1e-5 (float32 sums taken in a different order).
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { loadEngine, type Tf } from '../../../../../src/main/core/platform/engine/index.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await loadEngine({ prefer: 'wasm' }));
  await tf.setBackend('cpu'); // make sure the cpu backend is initialised too
  await tf.setBackend('wasm');
});

/** Deterministic values; `levels` > 0 quantises them so that max-pool windows have ties. */
function values(size: number, seed: number, levels = 0): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    out[i] = levels > 0 ? Math.floor(u * levels) : u * 2 - 1;
  }
  return out;
}

type Input = { data: Float32Array; shape: number[] };

async function runOn(backend: 'cpu' | 'wasm', kernel: string, inputs: Record<string, Input>, attrs: object) {
  await tf.setBackend(backend);
  const tensors = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.data, v.shape)]));
  const out = tf.engine().runKernel(kernel, tensors, attrs as never) as unknown as { shape: number[]; dataSync(): Float32Array; dispose(): void };
  const result = { shape: [...out.shape], data: Float32Array.from(out.dataSync()) };
  out.dispose();
  tf.dispose(Object.values(tensors));
  return result;
}

async function expectSameAsCpu(kernel: string, inputs: Record<string, Input>, attrs: object) {
  const cpu = await runOn('cpu', kernel, inputs, attrs);
  const wasm = await runOn('wasm', kernel, inputs, attrs);
  expect(wasm.shape).toEqual(cpu.shape);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < cpu.data.length; i++) {
    scale = Math.max(scale, Math.abs(cpu.data[i]!));
    worst = Math.max(worst, Math.abs(cpu.data[i]! - wasm.data[i]!));
  }
  expect(worst).toBeLessThanOrEqual(1e-4 * scale + 1e-5);
}

function convOutSize(size: number, k: number, s: number, pad: 'same' | 'valid') {
  return pad === 'same' ? Math.ceil(size / s) : Math.floor((size - k) / s) + 1;
}

// [batch, height, width, inChannels, outChannels, kernel]
const convShapes: [number, number, number, number, number, number][] = [
  [1, 9, 9, 1, 4, 3], [32, 11, 11, 3, 8, 3], [2, 16, 13, 3, 5, 3], [3, 12, 10, 16, 8, 2], [1, 8, 8, 3, 4, 5],
  // The seed model's first layers (direct SIMD filter gradient for 'valid', stride 1).
  [32, 20, 18, 3, 16, 3], [16, 14, 14, 1, 16, 3], [4, 9, 9, 4, 32, 2], [8, 13, 13, 16, 32, 3],
];
const convCases = convShapes.flatMap((shape) =>
  ([1, 2] as const).flatMap((stride) => (['same', 'valid'] as const).map((pad) => ({ shape, stride, pad }))));

describe('Conv2DBackpropFilter on wasm', () => {
  it.each(convCases)('matches cpu for $shape stride $stride $pad', async ({ shape: [n, h, w, ci, co, k], stride, pad }) => {
    const oh = convOutSize(h, k, stride, pad);
    const ow = convOutSize(w, k, stride, pad);
    await expectSameAsCpu('Conv2DBackpropFilter', {
      x: { data: values(n * h * w * ci, 1), shape: [n, h, w, ci] },
      dy: { data: values(n * oh * ow * co, 2), shape: [n, oh, ow, co] },
    }, { strides: [stride, stride], pad, dataFormat: 'NHWC', filterShape: [k, k, ci, co] });
  });
});

describe('Conv2DBackpropInput on wasm', () => {
  it.each(convCases)('matches cpu for $shape stride $stride $pad', async ({ shape: [n, h, w, ci, co, k], stride, pad }) => {
    const oh = convOutSize(h, k, stride, pad);
    const ow = convOutSize(w, k, stride, pad);
    await expectSameAsCpu('Conv2DBackpropInput', {
      dy: { data: values(n * oh * ow * co, 3), shape: [n, oh, ow, co] },
      filter: { data: values(k * k * ci * co, 4), shape: [k, k, ci, co] },
    }, { strides: [stride, stride], pad, dataFormat: 'NHWC', inputShape: [n, h, w, ci] });
  });
});

// [batch, height, width, channels], pool size, stride, padding, tie levels (0: no ties)
const poolCases = [
  { shape: [1, 8, 8, 1], size: 2, stride: 2, pad: 'valid', levels: 0 },
  { shape: [32, 12, 12, 3], size: 2, stride: 2, pad: 'valid', levels: 3 },
  { shape: [2, 9, 7, 3], size: 2, stride: 2, pad: 'valid', levels: 2 },
  { shape: [2, 9, 7, 1], size: 2, stride: 2, pad: 'same', levels: 2 },
  { shape: [3, 10, 10, 3], size: 3, stride: 2, pad: 'valid', levels: 3 },
  { shape: [1, 7, 9, 3], size: 3, stride: 1, pad: 'same', levels: 2 },
  { shape: [32, 6, 6, 16], size: 2, stride: 2, pad: 'valid', levels: 1 },
  // Channels a multiple of 4 take the WebAssembly SIMD path; odd sizes leave a row/column out.
  { shape: [4, 9, 11, 8], size: 2, stride: 2, pad: 'valid', levels: 3 },
  { shape: [32, 12, 12, 16], size: 2, stride: 2, pad: 'valid', levels: 0 },
  { shape: [2, 10, 10, 4], size: 2, stride: 2, pad: 'valid', levels: 1 },
] as const;

describe('MaxPoolGrad on wasm', () => {
  it.each(poolCases)('matches cpu (ties included) for $shape pool $size stride $stride $pad', async ({ shape, size, stride, pad, levels }) => {
    const [n, h, w, c] = shape;
    const data = values(n * h * w * c, 5, levels);
    await tf.setBackend('cpu');
    const output = tf.tidy(() => tf.maxPool(tf.tensor4d(data, [n, h, w, c]), size, stride, pad));
    const outData = Float32Array.from(output.dataSync());
    const outShape = [...output.shape];
    output.dispose();
    await expectSameAsCpu('MaxPoolGrad', {
      dy: { data: values(outData.length, 6), shape: outShape },
      input: { data, shape: [n, h, w, c] },
      output: { data: outData, shape: outShape },
    }, { filterSize: [size, size], strides: [stride, stride], pad });
  });
});

describe('Sum on wasm', () => {
  const cases = [
    { shape: [32, 6, 6, 16], axis: [0, 1, 2], keepDims: false },
    { shape: [32, 62, 62, 16], axis: [0, 1, 2], keepDims: false },
    { shape: [32, 128], axis: [0], keepDims: false },
    { shape: [1, 5, 3], axis: [0], keepDims: false },
    { shape: [5, 7, 3], axis: [0], keepDims: true },
    { shape: [4, 3, 5], axis: [0, 1], keepDims: false },
    { shape: [4, 3, 5], axis: [2], keepDims: false },
    { shape: [4, 3, 5], axis: [0, 2], keepDims: false },
    { shape: [6, 10], axis: [0, 1], keepDims: false },
  ];
  it.each(cases)('matches cpu for $shape over $axis', async ({ shape, axis, keepDims }) => {
    const size = shape.reduce((p, d) => p * d, 1);
    await expectSameAsCpu('Sum', { x: { data: values(size, 7), shape } }, { axis, keepDims });
  });
});

describe('BatchMatMul on wasm', () => {
  // [batch, m, k, n]: C[m,n] = op(A)·op(B); the stored operands are transposed when the flag is set.
  const sizes = [[1, 32, 200, 24], [1, 200, 32, 128], [1, 7, 300, 3], [3, 5, 7, 4]] as const;
  const combos = [[false, false], [true, false], [false, true], [true, true]] as const;
  const cases = sizes.flatMap(([batch, m, k, n]) =>
    combos.map(([transposeA, transposeB]) => ({ batch, m, k, n, transposeA, transposeB })));
  it.each(cases)('matches cpu for $batch×$m×$k·$k×$n transposeA=$transposeA transposeB=$transposeB',
    async ({ batch, m, k, n, transposeA, transposeB }) => {
      await expectSameAsCpu('BatchMatMul', {
        a: { data: values(batch * m * k, 8), shape: transposeA ? [batch, k, m] : [batch, m, k] },
        b: { data: values(batch * k * n, 9), shape: transposeB ? [batch, n, k] : [batch, k, n] },
      }, { transposeA, transposeB });
    });
});

describe('Identity and Cast on wasm', () => {
  it('share memory instead of copying, and the result outlives the input', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const x = tf.tensor([1.5, -2, 3]);
    const same = tf.cast(x, 'float32');
    const copy = tf.clone(x);
    const ints = tf.cast(x, 'int32');
    x.dispose();
    expect(Array.from(same.dataSync())).toEqual([1.5, -2, 3]);
    expect(Array.from(copy.dataSync())).toEqual([1.5, -2, 3]);
    expect(ints.dtype).toBe('int32');
    expect(Array.from(ints.dataSync())).toEqual([1, -2, 3]);
    tf.dispose([same, copy, ints]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('FacetConvPoolGrad (conv → ReLU → 2×2 max-pool backward in one pass) on wasm', () => {
  // [batch, height, width, inChannels, outChannels, kernel, activation, input gradient, tie levels]
  const cases = [
    { shape: [2, 20, 20, 3, 16, 3], activation: 'relu', inputGrad: false, levels: 0 }, // first layer, RGB (row of 9 floats)
    { shape: [2, 16, 16, 1, 16, 3], activation: 'relu', inputGrad: false, levels: 0 }, // first layer, gray (row of 3)
    { shape: [3, 15, 15, 16, 32, 3], activation: 'relu', inputGrad: true, levels: 0 }, // odd conv output: last row/column unpooled
    { shape: [2, 10, 10, 32, 64, 3], activation: 'relu', inputGrad: true, levels: 0 }, // channels split into blocks
    { shape: [2, 12, 11, 4, 8, 3], activation: 'relu', inputGrad: true, levels: 3 }, // ties inside pooling windows
    { shape: [2, 9, 9, 4, 4, 2], activation: 'linear', inputGrad: true, levels: 3 },
    { shape: [1, 11, 12, 4, 8, 5], activation: 'relu', inputGrad: true, levels: 0 },
    // Channel counts that are not whole quads route one channel at a time.
    { shape: [2, 9, 10, 4, 6, 3], activation: 'relu', inputGrad: true, levels: 3 },
    { shape: [2, 8, 8, 1, 5, 3], activation: 'linear', inputGrad: false, levels: 0 },
    // 'same' padding: a zero-padded copy of x; even and odd map sizes, an even kernel (uneven padding).
    { shape: [2, 15, 14, 16, 32, 3], activation: 'relu', inputGrad: true, levels: 0, pad: 'same' },
    { shape: [2, 12, 12, 3, 16, 3], activation: 'relu', inputGrad: false, levels: 3, pad: 'same' },
    { shape: [2, 9, 10, 4, 8, 2], activation: 'relu', inputGrad: true, levels: 0, pad: 'same' },
  ] as const;
  it.each(cases)('matches the cpu gradients of maxPool(act(conv + b)) for $shape $activation dx=$inputGrad ties=$levels $pad',
    async ({ shape: [n, h, w, ci, co, k], activation, inputGrad, levels, ...rest }) => {
      const pad = 'pad' in rest ? rest.pad : 'valid';
      // With levels, integer inputs and weights make equal conv outputs (ties) common.
      const xData = levels > 0 ? values(n * h * w * ci, 11, levels) : values(n * h * w * ci, 11);
      const wData = levels > 0 ? values(k * k * ci * co, 12, 3).map((v) => v - 1) : values(k * k * ci * co, 12);
      const bData = values(co, 13);
      await tf.setBackend('cpu');
      const [xs, filter, bias] = [tf.tensor4d(xData, [n, h, w, ci]), tf.tensor4d(wData, [k, k, ci, co]), tf.tensor1d(bData)];
      const act = (t: tfjs.Tensor4D) => (activation === 'relu' ? tf.relu(t) : t);
      const y = tf.tidy(() => act(tf.add(tf.conv2d(xs, filter, 1, pad), bias)));
      const pooledShape = [n, y.shape[1] >> 1, y.shape[2] >> 1, co];
      const dyData = values(pooledShape.reduce((p, d) => p * d, 1), 14);
      const dy = tf.tensor(dyData, pooledShape);
      const expected = tf.grads((a, b, c) => tf.sum(tf.mul(tf.maxPool(act(tf.add(tf.conv2d(a as tfjs.Tensor4D, b as tfjs.Tensor4D, 1, pad), c)), 2, 2, 'valid'), dy)))([xs, filter, bias]);
      const cpu = expected.map((t) => ({ shape: [...t.shape], data: Float32Array.from(t.dataSync()) }));
      const yData = Float32Array.from(y.dataSync());
      const yShape = [...y.shape];
      tf.dispose([xs, filter, bias, y, dy, ...expected]);

      await tf.setBackend('wasm');
      const inputs = {
        x: tf.tensor4d(xData, [n, h, w, ci]), filter: tf.tensor4d(wData, [k, k, ci, co]),
        y: tf.tensor(yData, yShape), dy: tf.tensor(dyData, pooledShape),
      };
      const outs = tf.engine().runKernel('FacetConvPoolGrad', inputs, { activation, inputGrad, pad } as never) as unknown as tfjs.Tensor[];
      expect(outs).toHaveLength(inputGrad ? 3 : 2);
      const [dw, db, dx] = outs.map((t) => ({ shape: [...t.shape], data: Float32Array.from(t.dataSync()) }));
      tf.dispose([...Object.values(inputs), ...outs]);
      const close = (got: { shape: number[]; data: Float32Array }, want: { shape: number[]; data: Float32Array }) => {
        expect(got.shape).toEqual(want.shape);
        let scale = 0;
        let worst = 0;
        want.data.forEach((v, i) => { scale = Math.max(scale, Math.abs(v)); worst = Math.max(worst, Math.abs(v - got.data[i]!)); });
        expect(scale).toBeGreaterThan(0);
        expect(worst).toBeLessThanOrEqual(1e-4 * scale + 1e-5);
      };
      close(dw!, cpu[1]!);
      close(db!, cpu[2]!);
      if (inputGrad) close(dx!, cpu[0]!);
    });
});

describe('FacetDense (x·W + b, ReLU) on wasm', () => {
  // [rows, inputs, units, activation, bias]: whole tiles, and row/column remainders (4×8, 4×4, 1×8, 1×4 tiles).
  const cases = [
    { n: 16, k: 2304, m: 128, activation: 'relu', bias: true },
    { n: 13, k: 37, m: 12, activation: 'linear', bias: false },
    { n: 3, k: 5, m: 4, activation: 'relu', bias: true },
    { n: 1, k: 10, m: 8, activation: 'linear', bias: true },
    { n: 5, k: 20000, m: 4, activation: 'relu', bias: true }, // the sum in blocks of steps (partial sums kept in the output)
    { n: 2304, k: 16, m: 128, activation: 'linear', bias: false, transposeX: true }, // a Dense weight gradient xᵀ·dz
    { n: 7, k: 3, m: 12, activation: 'relu', bias: true, transposeX: true },
  ] as const;
  it.each(cases)('matches cpu matMul + bias + activation for [$n,$k]·[$k,$m] $activation bias=$bias transposeX=$transposeX', async ({ n, k, m, activation, bias, ...rest }) => {
    const transposeX = 'transposeX' in rest;
    const xData = values(n * k, 21);
    const wData = values(k * m, 22);
    const bData = values(m, 23);
    await tf.setBackend('cpu');
    const expected = tf.tidy(() => {
      let z = tf.matMul(tf.tensor2d(xData, transposeX ? [k, n] : [n, k]), tf.tensor2d(wData, [k, m]), transposeX);
      if (bias) z = tf.add(z, tf.tensor1d(bData));
      return activation === 'relu' ? tf.relu(z) : z;
    });
    const want = Float32Array.from(expected.dataSync());
    expected.dispose();
    await tf.setBackend('wasm');
    const inputs = { x: tf.tensor2d(xData, transposeX ? [k, n] : [n, k]), w: tf.tensor2d(wData, [k, m]), ...(bias ? { bias: tf.tensor1d(bData) } : {}) };
    const out = tf.engine().runKernel('FacetDense', inputs, { activation, transposeX } as never) as tfjs.Tensor;
    expect(out.shape).toEqual([n, m]);
    const got = Float32Array.from(out.dataSync());
    tf.dispose([out, ...Object.values(inputs)]);
    let scale = 0;
    let worst = 0;
    want.forEach((v, i) => { scale = Math.max(scale, Math.abs(v)); worst = Math.max(worst, Math.abs(v - got[i]!)); });
    expect(scale).toBeGreaterThan(0);
    expect(worst).toBeLessThanOrEqual(1e-4 * scale + 1e-5);
  });
});

describe('SIMD helpers on the wasm heap', () => {
  it('scaleShift is Rescaling (x·scale + offset in float32) and addInto is Add, to the bit', async () => {
    const { simdKernels } = await import('../../../../../src/main/core/platform/engine/kernels/simd-kernels.js');
    const { asWasmBackend, heapOffset, f32View } = await import('../../../../../src/main/core/platform/engine/kernels/wasm-backend.js');
    const size = 1000; // 250 quads
    const a = values(size, 31).map((v) => Math.round((v + 1) * 127.5));
    const b = values(size, 32);
    await tf.setBackend('cpu');
    const want = tf.tidy(() => [tf.add(tf.mul(tf.tensor1d(a), 1 / 255), 0.25), tf.add(tf.tensor1d(a), tf.tensor1d(b))].map((t) => Float32Array.from(t.dataSync())));
    await tf.setBackend('wasm');
    const backend = asWasmBackend(tf.backend());
    const simd = simdKernels(backend.wasm.asm?.memory)!;
    const [ta, tb, tc] = [tf.tensor1d(a), tf.tensor1d(b), tf.tensor1d(a)];
    simd.scaleShift(heapOffset(backend, ta), size / 4, 1 / 255, 0.25);
    simd.addInto(heapOffset(backend, tc), heapOffset(backend, tb), size / 4);
    expect(Array.from(f32View(backend, ta))).toEqual(Array.from(want[0]!));
    expect(Array.from(f32View(backend, tc))).toEqual(Array.from(want[1]!));
    tf.dispose([ta, tb, tc]);
  });
});
