// Training commands of the `facet` CLI: train, runs, eval, compare, predict, doctor.
import type { Command } from 'commander';
import { FacetError } from '../../shared/errors.js';
import { estimateBasis } from '../../shared/estimate.js';
import { inputLabel, type HyperparametersInput } from '../../shared/hyperparameters.js';
import { trainedWith, type EpochMetrics, type Evaluation, type Run, type RunComparison, type TrainProgress } from '../../shared/runs.js';
import type { Core } from '../core/index.js';
import { findDataset } from '../core/datasets/queries.js';
import { getRunDetail } from '../core/training/run-store.js';
import { EXIT, type CliContext } from './context.js';
import { parseRunId } from './flags.js';
import { duration, fixed, percent } from './format.js';
import { addHyperparameterOptions, hyperparametersFrom } from './hyperparameter-flags.js';
import { table } from './output.js';
import { predictWithModelCommand, reportPredictions } from './export-commands.js';

export function epochLine(m: EpochMetrics, epochs: number): string {
  return `epoch ${String(m.epoch).padStart(String(epochs).length)}/${epochs}  loss ${fixed(m.loss)}  acc ${percent(m.accuracy)}  val_loss ${fixed(m.valLoss)}  val_acc ${percent(m.valAccuracy)}  ${m.seconds.toFixed(1)} s  ${m.imagesPerSecond.toFixed(0)} img/s`;
}

export function renderEvaluation(e: Evaluation): string {
  const w = Math.max(6, ...e.classes.map((c) => c.length));
  const lines = [`test: loss ${fixed(e.loss)} · accuracy ${percent(e.accuracy)} · ${e.images} images`, '', 'confusion (rows: true class, columns: predicted)'];
  lines.push(`${''.padEnd(w)}  ${e.classes.map((c) => c.padStart(w)).join('  ')}`);
  e.confusion.forEach((row, i) => lines.push(`${e.classes[i]!.padEnd(w)}  ${row.map((v) => String(v).padStart(w)).join('  ')}`));
  lines.push('');
  lines.push(table(['class', 'precision', 'recall', 'f1', 'support'], e.perClass.map((p) => [p.class, percent(p.precision), percent(p.recall), percent(p.f1), p.support])));
  return lines.join('\n');
}

function trainJson(core: Core, runId: number) {
  const d = getRunDetail(core.workspace.db, runId);
  return {
    runId: d.id,
    name: d.name,
    datasetId: d.datasetId,
    snapshotId: d.snapshotId,
    backend: d.backend,
    engine: d.engineReason,
    status: d.status,
    error: d.error,
    hyperparameters: d.hyperparameters,
    classes: d.classes,
    images: d.images,
    bestEpoch: d.bestEpoch,
    epochs: d.epochs,
    test: d.test ? { loss: d.test.loss, accuracy: d.test.accuracy, confusion: d.test.confusion, perClass: d.test.perClass } : null,
    seconds: d.trainSeconds,
  };
}

/** Starts (or resumes) a run and follows it to the end, printing progress on stderr. Ctrl+C cancels. */
export async function followRun(ctx: CliContext, start: () => Promise<Run>): Promise<ReturnType<typeof trainJson>> {
  const o = ctx.out();
  const core = ctx.open();
  let epochs = 0;
  let lastProgress = '';
  const tty = Boolean(o.io.stderr.isTTY);
  const offEpoch = core.events.on('train/epoch', (p) => {
    if (tty && lastProgress) o.io.stderr.write('\r\x1b[K');
    lastProgress = '';
    o.log(epochLine(p.metrics, epochs));
  });
  const unsubscribe = core.events.on('train/progress', (p: TrainProgress) => {
    {
      if (p.phase === 'preparing' && p.toPrepare && (p.prepared === 0 || p.prepared === p.toPrepare)) o.log(`Preparing data: ${p.prepared}/${p.toPrepare} ${p.task === 'views' ? 'augmented views embedded' : p.task === 'embedding' ? 'images embedded' : 'images decoded'}`);
      if (tty && p.phase === 'training') {
        lastProgress = `epoch ${p.epoch}/${p.epochs}  batch ${p.batch}/${p.batches}  loss ${fixed(p.loss)}  acc ${percent(p.accuracy)}  ${p.imagesPerSecond?.toFixed(0) ?? '-'} img/s  ETA ${p.etaSeconds !== null ? duration(p.etaSeconds) : '-'}`;
        o.io.stderr.write(`\r\x1b[K${lastProgress}`);
      }
      if (p.phase === 'evaluating') o.log('Evaluating the best epoch on the test split…');
    }
  });
  const run = await start();
  epochs = run.hyperparameters.epochs;
  const hp = run.hyperparameters;
  o.log(`Run ${run.id} "${run.name}": ${run.images.train} train / ${run.images.val} val / ${run.images.test} test images, ${run.classes.length} classes (${run.classes.join(', ')})`);
  o.log(`  ${hp.preset} · ${hp.preset === 'seed-cnn' ? `${hp.imageSize}×${hp.imageSize} ${hp.colorMode}` : inputLabel(hp)} · batch ${hp.batchSize} · ${hp.epochs} epochs · ${hp.optimizer} lr ${hp.learningRate}${hp.preset === 'seed-cnn' ? ` · ${hp.padding} padding` : ''} · seed ${hp.seed}${hp.patience ? ` · patience ${hp.patience}` : ''}`);
  const onSigint = () => {
    o.log('\nCancelling after the current batch… (Ctrl+C again to force)');
    process.removeListener('SIGINT', onSigint);
    void core.runs.cancel(run.id);
  };
  process.on('SIGINT', onSigint);
  let engineShown = false;
  const engineWatch = core.events.on('train/progress', () => {
    if (engineShown) return;
    const r = core.workspace.db.prepare('SELECT backend, engine FROM runs WHERE id = ?').get(run.id) as { backend: string | null; engine: string | null };
    if (r.backend) {
      engineShown = true;
      const info = JSON.parse(r.engine ?? '{}') as { reason?: string; threads?: number };
      o.log(`  engine: ${r.backend} (${info.threads ?? 1} thread${info.threads === 1 ? '' : 's'}) — ${info.reason ?? ''}`);
    }
  });
  try {
    const finished = await core.runs.wait(run.id);
    if (tty && lastProgress) o.io.stderr.write('\r\x1b[K');
    if (finished.status === 'failed') ctx.setExit(EXIT.failed);
    if (finished.status === 'cancelled' || finished.status === 'interrupted') ctx.setExit(EXIT.interrupted);
    return trainJson(core, run.id);
  } finally {
    process.removeListener('SIGINT', onSigint);
    unsubscribe();
    offEpoch();
    engineWatch();
  }
}

/** The run's expected duration on this machine, before it starts; says how to go faster when it is long. */
async function printEstimate(ctx: CliContext, datasetId: number, hyperparameters: HyperparametersInput): Promise<void> {
  const o = ctx.out();
  const estimate = await ctx.open().call('runs/estimate', { datasetId, hyperparameters });
  if (estimate.seconds === null) return;
  o.log(`Estimate: ${estimate.embedding ? 'this run takes ' : ''}${estimate.text} (${estimateBasis(estimate)}).`);
  if (estimate.faster) o.log(`  For a quicker run: --image-size ${estimate.faster.imageSize}.`);
}

export function renderTrainResult(r: ReturnType<typeof trainJson>): string {
  const lines = [`Run ${r.runId} ${r.status}${r.error ? `: ${r.error}` : ''} · backend ${r.backend ?? '-'} · ${duration(r.seconds)} of training`];
  if (r.bestEpoch) {
    const best = r.epochs.find((e) => e.epoch === r.bestEpoch);
    lines.push(`best epoch ${r.bestEpoch}: val_loss ${fixed(best?.valLoss)} · val_acc ${percent(best?.valAccuracy)} (weights restored for the test)`);
  }
  if (r.test) {
    lines.push('');
    lines.push(renderEvaluation({ ...r.test, id: 0, runId: r.runId, split: 'test', classes: r.classes, images: r.images.test, createdAt: '' }));
  }
  return lines.join('\n');
}

export function registerTrainingCommands(program: Command, ctx: CliContext): void {
  addHyperparameterOptions(
    program
      .command('train')
      .description('train a model on a dataset (the seed CNN by default) and evaluate it on the test split')
      .argument('[dataset]', 'dataset id or name (not needed with --resume)')
      .option('--name <name>', 'run name')
      .option('--resume <run>', 'continue an interrupted run from its last checkpoint')
      .option('--no-estimate', 'skip the time estimate (a few seconds of calibration the first time on a machine)'),
  ).action(async (ref: string | undefined, opts: Record<string, unknown>) => {
    const o = ctx.out();
    const core = ctx.open();
    let result;
    if (opts.resume !== undefined) {
      const runId = parseRunId(String(opts.resume));
      result = await followRun(ctx, async () => core.call('runs/resume', { runId }));
    } else {
      if (!ref) throw new FacetError('invalid-argument', 'Give the dataset to train on (facet datasets lists them).', { field: 'DATASET' });
      const dataset = findDataset(core.workspace.db, ref);
      const hyperparameters = hyperparametersFrom(opts);
      if (opts.estimate !== false) await printEstimate(ctx, dataset.id, hyperparameters);
      result = await followRun(ctx, async () => core.call('runs/start', { datasetId: dataset.id, hyperparameters, name: opts.name as string | undefined }));
    }
    o.result(result, () => renderTrainResult(result));
  });

  program
    .command('runs')
    .description('list training runs')
    .option('--dataset <dataset>', 'only runs of this dataset')
    .action(async (opts: { dataset?: string }) => {
      const o = ctx.out();
      const core = ctx.open();
      const datasetId = opts.dataset ? findDataset(core.workspace.db, opts.dataset).id : undefined;
      const runs = await core.call('runs/list', { datasetId });
      o.result(runs, () =>
        runs.length === 0
          ? 'No runs yet. Start one with `facet train DATASET`.'
          : table(
              ['id', 'name', 'status', 'dataset', 'input', 'epochs', 'lr', 'best val acc', 'test acc', 'duration', 'backend'],
              runs.map((r) => [r.id, r.name, r.status, r.datasetName, inputLabel(r.hyperparameters), `${r.epochsDone}/${r.hyperparameters.epochs}`, String(r.hyperparameters.learningRate), percent(r.bestValAccuracy), percent(r.testAccuracy), duration(r.trainSeconds), trainedWith(r)]),
            ),
      );
    });

  program
    .command('eval')
    .description('show the test evaluation of a run: loss, accuracy, confusion matrix, per-class metrics')
    .argument('<run>', 'run id', parseRunId)
    .action(async (runId: number) => {
      const o = ctx.out();
      const d = await ctx.open().call('runs/get', { runId });
      if (!d.test) throw new FacetError('not-found', `Run ${runId} has no test evaluation (status: ${d.status}).`, { field: 'RUN', hint: d.status === 'interrupted' ? `Resume it: facet train --resume ${runId}` : 'Evaluations are made when a run completes.' });
      const e = d.test;
      o.result({ runId, loss: e.loss, accuracy: e.accuracy, confusion: e.confusion, classes: e.classes, perClass: e.perClass, images: e.images }, () => renderEvaluation(e));
    });

  program
    .command('compare')
    .description('compare runs: hyperparameters that differ, and metrics side by side')
    .argument('<runs...>', 'two or more run ids')
    .action(async (refs: string[]) => {
      const o = ctx.out();
      const core = ctx.open();
      if (refs.length < 2) throw new FacetError('invalid-argument', 'Give at least two runs to compare.', { field: 'RUN' });
      const comparison = await core.call('runs/compare', { runIds: refs.map(parseRunId) });
      const report = compareReport(comparison);
      o.result(report, () => renderComparison(comparison, report));
    });

  program
    .command('predict')
    .description('predict the class of images with a trained run, or with an exported tfjs model (--model DIR, no workspace needed); face-embedding runs and heads analyse each photo\'s face first')
    .argument('[run]', 'run id (leave out with --model)')
    .argument('[paths...]', 'image files or folders')
    .option('--model <dir>', 'folder written by `facet export RUN --format tfjs`')
    .option('--csv', 'print CSV (path, class, confidence, one column per class; face runs add the face used)')
    .action(async (first: string | undefined, rest: string[], opts: { model?: string; csv?: boolean }) => {
      if (opts.model) return predictWithModelCommand(ctx, opts.model, [first, ...rest].filter((p): p is string => !!p), opts);
      if (!first) throw new FacetError('invalid-argument', 'Give a run id, or --model DIR.', { field: 'RUN' });
      if (rest.length === 0) throw new FacetError('invalid-argument', 'Give at least one image file or folder to predict.', { field: 'paths' });
      const outcome = await ctx.open().call('runs/predict', { runId: parseRunId(first), paths: rest });
      reportPredictions(ctx, outcome, opts);
    });

  program
    .command('doctor')
    .description('show the training engine in use, versions and threads')
    .action(async () => {
      const o = ctx.out();
      const core = ctx.open();
      const info = await core.call('engine/info', {});
      const ws = await core.call('workspace/info', {});
      o.result({ ...info, workspace: ws.dir }, () =>
        [
          `engine:    ${info.backend} (tfjs ${info.tfjsVersion}, ${info.threads} thread${info.threads === 1 ? '' : 's'})`,
          `why:       ${info.reason}`,
          ...(info.nativeHint ? [`native:    ${info.nativeHint}`] : []),
          ...(info.warning ? [`WARNING:   ${info.warning}`] : []),
          `node:      ${info.node} on ${info.platform}, ${info.cpus} CPUs`,
          `workspace: ${ws.dir}`,
        ].join('\n'),
      );
    });
}

/** The `facet compare --json` document: runs' metrics, every hyperparameter (flagged when it differs), curves, label changes. */
export function compareReport(c: RunComparison) {
  const flat = c.runs.map((d) => flatten(d.hyperparameters as unknown as Record<string, unknown>));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
  return {
    runs: c.runs.map((d) => ({ runId: d.id, name: d.name, status: d.status, backend: d.backend, trainedWith: trainedWith(d), epochs: d.epochsDone, bestValLoss: d.bestValLoss, bestValAccuracy: d.bestValAccuracy, testLoss: d.test?.loss ?? null, testAccuracy: d.test?.accuracy ?? null, seconds: d.trainSeconds, snapshotId: d.snapshotId })),
    hyperparameters: keys.map((k) => ({ name: k, values: flat.map((f) => f[k] ?? null), differs: new Set(flat.map((f) => JSON.stringify(f[k]))).size > 1 })),
    curves: c.runs.map((d) => ({ runId: d.id, epochs: d.epochs })),
    labelChanges: c.labelChanges,
  };
}

function renderComparison(c: RunComparison, r: ReturnType<typeof compareReport>): string {
  const header = ['', ...c.runs.map((d) => `run ${d.id}`)];
  const differing = r.hyperparameters.filter((p) => p.differs);
  const changed = c.labelChanges.filter((l) => l.changed || l.added || l.removed);
  return [
    table(header, [
      ['status', ...r.runs.map((m) => m.status)],
      ['epochs', ...r.runs.map((m) => String(m.epochs))],
      ['best val loss', ...r.runs.map((m) => fixed(m.bestValLoss))],
      ['best val acc', ...r.runs.map((m) => percent(m.bestValAccuracy))],
      ['test loss', ...r.runs.map((m) => fixed(m.testLoss))],
      ['test acc', ...r.runs.map((m) => percent(m.testAccuracy))],
      ['training time', ...r.runs.map((m) => duration(m.seconds))],
      ['backend', ...r.runs.map((m) => m.trainedWith)],
    ]),
    '',
    differing.length === 0 ? 'Same hyperparameters.' : `Hyperparameters that differ:\n${table(header, differing.map((p) => [p.name, ...p.values.map((v) => JSON.stringify(v))]))}`,
    ...changed.map((l) => `Labels of run ${l.toRunId} against run ${l.fromRunId}: ${l.changed} changed, ${l.added} added, ${l.removed} removed`),
  ].join('\n');
}

function flatten(obj: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flatten(v as Record<string, unknown>, `${prefix}${k}.`));
    else out[`${prefix}${k}`] = v;
  }
  return out;
}
