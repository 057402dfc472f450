// What `facet doctor` and the status bar report about the training engine: which backend runs, why,
// and how many threads a training run uses (worker replicas on the wasm engine).
import os from 'node:os';
import type { EngineSummary } from '../../../shared/runs.js';
import { loadEngine } from '../platform/engine/index.js';

export async function engineSummary(): Promise<EngineSummary> {
  const { info } = await loadEngine();
  const trainingThreads = info.backend === 'wasm' ? os.availableParallelism() : info.threads;
  return { ...info, threads: trainingThreads, node: process.version, platform: `${process.platform}-${process.arch}`, cpus: os.availableParallelism() };
}
