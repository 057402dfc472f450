// One model replica and its optimizer: the maths of a training step, shared by the in-thread
// trainer and every data-parallel worker.
import type * as tfjs from '@tensorflow/tfjs';
import { FlatAdam } from './flat-adam.js';
import { DirectStep } from './direct-step.js';
import { fusedTrainingForward } from './fused-layers.js';
import { RELU_GRAD } from './kernels/relu-grad.js';
import { simdKernels } from './kernels/simd-kernels.js';
import { asWasmBackend, f32View } from './kernels/wasm-backend.js';
import type { BatchResult, OptimizerSpec, Tf, WeightSet } from './types.js';

const FLAT_ADAM_MAX_WEIGHTS = 200_000;

/** Same clipping as Keras' sparse categorical cross-entropy. */
const EPSILON = 1e-7;

export interface ShardGradients {
  /** Mean loss over the shard. */
  loss: number;
  /** Correct predictions in the shard. */
  correct: number;
  /** Gradient of scale × the shard's mean loss, one tensor per trainable variable (caller disposes). */
  grads: tfjs.Tensor[];
}

/**
 * How a training step runs: 'direct' (direct-step.ts: the seed CNN's chain as direct kernel calls,
 * no tape; other models fall back to 'fused'), 'fused' (fused-layers.ts: fused ops under tfjs'
 * autodiff) or 'layers' (the tfjs-layers graph as is).
 */
export type StepMode = 'direct' | 'fused' | 'layers';

export interface ReplicaOptions {
  /** Default: 'direct' when the active backend is wasm with Facet's kernels, else 'layers'. */
  step?: StepMode;
  /** Adam as one pass over the weights (flat-adam.ts) instead of tfjs' optimizer ops (same default as above). */
  flatAdam?: boolean;
}

export class Replica {
  readonly imageShape: [number, number, number];
  readonly numClasses: number;
  private readonly variables: tfjs.Variable[];
  /** The whole step as direct kernel calls, when the model is a plain chain it takes. */
  private readonly direct: DirectStep | null;
  /** Otherwise, the training-mode forward pass: fused layers on wasm, tfjs-layers elsewhere. */
  private readonly forward: (x: tfjs.Tensor) => tfjs.Tensor;
  /** Adam in one pass over the weights on wasm (see flat-adam.ts); null: tfjs' optimizer. */
  private readonly flatAdam: FlatAdam | null;

  private constructor(
    private readonly tf: Tf,
    private readonly model: tfjs.LayersModel,
    private readonly optimizer: tfjs.Optimizer,
    step: StepMode,
    spec: OptimizerSpec,
    flatAdam: boolean,
  ) {
    const [, h, w, c] = model.inputs[0]!.shape;
    this.imageShape = [h!, w!, c!];
    this.numClasses = model.outputs[0]!.shape[1]!;
    this.variables = model.trainableWeights.map((v) => v.read() as tfjs.Variable);
    this.direct = step === 'direct' ? DirectStep.plan(tf, model, this.variables) : null;
    const fused = step === 'layers' || this.direct !== null ? null : fusedTrainingForward(tf, model);
    this.forward = fused ?? ((x) => model.apply(x, { training: true }) as tfjs.Tensor);
    this.flatAdam = flatAdam && spec.name === 'adam' ? new FlatAdam(tf, this.variables, spec.learningRate) : null;
  }

  /**
   * Default for flat Adam: always with WebAssembly SIMD (one pass at four weights per instruction,
   * ~0.3 ms for 320k weights); its JavaScript loop (~3 ns per weight) only for models small enough
   * that tfjs' per-op dispatch dominates (measured: 28 gray, 33k weights, 1.1 vs 2.5 ms per update;
   * 64 RGB, 320k, 5.6 vs 4.5 ms).
   */
  static flatAdamPays(parameterCount: number, simd: boolean): boolean {
    return simd || parameterCount <= FLAT_ADAM_MAX_WEIGHTS;
  }

  static async create(
    tf: Tf, modelJson: unknown, optimizer: OptimizerSpec, initialWeights?: WeightSet, options: ReplicaOptions = {},
  ): Promise<Replica> {
    const model = await tf.models.modelFromJSON({ modelTopology: modelJson as tfjs.io.ModelJSON['modelTopology'] });
    const fast = tf.getBackend() === 'wasm' && tf.getKernel(RELU_GRAD, 'wasm') !== undefined;
    const weights = model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
    const simd = fast && simdKernels(asWasmBackend(tf.backend()).wasm.asm?.memory) !== null;
    const flatAdam = options.flatAdam ?? (fast && Replica.flatAdamPays(weights, simd));
    const replica = new Replica(tf, model, makeOptimizer(tf, optimizer), options.step ?? (fast ? 'direct' : 'layers'), optimizer, flatAdam);
    if (initialWeights !== undefined) replica.setWeights(initialWeights);
    return replica;
  }

  private images(x: Float32Array, n: number): tfjs.Tensor4D {
    const [h, w, c] = this.imageShape;
    const size = n * h * w * c;
    if (x.length < size) throw new Error(`Expected ${size} input values for ${n} images of ${h}×${w}×${c}, got ${x.length}.`);
    return this.tf.tensor4d(x.length === size ? x : x.subarray(0, size), [n, h, w, c]);
  }

  /**
   * Forward + backward on one shard; does not touch the weights. The gradients are those of
   * `scale` × the shard's mean loss (a data-parallel worker passes its share of the batch).
   */
  computeGradients(x: Float32Array, y: Int32Array, n: number, scale = 1): ShardGradients {
    if (this.direct !== null) return this.direct.gradients(x, y.length === n ? y : y.subarray(0, n), n, scale);
    const tf = this.tf;
    return tf.tidy(() => {
      const xs = this.images(x, n);
      const labels = tf.tensor1d(y.length === n ? y : y.subarray(0, n), 'int32');
      let correct: tfjs.Tensor | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const probs = this.forward(xs) as tfjs.Tensor2D;
        correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(probs, 1), labels), 'float32')));
        // −mean log p[label], with p clipped like Keras does.
        const picked = tf.sum(tf.mul(probs, tf.oneHot(labels, this.numClasses)), 1);
        const loss = tf.neg(tf.mean(tf.log(tf.clipByValue(picked, EPSILON, 1 - EPSILON))));
        return (scale === 1 ? loss : tf.mul(loss, scale)) as tfjs.Scalar;
      }, this.variables);
      const result = {
        loss: value.dataSync()[0]! / scale,
        correct: correct!.dataSync()[0]!,
        grads: this.variables.map((v) => tf.keep(grads[v.name]!)),
      };
      correct!.dispose();
      return result;
    });
  }

  /** Applies one optimizer update with the given gradients (in variable order). */
  applyGradients(grads: tfjs.Tensor[]): void {
    if (this.flatAdam !== null) {
      this.flatAdam.applyTensors(grads);
      return;
    }
    this.optimizer.applyGradients(this.variables.map((v, i) => ({ name: v.name, tensor: grads[i]! })));
  }

  /** Writes the gradients, flattened in variable order, into `dst` (parameterCount floats). */
  writeFlat(grads: tfjs.Tensor[], dst: Float32Array): void {
    // On wasm straight from the heap (dataSync would copy each tensor out first).
    const backend = this.tf.getBackend() === 'wasm' ? asWasmBackend(this.tf.backend()) : null;
    let offset = 0;
    for (const g of grads) {
      dst.set(backend === null ? g.dataSync() as Float32Array : f32View(backend, g), offset);
      offset += g.size;
    }
  }

  /** Sums flattened gradient vectors and applies one optimizer update with the result. */
  applyFlat(flats: Float32Array[]): void {
    if (this.flatAdam !== null) {
      this.flatAdam.apply(flats);
      return;
    }
    const tf = this.tf;
    const grads = tf.tidy(() => {
      let offset = 0;
      return this.variables.map((v) => {
        const parts = flats.map((f) => tf.tensor(f.subarray(offset, offset + v.size), v.shape));
        offset += v.size;
        return parts.length === 1 ? parts[0]! : tf.addN(parts);
      });
    });
    this.applyGradients(grads);
    tf.dispose(grads);
  }

  get parameterCount(): number {
    return this.variables.reduce((sum, v) => sum + v.size, 0);
  }

  trainBatch(x: Float32Array, y: Int32Array, n: number): BatchResult {
    const { loss, correct, grads } = this.computeGradients(x, y, n);
    this.applyGradients(grads);
    this.tf.dispose(grads);
    return { loss, accuracy: correct / n };
  }

  predictBatch(x: Float32Array, n: number): Float32Array {
    if (this.direct !== null) return this.direct.predict(x, n);
    const tf = this.tf;
    const probs = tf.tidy(() => this.model.apply(this.images(x, n), { training: false }) as tfjs.Tensor);
    const out = probs.dataSync() as Float32Array;
    probs.dispose();
    return out;
  }

  getWeights(): WeightSet {
    return this.model.weights.map((v) => {
      const t = v.read();
      return { name: v.originalName, shape: [...t.shape], data: Float32Array.from(t.dataSync()) };
    });
  }

  setWeights(weights: WeightSet): void {
    const targets = this.model.weights;
    if (weights.length !== targets.length) {
      throw new Error(`Expected ${targets.length} weight tensors, got ${weights.length}.`);
    }
    const tensors = weights.map((w, i) => {
      const target = targets[i]!;
      if (w.shape.join('x') !== target.shape.join('x')) {
        throw new Error(`Weight ${i} (${w.name}) has shape [${w.shape}], the model expects [${target.shape}] (${target.originalName}).`);
      }
      return this.tf.tensor(w.data, w.shape);
    });
    this.model.setWeights(tensors);
    this.tf.dispose(tensors);
  }

  async getOptimizerState(): Promise<WeightSet> {
    if (this.flatAdam !== null) return this.flatAdam.getState();
    const named = await this.optimizer.getWeights();
    const state = named.map(({ name, tensor }) => ({
      name, shape: [...tensor.shape], data: Float32Array.from(tensor.dataSync()),
    }));
    // The iteration count comes back as a new scalar (Optimizer.saveIterations); the other entries
    // are the optimizer's own variables and must stay alive.
    for (const { name, tensor } of named) if (name === 'iter') tensor.dispose();
    return state;
  }

  async setOptimizerState(state: WeightSet): Promise<void> {
    if (this.flatAdam !== null) {
      this.flatAdam.setState(state);
      return;
    }
    const named = state.map(({ name, shape, data }) => ({ name, tensor: this.tf.tensor(data, shape) }));
    await this.optimizer.setWeights(named);
    this.tf.dispose(named.map((n) => n.tensor));
  }

  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
    this.flatAdam?.dispose();
  }
}

function makeOptimizer(tf: Tf, spec: OptimizerSpec): tfjs.Optimizer {
  switch (spec.name) {
    case 'adam': return tf.train.adam(spec.learningRate);
    case 'sgd': return tf.train.sgd(spec.learningRate);
    case 'rmsprop': return tf.train.rmsprop(spec.learningRate);
  }
}
