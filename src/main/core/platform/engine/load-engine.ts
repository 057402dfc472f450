// Picks the fastest tfjs engine that loads here: native libtensorflow, else wasm with Facet's
// gradient kernels, else the stock cpu backend (with a loud warning: it is ~300× slower).
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { registerFastKernels } from './kernels/register.js';
import { restoreRemovedUtilChecks } from './node-util-shim.js';
import type { BackendName, Engine, EngineInfo, LoadEngineOptions, Tf } from './types.js';

const NATIVE_HINT =
  'Reinstall Facet (npm ci) on a machine with network access so @tensorflow/tfjs-node can fetch ' +
  'libtensorflow, the native engine with its own multithreaded kernels.';

const loaded = new Map<string, Promise<Engine>>();

/**
 * Loads (once per process and preference) the engine and makes its backend tfjs' active one;
 * later calls return the same engine, re-activated (another preference may have switched tfjs'
 * global backend in between).
 */
export async function loadEngine(opts: LoadEngineOptions = {}): Promise<Engine> {
  const prefer = opts.prefer ?? 'auto';
  const key = `${prefer}/${opts.threads ?? ''}`;
  let pending = loaded.get(key);
  if (pending === undefined) {
    pending = pickEngine(prefer, opts.threads);
    loaded.set(key, pending);
    pending.catch(() => loaded.delete(key));
  }
  const engine = await pending;
  if (engine.info.backend !== 'tensorflow') await activate(engine.tf, engine.info.backend);
  return engine;
}

async function pickEngine(prefer: LoadEngineOptions['prefer'], threads?: number): Promise<Engine> {
  const failures: string[] = [];
  // Installed but failing to load is a different fact from not installed: doctor and the status bar say which.
  const nativeBroken: string[] = [];
  if (prefer === 'auto' || prefer === 'tensorflow') {
    // tfjs-node 4.22 calls util functions Node 23+ (Electron 43+) removed.
    restoreRemovedUtilChecks();
    for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
      try {
        const tf = await importTf(pkg);
        await tf.ready();
        return {
          tf,
          info: {
            backend: 'tensorflow',
            reason: `Using the native TensorFlow engine from ${pkg}.`,
            tfjsVersion: tf.version.tfjs,
            threads: availableParallelism(),
          },
        };
      } catch (error) {
        failures.push(`${pkg}: ${firstLine(error)}`);
        if (!isNotInstalled(error, pkg)) nativeBroken.push(`${pkg} is installed but could not load (${firstLine(error)})`);
      }
    }
    if (prefer === 'tensorflow') {
      throw new Error(`The native TensorFlow engine is not available (${failures.join('; ')}). ${NATIVE_HINT}`);
    }
  }
  const tf = await importTf('@tensorflow/tfjs');
  // Reinstalling does not help a package that is there and fails to load: then the reason says why.
  const nativeHint = prefer === 'auto' && nativeBroken.length === 0 ? NATIVE_HINT : undefined;
  if (prefer !== 'cpu') {
    try {
      const wasmThreads = await activateWasm(tf, threads);
      return {
        tf,
        info: withHint({
          backend: 'wasm',
          reason: prefer === 'wasm'
            ? 'Using the WebAssembly engine (XNNPACK) with Facet\'s gradient kernels, as requested.'
            : `${nativeBroken.length > 0 ? `The native TensorFlow engine: ${nativeBroken.join('; ')}` : 'The native TensorFlow engine (@tensorflow/tfjs-node) is not installed'}, ` +
              'so Facet trains on the WebAssembly engine (XNNPACK) with its own gradient kernels.',
          tfjsVersion: tf.version.tfjs,
          threads: wasmThreads,
        }, nativeHint),
      };
    } catch (error) {
      failures.push(`@tensorflow/tfjs-backend-wasm: ${firstLine(error)}`);
      if (prefer === 'wasm') throw new Error(`The WebAssembly engine could not load (${failures.join('; ')}).`);
    }
  }
  await activate(tf, 'cpu');
  return {
    tf,
    info: withHint({
      backend: 'cpu',
      reason: prefer === 'cpu'
        ? 'Using the stock JavaScript cpu engine, as requested.'
        : 'Neither the native nor the WebAssembly engine could load, so Facet uses the stock JavaScript cpu engine.',
      tfjsVersion: tf.version.tfjs,
      threads: 1,
      ...(prefer === 'cpu' ? {} : {
        warning: `Training will be very slow (about 1 image/s at 64×64): ${failures.join('; ')}.`,
      }),
    }, nativeHint),
  };
}

function withHint(info: EngineInfo, nativeHint: string | undefined): EngineInfo {
  return nativeHint === undefined ? info : { ...info, nativeHint };
}

async function importTf(specifier: string): Promise<Tf> {
  const mod = (await import(specifier)) as Tf & { default?: Tf };
  // CommonJS bundles seen through ESM: the named exports are usually there, `default` always is.
  return typeof mod.setBackend === 'function' ? mod : (mod.default as Tf);
}

async function activate(tf: Tf, name: BackendName | 'wasm'): Promise<void> {
  if (tf.getBackend() !== name) {
    const ok = await tf.setBackend(name);
    if (!ok) throw new Error(`tf.setBackend('${name}') failed.`);
  }
  await tf.ready();
}

let wasmPathsSet = false;

/** Loads the wasm backend from the installed package's own .wasm files and installs our kernels. */
async function activateWasm(tf: Tf, threads?: number): Promise<number> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  if (!wasmPathsSet) {
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': path.join(dir, 'tfjs-backend-wasm.wasm'),
      'tfjs-backend-wasm-simd.wasm': path.join(dir, 'tfjs-backend-wasm-simd.wasm'),
      'tfjs-backend-wasm-threaded-simd.wasm': path.join(dir, 'tfjs-backend-wasm-threaded-simd.wasm'),
    });
    // Under Node the threaded binary is never picked (no multithreading support is reported), so
    // the XNNPACK thread count stays 1: Facet gets its parallelism from worker replicas instead.
    if (threads !== undefined) wasm.setThreadsCount(threads);
    wasmPathsSet = true;
  }
  await activate(tf, 'wasm');
  registerFastKernels(tf);
  return wasm.getThreadsCount();
}

/** The package itself is absent (not one of its own imports failing inside it). */
function isNotInstalled(error: unknown, pkg: string): boolean {
  const code = (error as { code?: string } | null)?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && firstLine(error).includes(`'${pkg}'`);
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
