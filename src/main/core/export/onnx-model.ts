// A tfjs Sequential classifier as a standard ONNX model (opset 13), written with onnx-proto's
// protobufjs classes. An image input stays NHWC raw pixels like the tfjs model's; a Transpose to NCHW
// runs before the first conv, and the tensor is transposed back to NHWC before Flatten so the Dense
// weights see the features in the order they were trained on. A [batch, features] input (the head of
// a face-embedding run) goes straight into its Dense layers.
import type * as tfjs from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { FacetError } from '../../../shared/errors.js';

const { onnx } = onnxProto;
type INode = onnxProto.onnx.INodeProto;
type ITensor = onnxProto.onnx.ITensorProto;
type IAttribute = onnxProto.onnx.IAttributeProto;

export const ONNX_OPSET = 13;
/** IR version 7 is the one opset 13 came with: the widest range of runtimes reads it. */
const IR_VERSION = 7;
export const ONNX_INPUT = 'image';
/** Input name of a model on [batch, features] vectors (a face-embedding head's descriptors). */
export const ONNX_VECTOR_INPUT = 'face_descriptor';
export const ONNX_OUTPUT = 'probabilities';

type Layout = 'NHWC' | 'NCHW';
type Config = Record<string, unknown>;

export interface OnnxModelOptions {
  producerVersion: string;
  docString?: string;
  /** Stored as the model's metadata_props (classes, preprocessing…). */
  metadata?: Record<string, string>;
}

/** The graph input's name: ONNX_INPUT for images [batch, h, w, c], ONNX_VECTOR_INPUT for vectors [batch, n]. */
export function onnxInputName(model: tfjs.LayersModel): string {
  return model.inputs[0]?.shape.length === 2 ? ONNX_VECTOR_INPUT : ONNX_INPUT;
}

const attr = {
  int: (name: string, i: number): IAttribute => ({ name, type: onnx.AttributeProto.AttributeType.INT, i }),
  ints: (name: string, ints: number[]): IAttribute => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints }),
  float: (name: string, f: number): IAttribute => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f }),
  string: (name: string, s: string): IAttribute => ({ name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(s) }),
};

class GraphBuilder {
  readonly nodes: INode[] = [];
  readonly initializers: ITensor[] = [];
  private readonly used = new Set<string>();

  private unique(name: string): string {
    let out = name;
    for (let i = 2; this.used.has(out); i++) out = `${name}_${i}`;
    this.used.add(out);
    return out;
  }

  constant(name: string, dims: number[], data: Float32Array): string {
    const unique = this.unique(name);
    const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    this.initializers.push({ name: unique, dataType: onnx.TensorProto.DataType.FLOAT, dims, rawData: bytes });
    return unique;
  }

  /** Adds a node with one output and returns the output's name. */
  node(opType: string, name: string, inputs: string[], attribute: IAttribute[] = []): string {
    const nodeName = this.unique(name);
    const output = this.unique(`${nodeName}:0`);
    this.nodes.push({ name: nodeName, opType, input: inputs, output: [output], attribute });
    return output;
  }
}

function unsupported(layer: tfjs.layers.Layer, why?: string): FacetError {
  return new FacetError('invalid-argument', `Layer "${layer.name}" (${layer.getClassName()}) has no ONNX mapping${why ? `: ${why}` : ''}.`, {
    field: 'format',
    hint: 'Export this run with --format tfjs instead; ONNX export covers Rescaling, Conv2D, MaxPooling2D, Flatten, Dense, Dropout, ReLU, Softmax, Activation and BatchNormalization.',
  });
}

/** The layer's weights by their short name (kernel, bias, gamma…), as float32 arrays. */
function weightsOf(layer: tfjs.layers.Layer): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const w of layer.weights) {
    const short = (w.originalName ?? w.name).split('/').pop()!.replace(/_\d+$/, '');
    out.set(short, { shape: w.shape.map((d) => d ?? 0), data: Float32Array.from(w.read().dataSync()) });
  }
  return out;
}

function pair(value: unknown, what: string): [number, number] {
  const v = Array.isArray(value) ? value : [value, value];
  if (v.length !== 2 || !v.every((n) => typeof n === 'number')) throw new Error(`bad ${what}: ${JSON.stringify(value)}`);
  return [v[0] as number, v[1] as number];
}

/**
 * Explicit ONNX pads [top, left, bottom, right] of a 'same' window over the layer's input, as
 * TensorFlow places them (the odd pixel at the bottom/right). Explicit pads rather than
 * auto_pad=SAME_UPPER: the attribute is deprecated and not every runtime honours it.
 */
function samePads(layer: tfjs.layers.Layer, kernel: number[], strides: number[], dilations: number[]): number[] {
  const shape = (layer.input as tfjs.SymbolicTensor).shape;
  const begin: number[] = [];
  const end: number[] = [];
  for (let axis = 0; axis < 2; axis++) {
    const size = shape[1 + axis];
    if (typeof size !== 'number') throw unsupported(layer, "'same' padding over an input of unknown size");
    const effective = (kernel[axis]! - 1) * dilations[axis]! + 1;
    const total = Math.max((Math.ceil(size / strides[axis]!) - 1) * strides[axis]! + effective - size, 0);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  }
  return [...begin, ...end];
}

/** Converts a tfjs Sequential model to ONNX bytes; a layer without a mapping throws a FacetError naming it. */
export function layersModelToOnnx(model: tfjs.LayersModel, opts: OnnxModelOptions): Uint8Array {
  if (model.getClassName() !== 'Sequential' || model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new FacetError('invalid-argument', `Model "${model.name}" (${model.getClassName()}) is not a single-input, single-output Sequential model.`, {
      field: 'format',
      hint: 'ONNX export covers the Sequential presets; export this run with --format tfjs instead.',
    });
  }
  const inputShape = model.inputs[0]!.shape;
  if ((inputShape.length !== 4 && inputShape.length !== 2) || inputShape.slice(1).some((d) => d === null)) {
    throw new FacetError('invalid-argument', `Model "${model.name}" takes input of shape [${inputShape.join(', ')}]; ONNX export expects images [batch, height, width, channels] or vectors [batch, features].`, { field: 'format' });
  }
  const g = new GraphBuilder();
  const inputName = onnxInputName(model);
  let x = inputName;
  let layout: Layout = 'NHWC';
  let rank = inputShape.length;
  const toNchw = (layer: tfjs.layers.Layer) => {
    if (layout === 'NHWC' && rank === 4) {
      x = g.node('Transpose', `${layer.name}/to_nchw`, [x], [attr.ints('perm', [0, 3, 1, 2])]);
      layout = 'NCHW';
    }
  };
  const toNhwc = (layer: tfjs.layers.Layer) => {
    if (layout === 'NCHW') {
      x = g.node('Transpose', `${layer.name}/to_nhwc`, [x], [attr.ints('perm', [0, 2, 3, 1])]);
      layout = 'NHWC';
    }
  };
  const activation = (layer: tfjs.layers.Layer, name: unknown) => {
    switch (name ?? 'linear') {
      case 'linear':
        return;
      case 'relu':
        x = g.node('Relu', `${layer.name}/Relu`, [x]);
        return;
      case 'sigmoid':
        x = g.node('Sigmoid', `${layer.name}/Sigmoid`, [x]);
        return;
      case 'tanh':
        x = g.node('Tanh', `${layer.name}/Tanh`, [x]);
        return;
      case 'softmax':
        // Keras' softmax runs over the last axis; in NCHW that is the channel axis, 1.
        x = g.node('Softmax', `${layer.name}/Softmax`, [x], [attr.int('axis', layout === 'NCHW' && rank === 4 ? 1 : -1)]);
        return;
      default:
        throw unsupported(layer, `activation "${String(name)}"`);
    }
  };

  for (const layer of model.layers) {
    const type = layer.getClassName();
    const config = layer.getConfig() as Config;
    const w = weightsOf(layer);
    switch (type) {
      case 'InputLayer':
        break;
      case 'Rescaling': {
        const scale = config.scale as number;
        const offset = (config.offset as number | undefined) ?? 0;
        x = g.node('Mul', `${layer.name}/Mul`, [x, g.constant(`${layer.name}/scale`, [], Float32Array.of(scale))]);
        if (offset !== 0) x = g.node('Add', `${layer.name}/Add`, [x, g.constant(`${layer.name}/offset`, [], Float32Array.of(offset))]);
        break;
      }
      case 'Conv2D': {
        if (config.dataFormat !== 'channelsLast') throw unsupported(layer, `data format ${String(config.dataFormat)}`);
        if (config.padding !== 'valid' && config.padding !== 'same') throw unsupported(layer, `padding "${String(config.padding)}"`);
        const kernel = w.get('kernel');
        if (!kernel || kernel.shape.length !== 4) throw unsupported(layer, 'no 4-d kernel');
        toNchw(layer);
        const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
        // tfjs kernel [kh, kw, in, out] → ONNX weight [out, in, kh, kw].
        const oihw = new Float32Array(kernel.data.length);
        for (let y = 0; y < kh; y++)
          for (let xk = 0; xk < kw; xk++)
            for (let i = 0; i < cin; i++)
              for (let o = 0; o < cout; o++) oihw[((o * cin + i) * kh + y) * kw + xk] = kernel.data[((y * kw + xk) * cin + i) * cout + o]!;
        const inputs = [x, g.constant(`${layer.name}/kernel`, [cout, cin, kh, kw], oihw)];
        const bias = w.get('bias');
        if (bias) inputs.push(g.constant(`${layer.name}/bias`, [cout], bias.data));
        x = g.node('Conv', `${layer.name}/Conv`, inputs, [
          attr.ints('kernel_shape', [kh, kw]),
          attr.ints('strides', pair(config.strides, 'strides')),
          attr.ints('dilations', pair(config.dilationRate, 'dilation rate')),
          attr.ints('pads', config.padding === 'same' ? samePads(layer, [kh, kw], pair(config.strides, 'strides'), pair(config.dilationRate, 'dilation rate')) : [0, 0, 0, 0]),
        ]);
        activation(layer, config.activation);
        break;
      }
      case 'MaxPooling2D': {
        if (config.dataFormat !== undefined && config.dataFormat !== 'channelsLast') throw unsupported(layer, `data format ${String(config.dataFormat)}`);
        if (config.padding !== 'valid' && config.padding !== 'same') throw unsupported(layer, `padding "${String(config.padding)}"`);
        toNchw(layer);
        const pool = pair(config.poolSize, 'pool size');
        x = g.node('MaxPool', `${layer.name}/MaxPool`, [x], [
          attr.ints('kernel_shape', pool),
          attr.ints('strides', pair(config.strides ?? config.poolSize, 'strides')),
          attr.ints('pads', config.padding === 'same' ? samePads(layer, pool, pair(config.strides ?? config.poolSize, 'strides'), [1, 1]) : [0, 0, 0, 0]),
        ]);
        break;
      }
      case 'Flatten':
        toNhwc(layer);
        x = g.node('Flatten', `${layer.name}/Flatten`, [x], [attr.int('axis', 1)]);
        rank = 2;
        break;
      case 'Dense': {
        if (rank !== 2) throw unsupported(layer, 'Dense on a tensor of rank > 2 (add a Flatten before it)');
        const kernel = w.get('kernel');
        if (!kernel || kernel.shape.length !== 2) throw unsupported(layer, 'no 2-d kernel');
        const b = g.constant(`${layer.name}/kernel`, kernel.shape, kernel.data);
        const bias = w.get('bias');
        x = bias
          ? g.node('Gemm', `${layer.name}/Gemm`, [x, b, g.constant(`${layer.name}/bias`, bias.shape, bias.data)])
          : g.node('MatMul', `${layer.name}/MatMul`, [x, b]);
        activation(layer, config.activation);
        break;
      }
      case 'Dropout':
      case 'SpatialDropout1D':
      case 'GaussianNoise':
      case 'GaussianDropout':
        // Only active while training.
        x = g.node('Identity', `${layer.name}/Identity`, [x]);
        break;
      case 'Activation':
        activation(layer, config.activation);
        break;
      case 'ReLU':
        if (config.maxValue !== undefined && config.maxValue !== null) throw unsupported(layer, 'ReLU with maxValue');
        activation(layer, 'relu');
        break;
      case 'Softmax': {
        const axis = (config.axis as number | undefined) ?? -1;
        if (axis !== -1 && axis !== rank - 1) throw unsupported(layer, `softmax over axis ${axis}`);
        activation(layer, 'softmax');
        break;
      }
      case 'BatchNormalization': {
        const axis = config.axis as number;
        if (axis !== -1 && axis !== rank - 1) throw unsupported(layer, `normalisation over axis ${axis}`);
        toNchw(layer); // the channel axis is 1: NCHW for images, [N, C] after Flatten
        const mean = w.get('moving_mean');
        const variance = w.get('moving_variance');
        if (!mean || !variance) throw unsupported(layer, 'no moving statistics');
        const c = mean.data.length;
        const gamma = w.get('gamma')?.data ?? new Float32Array(c).fill(1);
        const beta = w.get('beta')?.data ?? new Float32Array(c);
        x = g.node('BatchNormalization', `${layer.name}/BatchNormalization`, [
          x,
          g.constant(`${layer.name}/gamma`, [c], gamma),
          g.constant(`${layer.name}/beta`, [c], beta),
          g.constant(`${layer.name}/moving_mean`, [c], mean.data),
          g.constant(`${layer.name}/moving_variance`, [c], variance.data),
        ], [attr.float('epsilon', config.epsilon as number)]);
        break;
      }
      default:
        throw unsupported(layer);
    }
  }
  toNhwc(model.layers.at(-1)!);
  const last = g.nodes.at(-1);
  if (!last) throw new FacetError('invalid-argument', `Model "${model.name}" has no layers to export.`, { field: 'format' });
  last.output = [ONNX_OUTPUT];

  const outputShape = model.outputs[0]!.shape;
  const valueInfo = (name: string, shape: (number | null)[]) => ({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: shape.map((d, i) => (d === null || i === 0 ? { dimParam: 'batch' } : { dimValue: d })) },
      },
    },
  });
  const modelProto = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'Facet Studio',
    producerVersion: opts.producerVersion,
    docString: opts.docString ?? '',
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: model.name,
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo(inputName, inputShape)],
      output: [valueInfo(ONNX_OUTPUT, outputShape)],
    },
  });
  return onnx.ModelProto.encode(modelProto).finish();
}
