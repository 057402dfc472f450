// Training forward pass of a Sequential model with Conv2D and Dense layers run as fused ops:
// one XNNPACK call does convolution (or matmul) + bias + ReLU, and the gradient is written out by
// hand: dz = dy where y > 0 (one pass), dW and dx by the gradient kernels, db = Σ dz. tfjs-layers
// itself cannot fuse while recording gradients, so it runs conv → add → relu and differentiates
// them one by one (three extra passes forward, three back). A Conv2D (valid, stride 1) followed
// by a 2×2 MaxPooling2D runs forward as conv → pool and backward as one kernel from the pooled
// gradient (kernels/conv-pool-grad.ts: only the windows' winners carry a gradient). Other layers
// run as tfjs-layers does.
import type * as tfjs from '@tensorflow/tfjs';
import { CONV_POOL_GRAD, convPoolGradKernel, type ConvPoolGradAttrs } from './kernels/conv-pool-grad.js';
import { RELU_GRAD } from './kernels/relu-grad.js';
import { asWasmBackend } from './kernels/wasm-backend.js';
import type { Tf } from './types.js';

type Forward = (x: tfjs.Tensor) => tfjs.Tensor;

interface ConvConfig {
  filters: number;
  strides: number[];
  padding: 'valid' | 'same' | 'causal';
  dataFormat: 'channelsFirst' | 'channelsLast';
  dilationRate: number | number[];
  activation: string;
  useBias: boolean;
}

interface PoolConfig {
  poolSize: number[];
  strides: number[];
  padding: string;
  dataFormat: string;
}

interface DenseConfig {
  activation: string;
  useBias: boolean;
}

/** A layer's trainable weight by name ('kernel', 'bias'), as the variable the optimizer updates. */
export function layerWeight(layer: tfjs.layers.Layer, suffix: string): tfjs.Variable | undefined {
  const found = layer.trainableWeights.find((w) => w.originalName.endsWith(`/${suffix}`));
  return found?.read() as tfjs.Variable | undefined;
}

/**
 * The fused training forward of `model`, or null when the model is not a plain chain of layers
 * (then the caller uses model.apply). Only for the wasm backend (it uses Facet's wasm kernels).
 */
export function fusedTrainingForward(tf: Tf, model: tfjs.LayersModel): Forward | null {
  if (!(model instanceof tf.Sequential)) return null;
  const steps: Forward[] = [];
  let gradientBelow = false; // does any earlier layer have trainable weights?
  const layers = model.layers;
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i]!;
    const needsInputGrad = gradientBelow;
    const single = fusedStep(tf, layer, needsInputGrad) ?? ((x: tfjs.Tensor) => layer.apply(x, { training: true }) as tfjs.Tensor);
    const next = layers[i + 1];
    const block = next === undefined ? null : convPoolStep(tf, layer, next, needsInputGrad);
    if (block !== null) {
      const pool = next!;
      // Shapes the block kernel does not take run as the two layers.
      steps.push((x) => block(x) ?? pool.apply(single(x), { training: true }) as tfjs.Tensor);
      i++;
    } else {
      steps.push(single);
    }
    if (layer.trainableWeights.length > 0) gradientBelow = true;
  }
  return (x) => steps.reduce((t, step) => step(t), x);
}

/** Conv2D (valid or same, stride 1, relu or linear) followed by MaxPooling2D 2×2/2 valid, as one op; null when not that pair. */
function convPoolStep(tf: Tf, conv: tfjs.layers.Layer, pool: tfjs.layers.Layer, needsInputGrad: boolean): ((x: tfjs.Tensor) => tfjs.Tensor | null) | null {
  if (conv.getClassName() !== 'Conv2D' || pool.getClassName() !== 'MaxPooling2D') return null;
  const c = conv.getConfig() as unknown as ConvConfig;
  const p = pool.getConfig() as unknown as PoolConfig;
  const dilations = Array.isArray(c.dilationRate) ? c.dilationRate : [c.dilationRate, c.dilationRate];
  const kernel = layerWeight(conv, 'kernel');
  const bias = c.useBias ? layerWeight(conv, 'bias') : undefined;
  if (c.dataFormat !== 'channelsLast' || c.padding === 'causal' || c.strides.some((s) => s !== 1) || dilations.some((d) => d !== 1)) return null;
  if ((c.activation !== 'relu' && c.activation !== 'linear') || kernel === undefined || (c.useBias && bias === undefined)) return null;
  if (p.dataFormat !== 'channelsLast' || p.padding !== 'valid' || p.poolSize.some((s) => s !== 2) || p.strides.some((s) => s !== 2)) return null;
  const activation = c.activation;
  const pad = c.padding;
  return (x) => {
    const [, h, w, ci] = x.shape as number[];
    const [kh, kw, , co] = kernel.shape as number[];
    // 'same' runs on a padded copy: the kernel sees the padded size.
    const grow = pad === 'same' ? [kh! - 1, kw! - 1] : [0, 0];
    const shape = { h: h! + grow[0]!, w: w! + grow[1]!, ci: ci!, kh: kh!, kw: kw!, co: co!, relu: activation === 'relu', inputGrad: needsInputGrad };
    if (x.rank !== 4 || convPoolGradKernel(asWasmBackend(tf.backend()).wasm.asm?.memory, shape) === null) return null;
    return fusedConvPool(tf, x, kernel, bias, activation, pad, needsInputGrad);
  };
}

function fusedStep(tf: Tf, layer: tfjs.layers.Layer, needsInputGrad: boolean): Forward | null {
  const kind = layer.getClassName();
  if (kind === 'Conv2D') {
    const c = layer.getConfig() as unknown as ConvConfig;
    const dilations = Array.isArray(c.dilationRate) ? c.dilationRate : [c.dilationRate, c.dilationRate];
    const kernel = layerWeight(layer, 'kernel');
    const bias = c.useBias ? layerWeight(layer, 'bias') : undefined;
    if (c.dataFormat !== 'channelsLast' || c.padding === 'causal' || dilations.some((d) => d !== 1)) return null;
    if ((c.activation !== 'relu' && c.activation !== 'linear') || kernel === undefined || (c.useBias && bias === undefined)) return null;
    return fusedConv2d(tf, kernel, bias, c.strides as [number, number], c.padding, c.activation, needsInputGrad);
  }
  if (kind === 'Dense') {
    const c = layer.getConfig() as unknown as DenseConfig;
    const kernel = layerWeight(layer, 'kernel');
    const bias = c.useBias ? layerWeight(layer, 'bias') : undefined;
    if ((c.activation !== 'relu' && c.activation !== 'linear') || kernel === undefined || (c.useBias && bias === undefined)) return null;
    return (x) => (x.rank === 2 ? fusedDense(tf, x as tfjs.Tensor2D, kernel as tfjs.Tensor2D, bias, c.activation, needsInputGrad) : layer.apply(x, { training: true }) as tfjs.Tensor);
  }
  return null;
}

/** dz = dy · relu'(y) from the ReLU's output y (y > 0 exactly where the pre-activation is). */
function activationGrad(tf: Tf, activation: string, dy: tfjs.Tensor, y: tfjs.Tensor): tfjs.Tensor {
  return activation === 'relu' ? tf.engine().runKernel(RELU_GRAD, { dy, y }) as tfjs.Tensor : dy;
}

function fusedConv2d(
  tf: Tf, kernel: tfjs.Variable, bias: tfjs.Variable | undefined, strides: [number, number],
  pad: 'valid' | 'same', activation: string, needsInputGrad: boolean,
): Forward {
  const attrs = { strides, pad, dataFormat: 'NHWC', dilations: [1, 1], activation };
  const run = (x: tfjs.Tensor, filter: tfjs.Tensor, b: tfjs.Tensor | undefined, save: tfjs.GradSaveFunc) => {
    const y = tf.engine().runKernel('FusedConv2D', b === undefined ? { x, filter } : { x, filter, bias: b }, attrs as never) as tfjs.Tensor4D;
    save([x, filter, y]);
    return {
      value: y,
      gradFunc: (dy: tfjs.Tensor, saved: tfjs.Tensor[]) => {
        const [sx, sf, sy] = saved as [tfjs.Tensor4D, tfjs.Tensor4D, tfjs.Tensor4D];
        const dz = activationGrad(tf, activation, dy, sy) as tfjs.Tensor4D;
        const grads: tfjs.Tensor[] = [];
        if (needsInputGrad) {
          grads.push(tf.engine().runKernel('Conv2DBackpropInput', { dy: dz, filter: sf }, {
            strides, pad, dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: sx.shape,
          } as never) as tfjs.Tensor);
        }
        grads.push(tf.engine().runKernel('Conv2DBackpropFilter', { x: sx, dy: dz }, {
          strides, pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: sf.shape,
        } as never) as tfjs.Tensor);
        if (b !== undefined) grads.push(tf.sum(dz, [0, 1, 2]));
        return grads;
      },
    };
  };
  return (x) => {
    // Without an input gradient, x is a constant of the op rather than one of its inputs.
    const op = needsInputGrad
      ? tf.customGrad((xi, f, ...rest) => run(xi as tfjs.Tensor, f as tfjs.Tensor, bias === undefined ? undefined : rest[0] as tfjs.Tensor, rest[rest.length - 1] as tfjs.GradSaveFunc))
      : tf.customGrad((f, ...rest) => run(x, f as tfjs.Tensor, bias === undefined ? undefined : rest[0] as tfjs.Tensor, rest[rest.length - 1] as tfjs.GradSaveFunc));
    const inputs = [...(needsInputGrad ? [x] : []), kernel, ...(bias === undefined ? [] : [bias])];
    return op(...inputs);
  };
}

function fusedConvPool(
  tf: Tf, x: tfjs.Tensor, kernel: tfjs.Variable, bias: tfjs.Variable | undefined, activation: 'relu' | 'linear',
  pad: 'valid' | 'same', needsInputGrad: boolean,
): tfjs.Tensor {
  const convAttrs = { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1], activation };
  const poolAttrs = { filterSize: [2, 2], strides: [2, 2], pad: 'valid', dimRoundingMode: undefined };
  const gradAttrs: ConvPoolGradAttrs = { activation, inputGrad: needsInputGrad, pad };
  const run = (xi: tfjs.Tensor, filter: tfjs.Tensor, b: tfjs.Tensor | undefined, save: tfjs.GradSaveFunc) => {
    const y = tf.engine().runKernel('FusedConv2D', b === undefined ? { x: xi, filter } : { x: xi, filter, bias: b }, convAttrs as never) as tfjs.Tensor4D;
    const pooled = tf.engine().runKernel('MaxPool', { x: y }, poolAttrs as never) as tfjs.Tensor4D;
    save([xi, filter, y]);
    return {
      value: pooled,
      gradFunc: (dy: tfjs.Tensor, saved: tfjs.Tensor[]) => {
        const [sx, sf, sy] = saved as [tfjs.Tensor4D, tfjs.Tensor4D, tfjs.Tensor4D];
        const [dw, db, dx] = tf.engine().runKernel(CONV_POOL_GRAD, { x: sx, filter: sf, y: sy, dy }, gradAttrs as never) as unknown as tfjs.Tensor[];
        if (b === undefined) db!.dispose();
        return [...(needsInputGrad ? [dx!] : []), dw!, ...(b === undefined ? [] : [db!])];
      },
    };
  };
  const op = needsInputGrad
    ? tf.customGrad((xi, f, ...rest) => run(xi as tfjs.Tensor, f as tfjs.Tensor, bias === undefined ? undefined : rest[0] as tfjs.Tensor, rest[rest.length - 1] as tfjs.GradSaveFunc))
    : tf.customGrad((f, ...rest) => run(x, f as tfjs.Tensor, bias === undefined ? undefined : rest[0] as tfjs.Tensor, rest[rest.length - 1] as tfjs.GradSaveFunc));
  return op(...(needsInputGrad ? [x] : []), kernel, ...(bias === undefined ? [] : [bias]));
}

function fusedDense(
  tf: Tf, x: tfjs.Tensor2D, kernel: tfjs.Tensor2D, bias: tfjs.Tensor | undefined, activation: string, needsInputGrad: boolean,
): tfjs.Tensor {
  const run = (xi: tfjs.Tensor2D, w: tfjs.Tensor2D, b: tfjs.Tensor | undefined, save: tfjs.GradSaveFunc) => {
    // The wasm kernel takes rank-3 operands (batch of matrices), like tf.fused.matMul passes them.
    const a3 = tf.reshape(xi, [1, ...xi.shape]);
    const b3 = tf.reshape(w, [1, ...w.shape]);
    const y3 = tf.engine().runKernel('_FusedMatMul', b === undefined ? { a: a3, b: b3 } : { a: a3, b: b3, bias: b },
      { transposeA: false, transposeB: false, activation } as never) as tfjs.Tensor3D;
    const y = tf.reshape(y3, [xi.shape[0], w.shape[1]]) as tfjs.Tensor2D;
    save([xi, w, y]);
    return {
      value: y,
      gradFunc: (dy: tfjs.Tensor, saved: tfjs.Tensor[]) => {
        const [sx, sw, sy] = saved as [tfjs.Tensor2D, tfjs.Tensor2D, tfjs.Tensor2D];
        const dz = activationGrad(tf, activation, dy, sy) as tfjs.Tensor2D;
        const grads: tfjs.Tensor[] = [];
        if (needsInputGrad) grads.push(tf.matMul(dz, sw, false, true));
        grads.push(tf.matMul(sx, dz, true, false));
        if (b !== undefined) grads.push(tf.sum(dz, 0));
        return grads;
      },
    };
  };
  const op = needsInputGrad
    ? tf.customGrad((xi, w, ...rest) => run(xi as tfjs.Tensor2D, w as tfjs.Tensor2D, bias === undefined ? undefined : rest[0] as tfjs.Tensor, rest[rest.length - 1] as tfjs.GradSaveFunc))
    : tf.customGrad((w, ...rest) => run(x, w as tfjs.Tensor2D, bias === undefined ? undefined : rest[0] as tfjs.Tensor, rest[rest.length - 1] as tfjs.GradSaveFunc));
  return op(...(needsInputGrad ? [x] : []), kernel, ...(bias === undefined ? [] : [bias]));
}
