// Installs Facet's kernels on the tfjs wasm backend.
import type { KernelConfig } from '@tensorflow/tfjs';
import type { Tf } from '../types.js';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
import { convPoolGradConfig } from './conv-pool-grad.js';
import { denseConfig } from './dense.js';
import { castConfig, identityConfig } from './identity.js';
import { matMulConfig } from './mat-mul.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { reluGradConfig } from './relu-grad.js';
import { captureStockKernels } from './stock.js';
import { sumConfig } from './sum.js';

/** Kernel configs we install (call before any is installed: they wrap the stock ones). */
export function fastKernelConfigs(tf: Tf): KernelConfig[] {
  const stock = captureStockKernels(tf);
  return [
    conv2dBackpropFilterConfig(tf, stock),
    conv2dBackpropInputConfig(tf),
    maxPoolGradConfig(tf),
    sumConfig(tf, stock),
    matMulConfig(stock),
    identityConfig(stock.identity),
    castConfig(stock.cast),
    reluGradConfig(),
    convPoolGradConfig(),
    denseConfig(),
  ];
}

const installed = new WeakSet<object>();

/**
 * Registers our kernels for 'wasm'. Call after the wasm backend is initialised. Replacing a stock
 * kernel keeps its whole config (its setupFunc above all: without it the stock kernel's C binding
 * is never created when the backend is set up again), only the kernelFunc changes.
 */
export function registerFastKernels(tf: Tf): void {
  if (installed.has(tf)) return;
  for (const config of fastKernelConfigs(tf)) {
    const stock = tf.getKernel(config.kernelName, 'wasm');
    if (stock !== undefined) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({ ...config, setupFunc: stock?.setupFunc, disposeFunc: stock?.disposeFunc });
  }
  installed.add(tf);
}
