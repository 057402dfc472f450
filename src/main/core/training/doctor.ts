// What `facet doctor` reports about the training engine: which backend runs and why.
import os from 'node:os';
import type { EngineSummary } from '../../../shared/runs.js';
import { loadEngine } from './engine/index.js';

export async function engineSummary(): Promise<EngineSummary> {
  const { info } = await loadEngine();
  return { ...info, node: process.version, platform: `${process.platform}-${process.arch}`, cpus: os.availableParallelism() };
}
