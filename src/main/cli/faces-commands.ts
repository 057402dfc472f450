// Face commands of the `facet` CLI: faces (analyse, group identities, report leakage) and
// export-face-head (the trained head of a face-embedding run; an alias of export --format tfjs).
import { Option, type Command } from 'commander';
import { FacetError } from '../../shared/errors.js';
import { DEFAULT_DUPLICATE_THRESHOLD, DEFAULT_IDENTITY_THRESHOLD, FACE_DETECTORS, FACE_FILTERS, type FaceDetectorName, type FaceFilter, type FaceLeakReport, type FacesSummary, type IdentityGroups } from '../../shared/faces.js';
import type { Core } from '../core/index.js';
import { findDataset } from '../core/datasets/queries.js';
import { analyseDataset } from '../core/faces/analyse.js';
import { exportEmbeddingHead } from '../core/export/index.js';
import { renderModelExport } from './export-commands.js';
import { table, type Output } from './output.js';
import { EXIT, type CliContext } from './context.js';
import { numberFlag, parseRunId } from './flags.js';

export interface FaceAnalysisOptions {
  detector?: FaceDetectorName;
  minScore?: number;
  redo?: boolean;
  /** Analyse in this process instead of a forked one (no build needed; blocks this event loop). */
  inProcess?: boolean;
}

/**
 * Analyses a dataset's faces with progress on stderr; resolves with the summary. `facet import
 * --faces` calls this right after the import.
 */
export async function runFaceAnalysis(core: Core, datasetId: number, opts: FaceAnalysisOptions, o: Output): Promise<FacesSummary> {
  let lastQuarter = -1;
  const off = core.events.on('faces/progress', (p) => {
    if (p.datasetId !== datasetId) return;
    if (p.phase === 'loading') o.log(`Loading the face models, then analysing ${p.total} image(s)…`);
    if (p.phase !== 'analysing' || p.total === 0) return;
    const quarter = Math.floor((p.done / p.total) * 4);
    if (quarter !== lastQuarter) {
      lastQuarter = quarter;
      o.log(`Faces: ${p.done}/${p.total} images · ${p.faces} face(s)`);
    }
  });
  try {
    const args = { datasetId, ...(opts.detector ? { detector: opts.detector } : {}), ...(opts.minScore !== undefined ? { minScore: opts.minScore } : {}), redo: opts.redo ?? false };
    if (!opts.inProcess) return await core.call('faces/analyse', args);
    return await analyseDataset(core.workspace.db, datasetId, { ...args, onProgress: (p) => core.events.emit('faces/progress', p) });
  } finally {
    off();
  }
}

/** A face-descriptor distance: more than 0, at most 2. */
const threshold = (flag: string) => numberFlag(flag, { max: 2, check: (n) => n > 0, accepts: 'a distance in (0, 2]' });

function summaryLine(s: FacesSummary): string {
  const failed = s.failed.length ? ` · ${s.failed.length} unreadable` : '';
  return `${s.analysedImages}/${s.images} images analysed (${s.newlyAnalysed} now, ${s.seconds.toFixed(1)} s on ${s.backend}) · ${s.faces} faces · ${s.noFace} with no face · ${s.multiFace} with several${failed}`;
}

export function registerFacesCommands(program: Command, ctx: CliContext): void {
  program
    .command('faces')
    .description('detect faces, landmarks and face descriptors of a dataset (resumable); group identities; report face leakage')
    .argument('<dataset>', 'dataset id or name')
    .addOption(new Option('--detector <name>', 'face detector').choices([...FACE_DETECTORS]).default('ssd'))
    .option('--min-score <x>', 'drop detections below this score', numberFlag('--min-score', { min: 0, max: 1 }), 0.5)
    .option('--redo', 'analyse again images that have an analysis')
    .option('--in-process', 'analyse in this process (no forked worker)')
    .option('--group', 'cluster faces into identity groups: group keys face:N for images without a key; places images with no split')
    .option('--resplit', 'with --group: re-split ALL images with the identity groups (moves images between splits)')
    .option('--threshold <d>', 'identity distance threshold (average linkage)', threshold('--threshold'), DEFAULT_IDENTITY_THRESHOLD)
    .option('--leaks', 'report near-duplicate faces in different splits')
    .option('--duplicate-threshold <d>', 'distance under which two faces are near-duplicates', threshold('--duplicate-threshold'), DEFAULT_DUPLICATE_THRESHOLD)
    .addOption(new Option('--show <filter>', 'list the images of a face filter').choices([...FACE_FILTERS]))
    .action(async (ref: string, opts: { detector: FaceDetectorName; minScore: number; redo?: boolean; inProcess?: boolean; group?: boolean; resplit?: boolean; threshold: number; leaks?: boolean; duplicateThreshold: number; show?: FaceFilter }) => {
      const o = ctx.out();
      const c = ctx.open();
      if (opts.resplit && !opts.group) throw new FacetError('invalid-argument', '--resplit re-splits with identity groups: give --group too.', { field: '--resplit' });
      const dataset = findDataset(c.workspace.db, ref);
      const summary = await runFaceAnalysis(c, dataset.id, opts, o);
      const groups: IdentityGroups | null = opts.group ? await c.call('faces/group', { datasetId: dataset.id, threshold: opts.threshold, resplit: opts.resplit ?? false }) : null;
      const leaks: FaceLeakReport | null = opts.leaks ? await c.call('faces/leaks', { datasetId: dataset.id, threshold: opts.duplicateThreshold }) : null;
      const shown = opts.show ? (await c.call('images/list', { datasetId: dataset.id, faces: opts.show })).items.map((i) => i.path) : null;
      if (summary.failed.length > 0) ctx.setExit(EXIT.skipped);
      o.result(
        {
          datasetId: dataset.id,
          images: summary.images,
          faces: summary.faces,
          noFace: summary.noFace,
          multiFace: summary.multiFace,
          analysedImages: summary.analysedImages,
          newlyAnalysed: summary.newlyAnalysed,
          failed: summary.failed,
          detector: summary.detector,
          backend: summary.backend,
          seconds: summary.seconds,
          status: summary.status,
          ...(groups ? { groups } : {}),
          ...(leaks ? { leaks: leaks.leaks } : {}),
          ...(shown ? { [opts.show!]: shown } : {}),
        },
        () => {
          const lines = [summaryLine(summary)];
          if (groups) {
            lines.push(
              `Identity groups (average linkage, distance ≤ ${groups.threshold}): ${groups.groups} from ${groups.images} images with a face, ${groups.sharedGroups} with 2+ images; ` +
                `${groups.keysWritten} group keys written, ${groups.keptKeys} kept from the import; ${groups.assigned} images placed in a split${groups.moved ? `, ${groups.moved} moved` : ''}.`,
            );
            if (groups.straddling > 0) {
              lines.push(`${groups.straddling} identity group(s) span several splits (existing splits were kept): re-split with --group --resplit to keep each person on one side.`);
            }
          }
          if (leaks) {
            lines.push(leaks.leaks.length === 0 ? `No near-duplicate faces across splits (distance < ${leaks.threshold}).` : `${leaks.leaks.length} near-duplicate face pair(s) across splits (distance < ${leaks.threshold}):`);
            if (leaks.leaks.length > 0) {
              lines.push(table(['distance', 'image', 'split', 'other image', 'split'], leaks.leaks.slice(0, 50).map((l) => [l.distance.toFixed(3), l.a.path, l.a.split, l.b.path, l.b.split])));
            }
          }
          if (shown) lines.push(`${opts.show} (${shown.length}):`, ...shown.map((p) => `  ${p}`));
          return lines.join('\n');
        },
      );
    });

  program
    .command('export-face-head')
    .description('export the trained head of a face-embedding run: the same as `facet export RUN --format tfjs` (model, labels, embedding-net preprocessing, model card, checked)')
    .argument('<run>', 'run id', parseRunId)
    .requiredOption('--out <dir>', 'folder to write')
    .action(async (runId: number, opts: { out: string }) => {
      const o = ctx.out();
      const c = ctx.open();
      const result = await exportEmbeddingHead(c.workspace.db, c.workspace.dir, runId, opts.out);
      o.result(result, () => renderModelExport(result));
      if (result.check && !result.check.passed) ctx.setExit(EXIT.failed);
    });
}
