// Export commands of the `facet` CLI: export (tfjs / ONNX model), export-dataset (class folders +
// manifest.csv), and the output of `predict --model` (an exported model, no workspace needed).
import { Option, type Command } from 'commander';
import { FacetError } from '../../shared/errors.js';
import { MODEL_FORMATS, type DatasetExportResult, type ModelExportResult, type ModelFormat } from '../../shared/export.js';
import type { PredictionFace, PredictOutcome } from '../../shared/runs.js';
import { findDataset } from '../core/datasets/queries.js';
import { csvLines, DEFAULT_CHECK_IMAGES, predictWithModelDir } from '../core/export/index.js';
import { table } from './output.js';
import { EXIT, type CliContext } from './context.js';
import { countFlag, parseRunId } from './flags.js';
import { percent } from './format.js';

function inputLine(r: ModelExportResult): string {
  if (r.input.kind === 'face-descriptor') {
    return `float32 [batch, ${r.input.shape.at(-1)}] face descriptors from ${r.input.embeddingNet.package} (${r.input.detector} detector, min score ${r.input.minScore}): the head of a face-embedding run; see MODEL_CARD.md`;
  }
  if (r.input.kind === 'image-embedding') {
    const b = r.input.backbone;
    return `float32 [batch, ${r.input.shape.at(-1)}] ${b.name} embeddings from ${b.package}@${b.version} (${b.inputSize}×${b.inputSize} input): the head of a transfer run, the backbone is not inside; see MODEL_CARD.md`;
  }
  const channels = r.colorMode === 'rgb' ? 3 : 1;
  return `NHWC float32 [batch, ${r.imageSize}, ${r.imageSize}, ${channels}], raw pixels 0..255 (${r.colorMode}); rescaled inside the model`;
}

export function renderModelExport(r: ModelExportResult): string {
  const lines = [
    `Exported run ${r.runId} as ${r.format === 'onnx' ? 'ONNX' : 'TensorFlow.js'} to ${r.out}`,
    `  files:   ${r.files.join(', ')}`,
    `  input:   ${inputLine(r)}`,
    `  classes: ${r.classes.join(', ')}`,
  ];
  if (r.check) {
    const c = r.check;
    const on = r.input.kind === 'face-descriptor' ? `the stored face descriptors of ${c.images} images` : r.input.kind === 'image-embedding' ? `the stored embeddings of ${c.images} images` : `${c.images} images`;
    lines.push(
      `  check:   ${c.runtime} vs the trained model on ${on}: max |Δprob| ${c.maxAbsDiff.toExponential(2)}, ` +
        `${c.sameClasses ? 'same class on every image' : `class differs on ${c.mismatches.length}: ${c.mismatches.slice(0, 5).join(', ')}`} — ${c.passed ? 'passed' : 'FAILED'}`,
    );
  } else lines.push(`  check:   skipped (${r.checkSkipped ?? 'not run'})`);
  return lines.join('\n');
}

export function renderDatasetExport(r: DatasetExportResult): string {
  const lines = [
    `Exported ${r.images} images of dataset ${r.datasetId}${r.snapshotId !== null ? ` (snapshot ${r.snapshotId})` : ''} to ${r.out}`,
    `  ${r.linked ? `${r.linked} hard-linked, ` : ''}${r.copied} copied${r.linkFallback ? ` — ${r.linkFallback}` : ''}`,
    `  manifest: ${r.manifest}`,
    '',
    table(['class', 'train', 'val', 'test', 'total'], r.classes.map((c) => [c.name, c.splits.train, c.splits.val, c.splits.test, c.count])),
    '',
    `splits: train ${r.splits.train} · val ${r.splits.val} · test ${r.splits.test}`,
  ];
  if (r.failed.length) {
    lines.push('', `${r.failed.length} image(s) left out:`);
    for (const f of r.failed.slice(0, 20)) lines.push(`  ${f.path}: ${f.reason}`);
    if (r.failed.length > 20) lines.push(`  … and ${r.failed.length - 20} more (--json lists them all)`);
  }
  return lines.join('\n');
}

/** Which face a face-embedding model classified, in a few words. */
export function faceNote(face: PredictionFace | undefined): string {
  if (!face) return '';
  if (!face.used) return 'no face found: whole picture';
  const b = face.used.box;
  return `${face.found > 1 ? `most confident of ${face.found}` : 'face'} at ${Math.round(b.x)},${Math.round(b.y)} ${Math.round(b.width)}×${Math.round(b.height)} (score ${face.used.score.toFixed(2)})`;
}

/** Prints predictions as a table, --json or CSV; unreadable files go to stderr and give exit 3. */
export function reportPredictions(ctx: CliContext, outcome: PredictOutcome, opts: { csv?: boolean } = {}): void {
  const o = ctx.out();
  for (const f of outcome.failed) o.log(`skipped ${f.path}: ${f.reason}`);
  if (outcome.failed.length) ctx.setExit(EXIT.skipped);
  if (opts.csv && !o.json) {
    const classes = Object.keys(outcome.predictions[0]?.probabilities ?? {});
    // Face runs (and crop-to-face runs) add the face they classified: count found, box, detector score.
    const faceColumns = outcome.predictions.some((p) => p.face) ? ['faces_found', 'face_x', 'face_y', 'face_width', 'face_height', 'face_score'] : [];
    const faceCells = (p: PredictOutcome['predictions'][number]) => {
      if (faceColumns.length === 0) return [];
      const used = p.face?.used;
      return [p.face?.found ?? '', ...(used ? [used.box.x, used.box.y, used.box.width, used.box.height].map((v) => Math.round(v * 10) / 10) : ['', '', '', '']), used ? Math.round(used.score * 1000) / 1000 : ''];
    };
    o.io.stdout.write(
      csvLines(
        ['path', 'class', 'confidence', ...classes, ...faceColumns],
        outcome.predictions.map((p) => [p.path, p.class, p.confidence, ...classes.map((c) => p.probabilities[c] ?? ''), ...faceCells(p)]),
      ),
    );
    return;
  }
  const withFaces = outcome.predictions.some((p) => p.face);
  o.result(outcome.predictions, () =>
    outcome.predictions.length === 0
      ? 'No images to predict.'
      : table(['path', 'class', 'confidence', ...(withFaces ? ['face'] : [])], outcome.predictions.map((p) => [p.path, p.class, percent(p.confidence), ...(withFaces ? [faceNote(p.face)] : [])])),
  );
}

/** `facet predict --model DIR PATHS...`: for the existing predict command's action; opens no workspace. */
export async function predictWithModelCommand(ctx: CliContext, modelDir: string, paths: string[], opts: { csv?: boolean } = {}): Promise<void> {
  if (paths.length === 0) throw new FacetError('invalid-argument', 'Give the images or folders to predict.', { field: 'PATHS' });
  reportPredictions(ctx, await predictWithModelDir(modelDir, paths), opts);
}

export function registerExportCommands(program: Command, ctx: CliContext): void {
  program
    .command('export')
    .description('export a trained run as a TensorFlow.js or ONNX model (checked against the trained model after writing); a face-embedding run exports its head on face descriptors')
    .argument('<run>', 'run id', parseRunId)
    .addOption(new Option('--format <format>', 'model format').choices([...MODEL_FORMATS]).makeOptionMandatory())
    .requiredOption('--out <dir>', 'folder to write into (created if missing)')
    .option('--check <n>', `images of the run to compare the export on (0: no check)`, countFlag('--check'), DEFAULT_CHECK_IMAGES)
    .option('--force', 'write into a folder that is not empty (files with the same names are replaced)')
    .action(async (runId: number, opts: { format: ModelFormat; out: string; check: number; force?: boolean }) => {
      const o = ctx.out();
      if (!o.json) o.log(`Exporting run ${runId} as ${opts.format}…`);
      const result = await ctx.open().call('runs/export', { runId, format: opts.format, out: opts.out, check: opts.check, force: opts.force });
      o.result(result, () => renderModelExport(result));
      if (result.check && !result.check.passed) ctx.setExit(EXIT.failed);
    });

  program
    .command('export-dataset')
    .description('export a dataset as train/ val/ test/ class folders plus manifest.csv (Keras and PyTorch ImageFolder read it)')
    .argument('<dataset>', 'dataset id or name')
    .option('--snapshot <id>', 'export a run\'s snapshot instead of the current labels', countFlag('--snapshot'))
    .requiredOption('--out <dir>', 'a new or empty folder')
    .option('--link', 'hard-link the files instead of copying them (copies where links are not possible)')
    .option('--force', 'write into a folder that is not empty')
    .action(async (ref: string, opts: { snapshot?: number; out: string; link?: boolean; force?: boolean }) => {
      const o = ctx.out();
      const core = ctx.open();
      const dataset = findDataset(core.workspace.db, ref);
      const result = await core.call('datasets/export', { datasetId: dataset.id, snapshotId: opts.snapshot, out: opts.out, link: opts.link, force: opts.force });
      if (result.linkFallback && !o.json) o.log(`note: ${result.linkFallback}`);
      o.result(result, () => renderDatasetExport(result));
      if (result.failed.length) ctx.setExit(EXIT.skipped);
    });
}
