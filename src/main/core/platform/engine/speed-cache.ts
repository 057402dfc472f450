// Speeds measured on this machine, kept in the workspace (engine-speed.json) so that estimates do
// not measure again: figures keyed by what they measured, valid only for the machine (CPU model,
// core count, Node, Facet's engine revision) that measured them.
import fs from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import path from 'node:path';

/**
 * Facet's own kernels change what a step costs: bumped when they do, so that speeds measured and
 * cached with an older engine (the run estimate's calibration) are measured again.
 */
export const ENGINE_REVISION = 2;
export const SPEED_CACHE_FILE = 'engine-speed.json';

interface SpeedFile {
  machine: string;
  speeds: Record<string, { measuredAt: string }>;
}

/** What makes one machine's figures another's: CPU model, core count, Node and Facet's engine. */
export function machineKey(): string {
  return `${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()} · node ${process.versions.node} · engine ${ENGINE_REVISION}`;
}

export class SpeedCache {
  readonly file: string;

  constructor(workspaceDir: string) {
    this.file = path.join(workspaceDir, SPEED_CACHE_FILE);
  }

  private read(): SpeedFile {
    try {
      const cache = JSON.parse(fs.readFileSync(this.file, 'utf8')) as SpeedFile;
      if (cache.machine === machineKey() && typeof cache.speeds === 'object' && cache.speeds !== null) return cache;
    } catch {
      // Missing or unreadable: measure again.
    }
    return { machine: machineKey(), speeds: {} };
  }

  /** This machine's figure for `key`, if one was measured. */
  get<T extends object>(key: string): (T & { measuredAt: string }) | undefined {
    return this.read().speeds[key] as (T & { measuredAt: string }) | undefined;
  }

  /** Keeps this machine's figure for `key` (written whole and renamed: a reader never sees half a file). */
  set<T extends object>(key: string, figure: T): void {
    const cache = this.read();
    cache.speeds[key] = { ...figure, measuredAt: new Date().toISOString() };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(cache, null, 2)}\n`);
    fs.renameSync(tmp, this.file);
  }
}
