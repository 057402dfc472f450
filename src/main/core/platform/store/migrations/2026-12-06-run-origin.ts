// Runs trained elsewhere (a PyTorch recipe run with torchrun, brought back by `facet import-run`)
// say where: JSON { framework, torch, processes, device, host, importedFrom }; NULL for local runs.
import type { Migration } from './index.js';

export const runOrigin: Migration = {
  id: '2026-12-06-run-origin',
  up: `ALTER TABLE runs ADD COLUMN origin TEXT;`,
};
