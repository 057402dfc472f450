// The export commands of the CLI in-process: `export`, `export-dataset`, and the output of
// `predict --model` (table, --json, --csv, exit 3 on unreadable files). The commands are mounted on a
// small harness program here, the same way program.ts mounts them.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predictWithModelCommand, registerExportCommands } from '../../../src/main/cli/export-commands.js';
import type { ModelExportResult } from '../../../src/shared/export.js';
import type { Prediction } from '../../../src/shared/runs.js';
import { demoWorkspace, trainTinyRun, type DemoWorkspace } from '../core/export/helpers.js';
import { runCli, type Mount } from './harness.js';

let ws: DemoWorkspace;
let runId: number;
beforeAll(async () => {
  ws = await demoWorkspace('facet-export-cli-');
  runId = await trainTinyRun(ws);
}, 300_000);
afterAll(async () => ws.core.close());

/** `predict --model DIR PATHS...` mounted as program.ts mounts it (it needs no workspace). */
const mountPredictModel: Mount = (program, ctx) =>
  program
    .command('predict')
    .argument('<paths...>')
    .requiredOption('--model <dir>')
    .option('--csv')
    .action(async (paths: string[], opts: { model: string; csv?: boolean }) => predictWithModelCommand(ctx, opts.model, paths, opts));
const facet = (...argv: string[]) => runCli(() => ws.core, [registerExportCommands, mountPredictModel], argv);

describe('facet export', () => {
  it('--format onnx --json reports the onnxruntime check: max |Δprob| under 1e-4 and the same classes', async () => {
    const out = path.join(ws.dir, 'cli-onnx');
    const run = await facet('--json', 'export', String(runId), '--format', 'onnx', '--out', out);
    expect(run.code).toBe(0);
    const r = run.json<ModelExportResult>();
    expect(r).toMatchObject({ runId, format: 'onnx', out, inputLayout: 'NHWC', check: { sameClasses: true, passed: true } });
    expect(r.check!.maxAbsDiff).toBeLessThan(1e-4);
    expect(fs.existsSync(path.join(out, 'model.onnx'))).toBe(true);
  });

  it('prints the check in words without --json', async () => {
    const run = await facet('export', String(runId), '--format', 'tfjs', '--out', path.join(ws.dir, 'cli-tfjs'), '--check', '5');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Exported run \d+ as TensorFlow\.js/);
    expect(run.stdout).toMatch(/on 5 images: max \|Δprob\| 0\.00e\+0, same class on every image — passed/);
  });

  it('rejects an unknown format and a missing --out as usage errors', async () => {
    expect((await facet('export', String(runId), '--format', 'pt', '--out', ws.dir)).code).toBe(2);
    expect((await facet('export', String(runId), '--format', 'onnx')).code).toBe(2);
  });

  it('says when the run does not exist', async () => {
    const run = await facet('export', '999', '--format', 'onnx', '--out', path.join(ws.dir, 'none'));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/999/);
  });
});

describe('facet export-dataset', () => {
  it('exports the class folders with a manifest and refuses the same folder again without --force', async () => {
    const out = path.join(ws.dir, 'cli-data');
    const run = await facet('--json', 'export-dataset', String(ws.datasetId), '--out', out);
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({ datasetId: ws.datasetId, images: 45, manifest: path.join(out, 'manifest.csv') });
    const again = await facet('export-dataset', String(ws.datasetId), '--out', out);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is not empty');
    expect((await facet('export-dataset', String(ws.datasetId), '--out', out, '--force', '--link')).code).toBe(0);
  });
});

describe('facet predict --model', () => {
  it('prints JSON predictions with probabilities per class, reports an unreadable file and exits 3', async () => {
    const model = path.join(ws.dir, 'cli-tfjs');
    const broken = path.join(ws.dir, 'broken.jpg');
    fs.writeFileSync(broken, 'nope');
    const run = await facet('--json', 'predict', '--model', model, ws.demo, broken);
    expect(run.code).toBe(3);
    const rows = run.json<Prediction[]>();
    expect(rows).toHaveLength(45);
    expect(Object.keys(rows[0]!)).toEqual(['path', 'class', 'confidence', 'probabilities']);
    expect(Object.keys(rows[0]!.probabilities)).toEqual(['camera', 'phone', 'social']);
    expect(run.stderr).toContain(`skipped ${broken}`);
  });

  it('prints CSV with a column per class', async () => {
    const run = await facet('predict', '--model', path.join(ws.dir, 'cli-tfjs'), '--csv', path.join(ws.demo, 'phone'));
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\r\n');
    expect(lines[0]).toBe('path,class,confidence,camera,phone,social');
    expect(lines.length).toBeGreaterThan(5);
  });
});
