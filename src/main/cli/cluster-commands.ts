// Beyond one machine: `facet export-training` writes a run's recipe as a PyTorch train.py (torchrun /
// DistributedDataParallel) with its images; `facet import-run` brings the result back as a run.
import { Option, type Command } from 'commander';
import { FacetError } from '../../shared/errors.js';
import type { HyperparametersInput } from '../../shared/hyperparameters.js';
import { findDataset } from '../core/datasets/queries.js';
import { exportTraining, type ExportTrainingResult } from '../core/export/pytorch/export-training.js';
import { importRun, type ImportRunResult } from '../core/training/import-run.js';
import type { CliContext } from './context.js';
import { parseRunId } from './flags.js';
import { fixed, percent as pct } from './format.js';


function parseHyperparameters(text: string | undefined): HyperparametersInput | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as HyperparametersInput;
  } catch {
    // reported below
  }
  throw new FacetError('invalid-argument', `--hyperparameters must be a JSON object, e.g. '{"epochs": 30, "imageSize": 128}'; got ${text.slice(0, 60)}.`, { field: '--hyperparameters' });
}

function renderExport(r: ExportTrainingResult): string {
  return [
    `Wrote the PyTorch recipe of ${r.runId !== null ? `run ${r.runId}` : `dataset ${r.datasetId}`} (snapshot ${r.snapshotId}) to ${r.out}`,
    `  images:  ${r.images} (${r.imageMode}) — train ${r.splits.train} · val ${r.splits.val} · test ${r.splits.test}`,
    `  files:   train.py, recipe.json, manifest.csv, README.md (Slurm and Kubernetes examples), images/`,
    '',
    `Run it:   ${r.commands.single}`,
    `          ${r.commands.multi}      (DistributedDataParallel; nccl on GPUs, gloo on CPUs)`,
    `Then:     facet import-run ${r.out}`,
  ].join('\n');
}

function renderImport(r: ImportRunResult): string {
  const a = r.agreement;
  const lines = [
    `Imported run ${r.runId} into dataset ${r.datasetId} (snapshot ${r.snapshotId}), trained with PyTorch ${r.origin.torch} on ${r.origin.host}: ${r.origin.processes} process(es), ${r.origin.device}`,
    `  test (Facet's engine):  accuracy ${pct(r.test?.accuracy ?? null)} · loss ${fixed(r.test?.loss ?? null)}`,
    `  test (train.py said):   accuracy ${pct(r.reported.accuracy)} · loss ${fixed(r.reported.loss)}`,
    `  agreement on ${a.images} test images: max |Δprob| ${a.maxProbabilityDifference.toExponential(2)}, ${a.differentPredictions} different predictions` +
      (a.checked ? ` — ${a.ok ? 'within' : 'OUTSIDE'} the tolerance ${a.tolerance}` : ' (originals resized by Pillow: not held to the tolerance)'),
  ];
  return lines.join('\n');
}

export function registerClusterCommands(program: Command, ctx: CliContext): void {
  program
    .command('export-training')
    .description("write a run's recipe (or a dataset's) as a self-contained PyTorch train.py for torchrun / DistributedDataParallel, with its images")
    .argument('[run]', 'run id (its snapshot and hyperparameters)')
    .option('--dataset <dataset>', 'a dataset id or name instead of a run (its current labels, a new snapshot)')
    .option('--hyperparameters <json>', 'hyperparameters as JSON: overrides of the run\'s, or the dataset\'s (defaults for the rest)')
    .addOption(new Option('--framework <name>', 'training framework').choices(['pytorch']).makeOptionMandatory())
    .requiredOption('--out <dir>', 'a new or empty folder')
    .option('--copy', 'copy the original image files (default: Facet-decoded PNGs at the model size, for exact agreement)')
    .option('--link', 'symbolic links to the original image files instead of copies')
    .option('--force', 'write into a folder that is not empty')
    .action(async (ref: string | undefined, opts: { dataset?: string; hyperparameters?: string; out: string; copy?: boolean; link?: boolean; force?: boolean }) => {
      if ((ref === undefined) === (opts.dataset === undefined)) {
        throw new FacetError('invalid-argument', 'Give either a run id or --dataset, not both and not neither.', { field: 'RUN', hint: 'e.g. facet export-training 3 --framework pytorch --out /tmp/recipe' });
      }
      if (opts.copy && opts.link) throw new FacetError('invalid-argument', 'Give --copy or --link, not both.', { field: '--copy' });
      const o = ctx.out();
      const core = ctx.open();
      const datasetId = opts.dataset === undefined ? undefined : findDataset(core.workspace.db, opts.dataset).id;
      if (!o.json) o.log('Writing the recipe and its images…');
      const result = await exportTraining(core.workspace.db, {
        runId: ref === undefined ? undefined : parseRunId(ref),
        datasetId,
        hyperparameters: parseHyperparameters(opts.hyperparameters),
        out: opts.out,
        images: opts.copy ? 'copy' : opts.link ? 'link' : 'prepared',
        force: opts.force,
      });
      o.result(result, () => renderExport(result));
    });

  program
    .command('import-run')
    .description('bring back a recipe trained with train.py (torchrun) as a run: epochs, weights, and a test evaluation by Facet that must agree')
    .argument('<dir>', 'the folder export-training wrote (with result/ from train.py)')
    .option('--dataset <dataset>', 'the dataset (default: the one the recipe came from)')
    .action(async (dir: string, opts: { dataset?: string }) => {
      const o = ctx.out();
      const core = ctx.open();
      const datasetId = opts.dataset === undefined ? undefined : findDataset(core.workspace.db, opts.dataset).id;
      if (!o.json) o.log('Importing the run and evaluating it on the test split…');
      const result = await importRun(core.workspace.db, { dir, datasetId, workspaceDir: core.workspace.dir, cacheDir: core.workspace.cacheDir });
      o.result(result, () => renderImport(result));
      if (!result.agreement.ok) {
        o.log(`Facet's evaluation and train.py's disagree by ${result.agreement.maxProbabilityDifference.toExponential(2)} (tolerance ${result.agreement.tolerance}); the run is kept for inspection.`);
        ctx.setExit(1);
      }
    });
}
