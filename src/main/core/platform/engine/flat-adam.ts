// Adam as one loop over every parameter, reading and writing the weights on the wasm heap: the
// same float32 arithmetic as tfjs' AdamOptimizer (Keras' epsilon 1e-7, same operation order, each
// step rounded to float32), without its ~12 tensor ops per variable per step. A data-parallel worker
// sums its peers' gradient slots into the same pass. State (iterations, m, v) keeps tfjs' names and
// order, so checkpoints move freely between this and the stock optimizer.
import type * as tfjs from '@tensorflow/tfjs';
import { asWasmBackend, f32View } from './kernels/wasm-backend.js';
import type { Tf, WeightSet } from './types.js';

const f = Math.fround;
const BETA1 = 0.9;
const BETA2 = 0.999;

export class FlatAdam {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private readonly sum: Float32Array;
  private iterations = 0;
  private accBeta1 = f(BETA1);
  private accBeta2 = f(BETA2);
  private readonly epsilon: number;

  constructor(private readonly tf: Tf, private readonly variables: tfjs.Variable[], private readonly learningRate: number) {
    const count = variables.reduce((n, v) => n + v.size, 0);
    this.m = new Float32Array(count);
    this.v = new Float32Array(count);
    this.sum = new Float32Array(count);
    this.epsilon = tf.backend().epsilon();
  }

  /** One update with the sum of the flattened gradients (variable order). */
  apply(flats: Float32Array[]): void {
    let g = flats[0]!;
    if (flats.length > 1) {
      // Summed in slot order, like tf.addN over the same slots.
      const sum = this.sum;
      sum.set(g);
      for (let s = 1; s < flats.length; s++) {
        const other = flats[s]!;
        for (let i = 0; i < sum.length; i++) sum[i] = f(sum[i]! + other[i]!);
      }
      g = sum;
    }
    const b1 = f(BETA1);
    const b2 = f(BETA2);
    const c1 = f(1 - BETA1);
    const c2 = f(1 - BETA2);
    const oneMinusAcc1 = f(1 - this.accBeta1);
    const oneMinusAcc2 = f(1 - this.accBeta2);
    const eps = f(this.epsilon);
    const negLr = f(-this.learningRate);
    const { m, v } = this;
    const backend = asWasmBackend(this.tf.backend());
    let offset = 0;
    for (const variable of this.variables) {
      // New memory for the new weights (old ones read where they lie): XNNPACK caches operators with
      // their filters packed, keyed by the filter tensor, so weights must never change in place.
      const out = this.tf.engine().makeTensorFromTensorInfo(backend.makeOutput([...variable.shape], 'float32'));
      const w = f32View(backend, variable);
      const next = f32View(backend, out);
      for (let i = 0, k = offset; i < w.length; i++, k++) {
        const gi = g[k]!;
        const mi = f(f(m[k]! * b1) + f(gi * c1));
        const vi = f(f(v[k]! * b2) + f(f(gi * gi) * c2));
        m[k] = mi;
        v[k] = vi;
        const mHat = f(mi / oneMinusAcc1);
        const vHat = f(vi / oneMinusAcc2);
        next[i] = f(f(f(mHat / f(f(Math.sqrt(vHat)) + eps)) * negLr) + w[i]!);
      }
      variable.assign(out);
      out.dispose();
      offset += variable.size;
    }
    this.accBeta1 = f(this.accBeta1 * b1);
    this.accBeta2 = f(this.accBeta2 * b2);
    this.iterations++;
  }

  /** tfjs AdamOptimizer.getWeights' layout: iter, then every `name/m`, then every `name/v`. */
  getState(): WeightSet {
    const parts = (suffix: string, all: Float32Array) => {
      let offset = 0;
      return this.variables.map((variable) => {
        const data = all.slice(offset, offset + variable.size);
        offset += variable.size;
        return { name: `${variable.name}/${suffix}`, shape: [...variable.shape], data };
      });
    };
    return [{ name: 'iter', shape: [], data: Float32Array.of(this.iterations) }, ...parts('m', this.m), ...parts('v', this.v)];
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
      this.m.set(first.data, offset);
      this.v.set(second.data, offset);
      offset += variable.size;
    });
    this.iterations = iter === undefined ? 0 : Math.round(iter.data[0]!);
    // As tfjs' setWeights: accBeta = beta^(iterations+1), computed by pow in float32.
    this.accBeta1 = f(Math.pow(f(BETA1), this.iterations + 1));
    this.accBeta2 = f(Math.pow(f(BETA2), this.iterations + 1));
  }
}
