import { describe, expect, it } from 'vitest';
import { loadEngine } from '../../../../../src/main/core/platform/engine/index.js';

describe('loadEngine', () => {
  it('falls back to wasm with our kernels when the native engine is not installed, and says why', async () => {
    const { tf, info } = await loadEngine();
    // tfjs-node cannot be installed on this machine (no network for libtensorflow).
    expect(info.backend).toBe('wasm');
    expect(info.reason).toMatch(/not installed/);
    expect(info.nativeHint).toMatch(/network access/);
    expect(info.warning).toBeUndefined();
    expect(info.tfjsVersion).toBe(tf.version.tfjs);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('is idempotent: a second load returns the same engine', async () => {
    const a = await loadEngine({ prefer: 'wasm' });
    const b = await loadEngine({ prefer: 'wasm' });
    expect(b).toBe(a);
    // Replacing a stock kernel kept its setup function.
    expect(a.tf.getKernel('BatchMatMul', 'wasm')?.setupFunc).toBeTypeOf('function');
  });

  it('gives the stock cpu engine when asked, without a warning', async () => {
    const { info } = await loadEngine({ prefer: 'cpu' });
    expect(info.backend).toBe('cpu');
    expect(info.warning).toBeUndefined();
  });

  it('says how to get the native engine when it is asked for and missing', async () => {
    await expect(loadEngine({ prefer: 'tensorflow' })).rejects.toThrow(/network access/);
  });
});
