// What every command group gets from the program: the output (stdout JSON or tables, stderr logs),
// the core opened on the chosen workspace, and the exit code to finish with.
import type { Core } from '../core/index.js';
import type { Output } from './output.js';

export interface CliContext {
  out(): Output;
  open(): Core;
  setExit(code: number): void;
}

/** Exit codes are part of the CLI contract (DESIGN.md, `facet --help`). */
export const EXIT = { ok: 0, failed: 1, usage: 2, skipped: 3, interrupted: 130 } as const;
