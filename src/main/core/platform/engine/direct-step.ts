// The training step of a plain chain — [Rescaling] → (Conv2D → MaxPool 2×2)… → Flatten → Dense… →
// Dense(softmax) with Keras' sparse categorical cross-entropy — as a dozen direct calls of the
// wasm kernels, without tfjs' tape: tfjs' autodiff costs ~25 µs per op, and the seed CNN's step is
// ~100 ops. The kernels and their arithmetic are those of the fused layers (fused-layers.ts), which
// still run any model this plan does not take (other layers, strides, dropout).
import type * as tfjs from '@tensorflow/tfjs';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { layerWeight } from './fused-layers.js';
import { CONV_POOL_GRAD, convPoolGradKernel, type ConvPoolGradAttrs } from './kernels/conv-pool-grad.js';
import { DENSE, denseFits } from './kernels/dense.js';
import { RELU_GRAD } from './kernels/relu-grad.js';
import { simdKernels } from './kernels/simd-kernels.js';
import { asWasmBackend, f32View, heapOffset, type WasmBackend } from './kernels/wasm-backend.js';
import type { Tf } from './types.js';

/** Same clipping as Keras' sparse categorical cross-entropy (and replica.ts). */
const EPSILON = 1e-7;
const f = Math.fround;

type Activation = 'relu' | 'linear';

interface ConvPool {
  kind: 'convPool'; kernel: tfjs.Variable; bias: tfjs.Variable | undefined; activation: Activation; inputGrad: boolean; pad: 'valid' | 'same';
}
interface Dense {
  kind: 'dense'; kernel: tfjs.Variable; bias: tfjs.Variable | undefined; activation: Activation | 'softmax'; inputGrad: boolean;
  /** FacetDense (no per-step repacking of the weights) rather than XNNPACK's fully-connected operator. */
  own: boolean;
}
interface Flatten { kind: 'flatten' }
type Step = ConvPool | Dense | Flatten;

/** What the forward pass keeps for the backward one. */
interface Saved { input: TensorInfo; output: TensorInfo }

export interface DirectGradients {
  loss: number;
  correct: number;
  /** One tensor per trainable variable, in the model's order (caller disposes). */
  grads: tfjs.Tensor[];
}

interface LayerConfig {
  activation?: string; useBias?: boolean; padding?: string; strides?: number[]; dilationRate?: number | number[];
  dataFormat?: string; poolSize?: number[]; rate?: number; scale?: number; offset?: number;
}

function kernelFunc(tf: Tf, name: string): KernelFunc {
  const config = tf.getKernel(name, 'wasm');
  if (config === undefined) throw new Error(`The wasm backend has no ${name} kernel.`);
  return config.kernelFunc;
}

export class DirectStep {
  private readonly run: Record<'conv' | 'pool' | 'matMul' | 'dense' | 'batchMatMul' | 'softmax' | 'reluGrad' | 'convPoolGrad', KernelFunc>;

  private constructor(
    private readonly tf: Tf,
    private readonly steps: Step[],
    private readonly variables: tfjs.Variable[],
    private readonly inputShape: [number, number, number],
    private readonly rescale: { scale: number; offset: number } | null,
    private readonly numClasses: number,
  ) {
    this.run = {
      conv: kernelFunc(tf, 'FusedConv2D'), pool: kernelFunc(tf, 'MaxPool'), matMul: kernelFunc(tf, '_FusedMatMul'), dense: kernelFunc(tf, DENSE),
      batchMatMul: kernelFunc(tf, 'BatchMatMul'), softmax: kernelFunc(tf, 'Softmax'), reluGrad: kernelFunc(tf, RELU_GRAD),
      convPoolGrad: kernelFunc(tf, CONV_POOL_GRAD),
    };
  }

  /** The plan for `model`, or null when it is not such a chain (or the kernels are missing). */
  static plan(tf: Tf, model: tfjs.LayersModel, variables: tfjs.Variable[]): DirectStep | null {
    if (!(model instanceof tf.Sequential) || tf.getBackend() !== 'wasm' || tf.getKernel(CONV_POOL_GRAD, 'wasm') === undefined) return null;
    const [, h, w, c] = model.inputs[0]!.shape;
    if (h == null || w == null || c == null) return null;
    const memory = asWasmBackend(tf.backend()).wasm.asm?.memory;
    const layers = model.layers;
    const steps: Step[] = [];
    let rescale: { scale: number; offset: number } | null = null;
    let shape: number[] = [h, w, c];
    let weightsBelow = false;
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i]!;
      const config = layer.getConfig() as LayerConfig;
      const kind = layer.getClassName();
      if (!layer.trainable && layer.weights.length > 0) return null;
      if (kind === 'Rescaling' && i === 0) {
        rescale = { scale: config.scale!, offset: config.offset ?? 0 };
      } else if (kind === 'Dropout' && config.rate === 0) {
        // Nothing to do.
      } else if (kind === 'Flatten' && shape.length === 3) {
        steps.push({ kind: 'flatten' });
        shape = [shape.reduce((p, d) => p * d, 1)];
      } else if (kind === 'Conv2D' && shape.length === 3) {
        const pool = layers[i + 1];
        const poolConfig = pool?.getConfig() as LayerConfig | undefined;
        const dilations = Array.isArray(config.dilationRate) ? config.dilationRate : [config.dilationRate, config.dilationRate];
        const kernel = layerWeight(layer, 'kernel');
        const bias = config.useBias === true ? layerWeight(layer, 'bias') : undefined;
        if (pool?.getClassName() !== 'MaxPooling2D' || poolConfig?.padding !== 'valid' || poolConfig.dataFormat !== 'channelsLast' ||
          poolConfig.poolSize?.some((s) => s !== 2) || poolConfig.strides?.some((s) => s !== 2)) return null;
        const pad = config.padding;
        if ((pad !== 'valid' && pad !== 'same') || config.dataFormat !== 'channelsLast' || config.strides?.some((s) => s !== 1) || dilations.some((d) => d !== 1)) return null;
        if ((config.activation !== 'relu' && config.activation !== 'linear') || kernel === undefined || (config.useBias === true && bias === undefined)) return null;
        const [kh, kw, ci, co] = kernel.shape as [number, number, number, number];
        // 'same' runs on a padded copy (conv-pool-grad.ts): the kernel sees the padded size.
        const [gh, gw] = pad === 'same' ? [kh - 1, kw - 1] : [0, 0];
        const block = { h: shape[0]! + gh, w: shape[1]! + gw, ci, kh, kw, co, relu: config.activation === 'relu', inputGrad: weightsBelow };
        if (ci !== shape[2] || convPoolGradKernel(memory, block) === null) return null;
        steps.push({ kind: 'convPool', kernel, bias, activation: config.activation, inputGrad: weightsBelow, pad });
        shape = [(block.h - kh + 1) >> 1, (block.w - kw + 1) >> 1, co];
        weightsBelow = true;
        i++; // the pool
      } else if (kind === 'Dense' && shape.length === 1) {
        const last = i === layers.length - 1;
        const activation = config.activation;
        const kernel = layerWeight(layer, 'kernel');
        const bias = config.useBias === true ? layerWeight(layer, 'bias') : undefined;
        if (!(activation === 'relu' || activation === 'linear' || (activation === 'softmax' && last))) return null;
        if (kernel === undefined || (config.useBias === true && bias === undefined) || kernel.shape[0] !== shape[0]) return null;
        steps.push({ kind: 'dense', kernel, bias, activation, inputGrad: weightsBelow, own: denseFits(memory, kernel.shape[1]!) });
        shape = [kernel.shape[1]!];
        weightsBelow = true;
      } else {
        return null;
      }
    }
    const last = steps[steps.length - 1];
    if (last?.kind !== 'dense' || last.activation !== 'softmax') return null;
    // Every trainable variable must be a kernel or bias of the plan, once.
    const covered = steps.flatMap((s) => (s.kind === 'flatten' ? [] : [s.kernel, ...(s.bias === undefined ? [] : [s.bias])]));
    if (covered.length !== variables.length || !covered.every((v) => variables.includes(v))) return null;
    return new DirectStep(tf, steps, variables, [h, w, c], rescale, shape[0]!);
  }

  /**
   * Forward + backward on n images; does not touch the weights. Gradients of `scale` × the mean
   * loss (a data-parallel worker passes its share of the batch).
   */
  gradients(x: Float32Array, y: Int32Array, n: number, scale: number): DirectGradients {
    const backend = asWasmBackend(this.tf.backend());
    const temps: TensorInfo[] = [];
    const own = (t: TensorInfo): TensorInfo => { temps.push(t); return t; };
    const call = (kernel: KernelFunc, inputs: Record<string, TensorInfo | undefined>, attrs: object) =>
      kernel({ inputs: inputs as never, backend: backend as never, attrs: attrs as never }) as TensorInfo | TensorInfo[];
    const grads = new Map<tfjs.Variable, TensorInfo>();
    try {
      const saved: Saved[] = [];
      const probs = this.forward(backend, x, n, own, saved);
      const { loss, correct, dz } = this.loss(f32View(backend, probs), y, n, scale);
      let grad = own(backend.makeOutput([n, this.numClasses], 'float32'));
      f32View(backend, grad).set(dz);

      for (let s = this.steps.length - 1; s >= 0; s--) {
        const step = this.steps[s]!;
        const { input, output } = saved[s]!;
        if (step.kind === 'flatten') {
          grad = view(grad, input.shape);
        } else if (step.kind === 'convPool') {
          const attrs: ConvPoolGradAttrs = { activation: step.activation, inputGrad: step.inputGrad, pad: step.pad };
          const [dw, db, dx] = call(this.run.convPoolGrad, { x: input, filter: step.kernel, y: output, dy: grad }, attrs) as TensorInfo[];
          grads.set(step.kernel, dw!);
          if (step.bias !== undefined) grads.set(step.bias, db!);
          else backend.disposeData(db!.dataId);
          if (dx !== undefined) grad = own(dx);
        } else {
          const dz = step.activation === 'relu' ? own(call(this.run.reluGrad, { dy: grad, y: output }, {}) as TensorInfo) : grad;
          grads.set(step.kernel, (step.own
            ? call(this.run.dense, { x: input, w: dz }, { activation: 'linear', transposeX: true })
            : call(this.run.batchMatMul, { a: input, b: dz }, { transposeA: true, transposeB: false })) as TensorInfo);
          if (step.bias !== undefined) grads.set(step.bias, columnSums(backend, dz));
          if (step.inputGrad) grad = own(call(this.run.batchMatMul, { a: dz, b: step.kernel }, { transposeA: false, transposeB: true }) as TensorInfo);
        }
      }
      const engine = this.tf.engine();
      const tensors = this.variables.map((v) => {
        const info = grads.get(v)!;
        grads.delete(v);
        return engine.makeTensorFromTensorInfo({ ...info, shape: [...v.shape] });
      });
      return { loss, correct, grads: tensors };
    } finally {
      for (const t of [...temps, ...grads.values()]) backend.disposeData(t.dataId);
    }
  }

  /** Class probabilities of n images (inference: the same kernels as the training forward pass). */
  predict(x: Float32Array, n: number): Float32Array {
    const backend = asWasmBackend(this.tf.backend());
    const temps: TensorInfo[] = [];
    try {
      const probs = this.forward(backend, x, n, (t) => { temps.push(t); return t; }, null);
      return Float32Array.from(f32View(backend, probs));
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  }

  /** Forward pass to the softmax output; every buffer goes to `own`, and what backward needs to `saved`. */
  private forward(backend: WasmBackend, x: Float32Array, n: number, own: (t: TensorInfo) => TensorInfo, saved: Saved[] | null): TensorInfo {
    const call = (kernel: KernelFunc, inputs: Record<string, TensorInfo | undefined>, attrs: object) =>
      kernel({ inputs: inputs as never, backend: backend as never, attrs: attrs as never }) as TensorInfo;
    let act = own(this.input(backend, x, n));
    for (const step of this.steps) {
      if (step.kind === 'flatten') {
        const input = act;
        act = view(act, [n, act.shape.slice(1).reduce((p, d) => p * d, 1)]);
        saved?.push({ input, output: act });
      } else if (step.kind === 'convPool') {
        const conv = own(call(this.run.conv, { x: act, filter: step.kernel, bias: step.bias },
          { strides: [1, 1], pad: step.pad, dataFormat: 'NHWC', dilations: [1, 1], activation: step.activation }));
        const pooled = own(call(this.run.pool, { x: conv }, { filterSize: [2, 2], strides: [2, 2], pad: 'valid' }));
        saved?.push({ input: act, output: conv });
        act = pooled;
      } else {
        const [k, m] = step.kernel.shape as [number, number];
        const input = view(act, [n, k]);
        const activation = step.activation === 'relu' ? 'relu' : 'linear';
        const out = own(step.own
          ? call(this.run.dense, { x: input, w: step.kernel, bias: step.bias }, { activation })
          : call(this.run.matMul, { a: view(act, [1, n, k]), b: view(step.kernel, [1, k, m]), bias: step.bias },
            { transposeA: false, transposeB: false, activation }));
        act = view(out, [n, m]);
        saved?.push({ input, output: act });
      }
    }
    return own(call(this.run.softmax, { logits: act }, { dim: 1 }));
  }

  /** The batch on the wasm heap, rescaled on the way (Rescaling's x·scale + offset in float32). */
  private input(backend: WasmBackend, x: Float32Array, n: number): TensorInfo {
    const [h, w, c] = this.inputShape;
    const size = n * h * w * c;
    if (x.length < size) throw new Error(`Expected ${size} input values for ${n} images of ${h}×${w}×${c}, got ${x.length}.`);
    const t = backend.makeOutput([n, h, w, c], 'float32');
    const dst = f32View(backend, t);
    dst.set(x.subarray(0, size));
    if (this.rescale !== null) {
      const scale = f(this.rescale.scale);
      const offset = f(this.rescale.offset);
      const simd = simdKernels(backend.wasm.asm?.memory);
      const quads = simd === null ? 0 : size >> 2;
      if (quads > 0) simd!.scaleShift(heapOffset(backend, t), quads, scale, offset);
      for (let i = quads * 4; i < size; i++) dst[i] = f(f(dst[i]! * scale) + offset);
    }
    return t;
  }

  /**
   * −mean log p[label] with p clipped to [ε, 1−ε] as Keras does, the correct count, and the
   * gradient at the softmax's input of scale × that loss, in tfjs' operation order:
   * dp = −scale/n/p (0 where clipped), dz = dp·p − p·Σ(dp·p).
   */
  private loss(probs: Float32Array, y: Int32Array, n: number, scale: number): { loss: number; correct: number; dz: Float32Array } {
    const classes = this.numClasses;
    const lo = f(EPSILON);
    const hi = f(1 - EPSILON);
    const dz = new Float32Array(n * classes);
    let sum = 0;
    let correct = 0;
    const top = f(f(-scale) / n);
    for (let i = 0; i < n; i++) {
      const row = i * classes;
      const label = y[i]!;
      if (label < 0 || label >= classes) throw new Error(`Label ${label} is outside 0…${classes - 1}.`);
      let best = 0;
      for (let j = 1; j < classes; j++) if (probs[row + j]! > probs[row + best]!) best = j;
      if (best === label) correct++;
      const picked = probs[row + label]!;
      const clipped = Math.min(Math.max(picked, lo), hi);
      sum = f(sum + f(Math.log(clipped)));
      const dp = picked >= lo && picked <= hi ? f(top / clipped) : 0;
      const dyTimesY = f(dp * picked);
      for (let j = 0; j < classes; j++) {
        const pj = probs[row + j]!;
        dz[row + j] = f((j === label ? dyTimesY : 0) - f(dyTimesY * pj));
      }
    }
    return { loss: -f(sum / n), correct, dz };
  }
}

/** The same data seen with another shape (not owned: never disposed on its own). */
function view(t: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: t.dataId, dtype: t.dtype, shape };
}

/** Σ over rows of a [rows, cols] tensor (a bias gradient), in a new tensor. */
function columnSums(backend: WasmBackend, t: TensorInfo): TensorInfo {
  const [rows, cols] = t.shape as [number, number];
  const out = backend.makeOutput([cols], 'float32');
  const src = f32View(backend, t);
  const dst = f32View(backend, out);
  for (let j = 0; j < cols; j++) {
    let total = 0;
    for (let i = 0; i < rows; i++) total += src[i * cols + j]!;
    dst[j] = total;
  }
  return out;
}
