// One real process: the built `facet` binary, as users and scripts run it.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../core/datasets/helpers.js';
import { requireBuilt } from '../../built.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const bin = path.join(repo, 'bin', 'facet.js');

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: repo, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  // `npm test` builds before vitest; a second tsc here took minutes on a busy machine.
  requireBuilt('dist/main/cli.js');
  ({ dir, cleanup } = await tempDir('facet-smoke-'));
});
afterAll(async () => cleanup());

describe('node bin/facet.js (built)', () => {
  it('runs demo and import as a real process: one JSON document on stdout, progress on stderr, exit codes', async () => {
    const env = { ...process.env, FACET_WORKSPACE: path.join(dir, 'ws') };
    const out = path.join(dir, 'faces');
    const demo = await run(process.execPath, [bin, '--json', 'demo', '--out', out, '--count', '45'], env);
    expect(demo.stderr).not.toMatch(/Error|at .*\.js:\d+/);
    expect(demo.code).toBe(0);
    const generated = JSON.parse(demo.stdout);
    expect(generated).toMatchObject({ out, images: 45, wrongLabels: 1 });

    const imported = await run(process.execPath, [bin, '--json', 'import', out, '--group-by', '^(id\\d+)_'], env);
    expect(imported.code).toBe(0);
    const summary = JSON.parse(imported.stdout);
    expect(summary).toMatchObject({ datasetId: 1, imported: 45, skipped: [], groups: generated.identities });
    expect(summary.splits.train + summary.splits.val + summary.splits.test).toBe(45);
    expect(imported.stderr).toMatch(/Scanning/);

    const bad = await run(process.execPath, [bin, 'import', out, '--split', '90/5'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--split');
  }, 60_000);
});
