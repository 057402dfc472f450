// Labelling-from-scratch commands of the `facet` CLI (issue 17): embed, suggest, accept, queue, map.
// --json fields are a contract (DESIGN.md): embed { images, backbone, dimensions, seconds };
// suggest { labelled, suggested, backbone, validationAccuracy }; accept { accepted: [{ path, class,
// confidence }] }; queue { images: [{ path, suggested, confidence }], remaining }; map { points:
// [{ path, x, y, label, suggested }] }.
import { Option, type Command } from 'commander';
import { BACKBONES, DEFAULT_BACKBONE, mapRows, QUEUE_STRATEGIES, type BackboneName, type MapSummary, type QueueStrategy } from '../../shared/labelling.js';
import type { Core } from '../core/index.js';
import { findClass, findDataset } from '../core/datasets/queries.js';
import { embedDataset } from '../core/embeddings/embed.js';
import { EMBED_THREADS_ENV, MAX_EMBED_THREADS } from '../core/embeddings/backbone-pool.js';
import { computeMap } from '../core/suggestions/map.js';
import { refreshSuggestions } from '../core/suggestions/refresh.js';
import type { CliContext } from './context.js';
import { countFlag, numberFlag } from './flags.js';
import { table, type Output } from './output.js';

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);

/** Said when UMAP was fitted on a sample: the other points were placed, not laid out by UMAP. */
function fittedNote(s: MapSummary): string {
  return s.fitted < s.points ? ` (UMAP fitted on ${s.fitted.toLocaleString('en-US')} of ${s.points.toLocaleString('en-US')}; the others placed by their nearest neighbours)` : '';
}

/** Logs a job's progress on stderr at most every quarter. */
function quarterLogger(o: Output, label: string): (p: { done: number; total: number; phase: string }) => void {
  let last = '';
  return (p) => {
    const step = p.total > 0 ? `${p.phase} ${Math.floor((p.done / p.total) * 4) * 25}%` : p.phase;
    if (step !== last) {
      last = step;
      o.log(`${label}: ${p.phase}${p.total > 1 ? ` ${p.done}/${p.total}` : ''}`);
    }
  };
}

/** The labelling jobs and the events their progress comes in. */
type JobEvent = 'embeddings/progress' | 'suggestions/progress' | 'map/progress';
type ProgressLog = ReturnType<typeof quarterLogger>;

/**
 * Runs one labelling job on a dataset with its progress on stderr: `work` either calls the core
 * (the job runs in its own process and reports through `event`) or, with --in-process, runs it
 * here and reports to the log it is given.
 */
async function runWithProgress<T>(c: Core, o: Output, job: { event: JobEvent; datasetId: number; label: string }, work: (log: ProgressLog) => T | Promise<T>): Promise<T> {
  const log = quarterLogger(o, job.label);
  const off = c.events.on(job.event, (p) => p.datasetId === job.datasetId && log(p));
  try {
    return await work(log);
  } finally {
    off();
  }
}

export function registerLabellingCommands(program: Command, ctx: CliContext): void {
  /** A command that runs a labelling job on a dataset: <dataset>, --backbone, --in-process. */
  const jobCommand = (name: string, description: string) =>
    program
      .command(name)
      .description(description)
      .argument('<dataset>', 'dataset id or name')
      .addOption(new Option('--backbone <name>', `pretrained network (default: ${DEFAULT_BACKBONE})`).choices([...BACKBONES]))
      .option('--in-process', 'compute in this process (no forked worker)');

  /** How every command here starts: the output, the core on the workspace, the dataset named. */
  const openDataset = (ref: string) => {
    const o = ctx.out();
    const c = ctx.open();
    return { o, c, datasetId: findDataset(c.workspace.db, ref).id };
  };

  jobCommand('embed', `compute pretrained embeddings of every image (resumable; face = the face analysis descriptors); on every core up to ${MAX_EMBED_THREADS} (${EMBED_THREADS_ENV}=N sets the threads)`)
    .action(async (ref: string, opts: { backbone?: BackboneName; inProcess?: boolean }) => {
      const { o, c, datasetId } = openDataset(ref);
      const backbone = opts.backbone ?? DEFAULT_BACKBONE;
      const s = await runWithProgress(c, o, { event: 'embeddings/progress', datasetId, label: `Embeddings (${backbone})` }, (log) =>
        opts.inProcess && backbone !== 'face' ? embedDataset(c.workspace.db, datasetId, { backbone, onProgress: log }) : c.call('embeddings/start', { datasetId, backbone }),
      );
      const on = `${s.backend}${s.threads > 1 ? ` × ${s.threads} threads` : ''}`;
      o.result(s, () => `${s.embeddedImages}/${s.images} images have ${s.backbone} embeddings (${s.dimensions}-d; ${s.newlyEmbedded} now, ${s.seconds.toFixed(1)} s on ${on})${s.failed.length ? ` · ${s.failed.length} unreadable` : ''}`);
      if (s.failed.length > 0) ctx.setExit(3);
    });

  jobCommand('suggest', 'train a quick head on the labelled images and suggest a class, with a calibrated confidence, for every unlabelled one')
    .action(async (ref: string, opts: { backbone?: BackboneName; inProcess?: boolean }) => {
      const { o, c, datasetId } = openDataset(ref);
      const backbone = opts.backbone;
      const s = await runWithProgress(c, o, { event: 'suggestions/progress', datasetId, label: 'Suggestions' }, (log) =>
        opts.inProcess ? refreshSuggestions(c.workspace.db, datasetId, { backbone, onProgress: log }) : c.call('suggestions/refresh', { datasetId, ...(backbone ? { backbone } : {}) }),
      );
      o.result(s, () =>
        s.status === 'skipped'
          ? `No suggestions: ${s.note}`
          : `${s.suggested} suggestions from ${s.labelled} labelled images (${s.backbone}) · cross-validated accuracy ${pct(s.validationAccuracy)} on ${s.calibrationImages} · temperature ${s.temperature} · ${s.seconds.toFixed(1)} s`,
      );
    });

  program
    .command('accept')
    .description('accept suggestions at or above a confidence as labels (source "suggestion"; facet undo takes them back)')
    .argument('<dataset>', 'dataset id or name')
    .requiredOption('--min-confidence <x>', 'from 0 to 1, e.g. 0.9', numberFlag('--min-confidence', { min: 0, max: 1 }))
    .option('--class <name>', 'only suggestions of this class')
    .option('--preview', 'only count: label nothing')
    .action(async (ref: string, opts: { minConfidence: number; class?: string; preview?: boolean }) => {
      const { o, c, datasetId } = openDataset(ref);
      const classId = opts.class !== undefined ? findClass(c.workspace.db, datasetId, opts.class).id : undefined;
      const r = await c.call('suggestions/accept', { datasetId, minConfidence: opts.minConfidence, ...(classId ? { classId } : {}), preview: opts.preview ?? false });
      o.result(r, () =>
        r.count === 0
          ? `No suggestion at or above ${pct(opts.minConfidence)}${opts.class ? ` for ${opts.class}` : ''}.`
          : `${r.preview ? 'Would accept' : 'Accepted'} ${r.count} suggestion(s): ${r.byClass.map((b) => `${b.className} ${b.count}`).join(' · ')}${r.preview ? '' : ' (facet undo takes them back)'}`,
      );
    });

  program
    .command('queue')
    .description('the next unlabelled images to label: active (typical images while labels are few, then unsure and diverse) or random')
    .argument('<dataset>', 'dataset id or name')
    .option('--count <n>', 'how many', countFlag('--count'), 20)
    .addOption(new Option('--strategy <name>', 'order').choices([...QUEUE_STRATEGIES]).default('active'))
    .action(async (ref: string, opts: { count: number; strategy: QueueStrategy }) => {
      const { o, c, datasetId } = openDataset(ref);
      const q = await c.call('queue/next', { datasetId, count: Math.max(1, Math.min(500, opts.count)), strategy: opts.strategy });
      o.result(q, () =>
        [
          table(['path', 'suggested', 'confidence', 'held out'], q.images.map((i) => [i.path, i.suggested ?? '–', pct(i.confidence), i.heldOut ?? ''])),
          `${q.remaining} unlabelled · ${q.progress.labelled} of ${q.progress.total} labelled · ${q.method}`,
        ].join('\n'),
      );
    });

  jobCommand('map', 'a 2-D map of the dataset (UMAP of the embeddings, computed when missing or stale)')
    .option('--recompute', 'compute the map again even when it is up to date')
    .action(async (ref: string, opts: { backbone?: BackboneName; recompute?: boolean; inProcess?: boolean }) => {
      const { o, c, datasetId } = openDataset(ref);
      let map = await c.call('map/get', { datasetId });
      let computed: MapSummary | null = null;
      if (opts.recompute || map.computedAt === null || map.missing > 0 || (opts.backbone && opts.backbone !== map.backbone)) {
        const backbone = opts.backbone;
        computed = await runWithProgress(c, o, { event: 'map/progress', datasetId, label: 'Map' }, (log) =>
          opts.inProcess ? computeMap(c.workspace.db, datasetId, { backbone, onProgress: log }) : c.call('map/compute', { datasetId, ...(backbone ? { backbone } : {}) }),
        );
        map = await c.call('map/get', { datasetId });
      }
      // The call answers in columns (compact for the studio); people and scripts read one object per point.
      const { backbone, computedAt, missing } = map;
      o.result({ datasetId, backbone, computedAt, missing, points: mapRows(map), ...(computed ? { seconds: computed.seconds } : {}) }, () =>
        `${map.points.imageId.length} points (${map.backbone}) computed ${map.computedAt}${computed ? ` in ${computed.seconds.toFixed(1)} s${fittedNote(computed)}` : ''}; --json prints them.`,
      );
    });
}
