// Checkpoints of a run in the workspace: `best` (lowest val_loss so far, restored for evaluation,
// since tfjs has no restoreBestWeights) and `last` (weights + optimizer state, for --resume).
import fs from 'node:fs';
import path from 'node:path';
import { writeError } from '../platform/files/write-error.js';
import type { WeightSet } from '../platform/engine/types.js';

export interface CheckpointMeta {
  epoch: number;
  bestEpoch: number | null;
  bestValLoss: number | null;
  bestValAccuracy: number | null;
  /** Epochs without val_loss improvement, for early stopping after a resume. */
  staleEpochs: number;
}

interface TensorEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

interface CheckpointFile {
  meta: CheckpointMeta;
  weights: TensorEntry[];
  optimizer: TensorEntry[];
}

export function runDir(workspaceDir: string, runId: number): string {
  return path.join(workspaceDir, 'runs', String(runId));
}

function pack(sets: WeightSet[]): { entries: TensorEntry[][]; data: Buffer } {
  let offset = 0;
  const entries = sets.map((set) =>
    set.map((w) => {
      const e = { name: w.name, shape: w.shape, offset, length: w.data.length };
      offset += w.data.length;
      return e;
    }),
  );
  const all = new Float32Array(offset);
  sets.forEach((set, s) => set.forEach((w, i) => all.set(w.data, entries[s]![i]!.offset)));
  return { entries, data: Buffer.from(all.buffer, all.byteOffset, all.byteLength) };
}

/**
 * Writes name-EPOCH.bin, then name.json pointing at it (each through a renamed temp file), then drops
 * older .bin files: a kill at any moment leaves a consistent pair.
 */
export function saveCheckpoint(dir: string, name: 'best' | 'last', meta: CheckpointMeta, weights: WeightSet, optimizer: WeightSet = []): void {
  const { entries, data } = pack([weights, optimizer]);
  const file: CheckpointFile = { meta, weights: entries[0]!, optimizer: entries[1]! };
  const binName = `${name}-${meta.epoch}.bin`;
  const bin = path.join(dir, binName);
  const json = path.join(dir, `${name}.json`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(`${bin}.tmp`, data);
    fs.renameSync(`${bin}.tmp`, bin);
    fs.writeFileSync(`${json}.tmp`, JSON.stringify({ ...file, bin: binName, bytes: data.length }));
    fs.renameSync(`${json}.tmp`, json);
  } catch (error) {
    // A full or read-only disk: drop the partial files; the previous pair stays the checkpoint. The
    // clean-up may fail too (the folder could not be made): the write's error is the one to report.
    try {
      for (const partial of [`${bin}.tmp`, `${json}.tmp`]) fs.rmSync(partial, { force: true });
      if (!fs.existsSync(json) || !fs.readFileSync(json, 'utf8').includes(`"bin":"${binName}"`)) fs.rmSync(bin, { force: true });
    } catch {
      // nothing was written there
    }
    throw writeError(error, bin, `the ${name} checkpoint of epoch ${meta.epoch}`);
  }
  for (const f of fs.readdirSync(dir)) {
    if (f.startsWith(`${name}-`) && f.endsWith('.bin') && f !== binName) fs.rmSync(path.join(dir, f), { force: true });
  }
}

export function loadCheckpoint(dir: string, name: 'best' | 'last'): { meta: CheckpointMeta; weights: WeightSet; optimizer: WeightSet } | null {
  const json = path.join(dir, `${name}.json`);
  if (!fs.existsSync(json)) return null;
  const file = JSON.parse(fs.readFileSync(json, 'utf8')) as CheckpointFile & { bin: string; bytes: number };
  const bin = path.join(dir, path.basename(file.bin));
  if (!fs.existsSync(bin)) return null;
  const raw = fs.readFileSync(bin);
  if (raw.length !== file.bytes) return null;
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const unpack = (entries: TensorEntry[]): WeightSet =>
    entries.map((e) => ({ name: e.name, shape: e.shape, data: all.slice(e.offset, e.offset + e.length) }));
  return { meta: file.meta, weights: unpack(file.weights), optimizer: unpack(file.optimizer) };
}
