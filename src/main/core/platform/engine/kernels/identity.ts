// Identity, and Cast to the same dtype, without copying: the result shares the input's memory, as
// on the cpu backend (wasm kernels never write into their inputs). The stock wasm kernels copy,
// which costs a full pass in every ReLU gradient (dy · cast(step(x), 'float32')).
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { asWasmBackend, type KernelArgs } from './wasm-backend.js';

function alias(args: KernelArgs): TensorInfo {
  const x = args.inputs['x'] as TensorInfo;
  const backend = asWasmBackend(args.backend) as unknown as { incRef(dataId: TensorInfo['dataId']): void };
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

export function identityConfig(stockIdentity: KernelFunc): KernelConfig {
  return {
    kernelName: 'Identity', backendName: 'wasm',
    kernelFunc: (args) => ((args.inputs['x'] as TensorInfo).dtype === 'string' ? stockIdentity(args) : alias(args)),
  };
}

export function castConfig(stockCast: KernelFunc): KernelConfig {
  return {
    kernelName: 'Cast', backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs['x'] as TensorInfo;
      const { dtype } = args.attrs as { dtype: string };
      return x.dtype === dtype && dtype !== 'string' ? alias(args) : stockCast(args);
    },
  };
}
