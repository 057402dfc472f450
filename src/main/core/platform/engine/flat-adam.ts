// Adam as one loop over every parameter, reading and writing the weights on the wasm heap: the
// same float32 arithmetic as tfjs' AdamOptimizer (Keras' epsilon 1e-7, same operation order, each
// step rounded to float32), without its ~12 tensor ops per variable per step. The moments and the
// summed gradient live on the wasm heap too, so the loop is a WebAssembly SIMD kernel (four weights
// per instruction; a JavaScript loop where SIMD is missing, same results to the bit). A
// data-parallel worker sums its peers' gradient slots first, in slot order. State (iterations, m, v)
// keeps tfjs' names and order, so checkpoints move freely between this and the stock optimizer.
import type * as tfjs from '@tensorflow/tfjs';
import { simdKernels, type SimdKernels } from './kernels/simd-kernels.js';
import { asWasmBackend, heapOffset, type WasmBackend } from './kernels/wasm-backend.js';
import type { Tf, WeightSet } from './types.js';

const f = Math.fround;
const BETA1 = 0.9;
const BETA2 = 0.999;

export class FlatAdam {
  private readonly backend: WasmBackend;
  private readonly simd: SimdKernels | null;
  private readonly count: number;
  /** Byte offsets on the wasm heap: m, v, the summed gradient, a slot being added, 8 constants. */
  private readonly heap: { m: number; v: number; g: number; other: number; consts: number };
  private iterations = 0;
  private accBeta1 = f(BETA1);
  private accBeta2 = f(BETA2);
  private readonly epsilon: number;
  private disposed = false;

  constructor(private readonly tf: Tf, private readonly variables: tfjs.Variable[], private readonly learningRate: number) {
    this.backend = asWasmBackend(tf.backend());
    this.simd = simdKernels(this.backend.wasm.asm?.memory);
    this.count = variables.reduce((n, v) => n + v.size, 0);
    const bytes = Math.max(this.count, 1) * 4;
    const wasm = this.backend.wasm;
    this.heap = { m: wasm._malloc(bytes), v: wasm._malloc(bytes), g: wasm._malloc(bytes), other: wasm._malloc(bytes), consts: wasm._malloc(32) };
    this.view('m').fill(0);
    this.view('v').fill(0);
    this.epsilon = tf.backend().epsilon();
  }

  /** A fresh view (the heap may have grown since the last one). */
  private view(part: 'm' | 'v' | 'g' | 'other', from = 0, length = this.count): Float32Array {
    return new Float32Array(this.backend.wasm.HEAPF32.buffer, this.heap[part] + from * 4, length);
  }

  /** One update with the sum of the flattened gradients (variable order, summed in slot order like tf.addN). */
  apply(flats: Float32Array[]): void {
    this.view('g').set(flats[0]!.subarray(0, this.count));
    for (let s = 1; s < flats.length; s++) {
      this.view('other').set(flats[s]!.subarray(0, this.count));
      this.addOther();
    }
    this.step();
  }

  /** One update with gradient tensors on this wasm backend (variable order), copied heap to heap. */
  applyTensors(grads: tfjs.Tensor[]): void {
    const heap = this.backend.wasm.HEAPF32;
    let offset = this.heap.g / 4;
    grads.forEach((grad, i) => {
      const size = this.variables[i]!.size;
      const at = heapOffset(this.backend, grad) / 4;
      heap.copyWithin(offset, at, at + size);
      offset += size;
    });
    this.step();
  }

  private addOther(): void {
    const quads = this.simd === null ? 0 : this.count >> 2;
    if (quads > 0) this.simd!.addInto(this.heap.g, this.heap.other, quads);
    const g = this.view('g');
    const other = this.view('other');
    for (let i = quads * 4; i < this.count; i++) g[i] = f(g[i]! + other[i]!);
  }

  private step(): void {
    if (this.disposed) throw new Error('This optimizer was disposed.');
    const consts = Float32Array.of(BETA1, BETA2, 1 - BETA1, 1 - BETA2, 1 - this.accBeta1, 1 - this.accBeta2, this.epsilon, -this.learningRate);
    new Float32Array(this.backend.wasm.HEAPF32.buffer, this.heap.consts, 8).set(consts);
    let offset = 0;
    for (const variable of this.variables) {
      // New memory for the new weights (old ones read where they lie): XNNPACK caches operators with
      // their filters packed, keyed by the filter tensor, so weights must never change in place.
      const out = this.tf.engine().makeTensorFromTensorInfo(this.backend.makeOutput([...variable.shape], 'float32'));
      const size = variable.size;
      const quads = this.simd === null ? 0 : size >> 2;
      if (quads > 0) {
        this.simd!.adam(heapOffset(this.backend, variable), this.heap.g + offset * 4, this.heap.m + offset * 4,
          this.heap.v + offset * 4, heapOffset(this.backend, out), quads, this.heap.consts);
      }
      if (quads * 4 < size) this.stepTail(variable, out, offset, quads * 4, consts);
      variable.assign(out);
      out.dispose();
      offset += size;
    }
    this.accBeta1 = f(this.accBeta1 * f(BETA1));
    this.accBeta2 = f(this.accBeta2 * f(BETA2));
    this.iterations++;
  }

  /** Weights [from, size) of one variable in JavaScript, with the SIMD kernel's arithmetic. */
  private stepTail(variable: tfjs.Variable, out: tfjs.Tensor, offset: number, from: number, consts: Float32Array): void {
    const [b1, b2, c1, c2, oneMinusAcc1, oneMinusAcc2, eps, negLr] = Array.from(consts);
    const heap = this.backend.wasm.HEAPF32;
    const w = new Float32Array(heap.buffer, heapOffset(this.backend, variable), variable.size);
    const next = new Float32Array(heap.buffer, heapOffset(this.backend, out), variable.size);
    const g = this.view('g', offset, variable.size);
    const m = this.view('m', offset, variable.size);
    const v = this.view('v', offset, variable.size);
    for (let i = from; i < variable.size; i++) {
      const gi = g[i]!;
      const mi = f(f(m[i]! * b1!) + f(gi * c1!));
      const vi = f(f(v[i]! * b2!) + f(f(gi * gi) * c2!));
      m[i] = mi;
      v[i] = vi;
      const mHat = f(mi / oneMinusAcc1!);
      const vHat = f(vi / oneMinusAcc2!);
      next[i] = f(f(f(mHat / f(f(Math.sqrt(vHat)) + eps!)) * negLr!) + w[i]!);
    }
  }

  /** tfjs AdamOptimizer.getWeights' layout: iter, then every `name/m`, then every `name/v`. */
  getState(): WeightSet {
    const parts = (suffix: 'm' | 'v') => {
      let offset = 0;
      return this.variables.map((variable) => {
        const data = Float32Array.from(this.view(suffix, offset, variable.size));
        offset += variable.size;
        return { name: `${variable.name}/${suffix}`, shape: [...variable.shape], data };
      });
    };
    return [{ name: 'iter', shape: [], data: Float32Array.of(this.iterations) }, ...parts('m'), ...parts('v')];
  }

  setState(state: WeightSet): void {
    const iter = state.find((s) => s.name === 'iter');
    const moments = state.filter((s) => s.name !== 'iter');
    if (moments.length !== 2 * this.variables.length) {
      throw new Error(`Expected Adam state for ${this.variables.length} variables, got ${moments.length} moment tensors.`);
    }
    let offset = 0;
    this.variables.forEach((variable, i) => {
      const first = moments[i]!;
      const second = moments[this.variables.length + i]!;
      if (first.data.length !== variable.size || second.data.length !== variable.size) {
        throw new Error(`Adam state ${first.name} does not fit variable ${variable.name} (${variable.size} values).`);
      }
      this.view('m', offset, variable.size).set(first.data);
      this.view('v', offset, variable.size).set(second.data);
      offset += variable.size;
    });
    this.iterations = iter === undefined ? 0 : Math.round(iter.data[0]!);
    // As tfjs' setWeights: accBeta = beta^(iterations+1), computed by pow in float32.
    this.accBeta1 = f(Math.pow(f(BETA1), this.iterations + 1));
    this.accBeta2 = f(Math.pow(f(BETA2), this.iterations + 1));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const ptr of Object.values(this.heap)) this.backend.wasm._free(ptr);
  }
}
