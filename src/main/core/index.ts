// The core as a set of handlers keyed by the contract's call names. Every face (Electron IPC, the
// HTTP server, the CLI) dispatches through here, so arguments are validated in one place.
import path from 'node:path';
import { calls, isCallName, type CallName, type CallResult, type ParsedArgs } from '../../shared/contract.js';
import { FacetError, describeValue } from '../../shared/errors.js';
import { DemoError, generateDemo } from './demo/generate.js';
import { addClass, deleteClass, mergeClasses, renameClass } from './datasets/classes.js';
import { deleteDataset } from './datasets/delete.js';
import { importFolder, rescanDataset } from './datasets/import.js';
import { holdoutRule } from './datasets/holdout.js';
import { jobProber } from './datasets/image-prober.js';
import { redo, setLabels, undo } from './datasets/labels.js';
import { getDataset, listClasses, listDatasets, listSkipped } from './datasets/queries.js';
import { listImages } from './queries/images.js';
import { CoreEvents } from './platform/events.js';
import { runDir } from './training/checkpoint.js';
import { engineSummary } from './training/doctor.js';
import { exportDataset, exportRun } from './export/index.js';
import { Predictor } from './training/predictor.js';
import { getRunDetail, listRuns } from './training/run-store.js';
import { compareRuns, deleteRun, renameRun } from './training/run-admin.js';
import { listPredictions } from './training/evaluation-queries.js';
import { Runs } from './training/runs.js';
import { RunEstimator } from './training/estimate.js';
import type { ProcessLauncher } from './platform/jobs/child-process.js';
import type { modelPixelsRequest } from './platform/engine/pixel-cache.js';
import { JobSupervisor } from './platform/jobs/supervisor.js';
import { imageDecoder, type ImageDecoder } from './platform/media/decoder.js';
import { builtSibling } from './platform/files/built-file.js';
import { Audits } from './quality/audits.js';
import { latestAuditId } from './quality/audit-store.js';
import { acceptSuggestions, keepLabels, resolveLeak } from './quality/decisions.js';
import { auditReport } from './quality/report.js';
import { setExcluded } from './datasets/exclusions.js';
import { HealthChecks } from './quality/health/health-checks.js';
import { keepImages, setThresholds } from './quality/health/store.js';
import { asStoreError } from './platform/store/db.js';
import { FaceJobs } from './faces/face-jobs.js';
import { faceBuckets, getImageFaces } from './faces/face-store.js';
import { findFaceLeaks, groupByIdentity } from './faces/identity.js';
import type { Workspace } from './platform/workspace.js';
import { resolveUserPath, type UserPathContext } from './platform/files/user-path.js';
import { DEFAULT_BACKBONE, type EmbeddingsProgress } from '../../shared/labelling.js';
import { LabellingJobs } from './suggestions/labelling-jobs.js';
import { embeddingsStatus, faceSummaryAsEmbeddings } from './suggestions/embedding-status.js';
import { acceptSuggestions as acceptLabelSuggestions, listSuggestions, suggestionsByImage, suggestionsStatus } from './suggestions/accept.js';
import { labellingProgress, nextInQueue } from './suggestions/queue.js';
import { getMap } from './suggestions/map.js';
import { issueSentence } from '../../shared/user-words.js';

export interface CoreOptions {
  /** How job processes are started: child_process.fork by default, utilityProcess in Electron. */
  launcher?: ProcessLauncher;
  /** The image decoder's time limit, idle time and concurrency (tests shorten them). */
  decoder?: Parameters<typeof imageDecoder>[1];
  /**
   * The folder relative paths the user types are resolved against: the CLI's current folder. The
   * app and the server leave it unset and refuse relative paths (their working folder means nothing
   * to the user).
   */
  relativePathsFrom?: string;
}

export type Handlers = { [N in CallName]: (args: ParsedArgs<N>) => Promise<CallResult<N>> | CallResult<N> };

export class Core {
  readonly events = new CoreEvents();
  readonly handlers: Handlers;
  /** The one supervisor of every job process (runs, audits, face analysis, prediction, ...). */
  readonly jobs: JobSupervisor;
  /**
   * The one long-lived process that decodes pictures for this process (face-crop thumbnails, the
   * export check): started on first use, again after a crash, stopped when idle and on close.
   */
  readonly decoder: ImageDecoder;
  readonly runs: Runs;
  readonly audits: Audits;
  readonly faces: FaceJobs;
  readonly predictor: Predictor;
  /** How paths the user types are read (see CoreOptions.relativePathsFrom). */
  readonly paths: UserPathContext;
  /** Embedding passes, suggestion refreshes and maps (issue 17), each in its own process. */
  readonly labelling: LabellingJobs;
  readonly estimator: RunEstimator;
  /** The health report; measuring and the pairwise checks run in the health job. */
  readonly health: HealthChecks;

  constructor(
    readonly workspace: Workspace,
    options: CoreOptions = {},
  ) {
    const ws = workspace;
    const db = ws.db;
    this.jobs = new JobSupervisor({
      workspaceDir: ws.dir,
      entry: () => builtSibling(import.meta.url, './job-process.js'),
      ...(options.launcher ? { launcher: options.launcher } : {}),
    });
    this.decoder = imageDecoder(this.jobs, options.decoder);
    this.runs = new Runs(ws, this.events, this.jobs);
    this.audits = new Audits(ws, this.events, this.jobs);
    this.faces = new FaceJobs(ws, this.events, this.jobs);
    this.predictor = new Predictor(ws, this.jobs);
    // Import and rescan decode the user's images in the job process, never here.
    const decode = jobProber(this.jobs);
    const paths: UserPathContext = options.relativePathsFrom === undefined ? {} : { relativeTo: options.relativePathsFrom };
    this.paths = paths;
    this.labelling = new LabellingJobs(ws, this.events, this.jobs);
    this.estimator = new RunEstimator(ws.db, { workspaceDir: ws.dir });
    this.health = new HealthChecks(ws, this.jobs, this.events);
    const progress = (p: Parameters<CoreEvents['emit']>[1] & object) => this.events.emit('import/progress', p as never);
    this.handlers = {
      'workspace/info': () => ws.info(),
      'datasets/list': () => listDatasets(db),
      'datasets/get': (a) => getDataset(db, a.datasetId),
      // The import decodes each picture once (hash, header, thumbnail); the label-free health measures
      // follow it in the health job, from the stored thumbnails, while the dataset is already usable.
      'datasets/import': async (a) => {
        const summary = await importFolder(ws, a, progress, paths, decode);
        this.health.measureInBackground(summary.datasetId);
        return summary;
      },
      'datasets/rescan': async (a) => {
        const summary = await rescanDataset(ws, a.datasetId, progress, 'rescan', decode);
        this.health.measureInBackground(summary.datasetId);
        return summary;
      },
      'datasets/skipped': (a) => listSkipped(db, a.datasetId),
      'datasets/delete': async (a) => {
        // The health checks that follow an import are no reason to refuse: they stop, and go with it.
        if (!a.dryRun) await this.health.cancel(a.datasetId);
        return deleteDataset(db, a.datasetId, {
          cacheDir: ws.cacheDir,
          runFolder: (runId) => runDir(ws.dir, runId),
          busy: (datasetId, runIds, auditIds) =>
            runIds.some((r) => this.runs.isActive(r)) ? 'a training run is still going'
            : auditIds.some((r) => this.audits.isActive(r)) ? 'an audit is still going'
            : this.faces.isActive(datasetId) ? 'its faces are being analysed'
            : null,
          ...(a.dryRun ? { dryRun: true } : {}),
        });
      },
      'images/list': (a) => listImages(db, a),
      'labels/set': (a) => setLabels(db, a.datasetId, a.imageIds, a.classId, a.source ?? 'user'),
      'labels/undo': (a) => undo(db, a.datasetId),
      'labels/redo': (a) => redo(db, a.datasetId),
      'classes/list': (a) => listClasses(db, a.datasetId),
      'classes/add': (a) => addClass(db, a.datasetId, a.name),
      'classes/rename': (a) => renameClass(db, a.classId, a.name),
      'classes/merge': (a) => mergeClasses(db, a.sourceClassId, a.targetClassId),
      'classes/delete': (a) => deleteClass(db, a.classId, a.moveToClassId),
      'demo/generate': (a) =>
        generateDemo({ out: a.out ?? path.join(ws.dir, 'demo', 'faces'), count: a.count, seed: a.seed, replaceOlder: a.out === undefined }).catch((error: unknown) => {
          if (!(error instanceof DemoError)) throw error;
          throw new FacetError(error.code === 'invalid-option' ? 'invalid-argument' : 'conflict', error.message, error.target ? { file: error.target } : {});
        }),
      'runs/start': (a) => this.runs.start({ datasetId: a.datasetId, hyperparameters: a.hyperparameters, name: a.name }),
      'runs/estimate': (a) => this.estimator.estimate(a),
      'runs/resume': (a) => this.runs.resume(a.runId),
      'runs/cancel': (a) => this.runs.cancel(a.runId),
      'runs/list': (a) => listRuns(db, a.datasetId),
      'runs/get': (a) => getRunDetail(db, a.runId),
      'runs/rename': (a) => renameRun(db, a.runId, a.name),
      'runs/delete': (a) => deleteRun(db, ws.dir, a.runId, (id) => this.runs.isActive(id)),
      'runs/compare': (a) => compareRuns(db, a.runIds),
      'runs/predictions': (a) => listPredictions(db, a.runId, a),
      'runs/predict': (a) => this.predictor.predict(a.runId, a.paths.map((p) => resolveUserPath(p, 'paths', paths))),
      'runs/export': (a) => exportRun(db, ws.dir, a, paths, (file, size, colorMode) => this.decoder.request<typeof modelPixelsRequest>('model-pixels', { file, size, colorMode })),
      'datasets/export': (a) => exportDataset(db, a, paths),
      'paths/resolve': (a) => ({ path: resolveUserPath(a.path, a.field ?? 'path', paths) }),
      'engine/info': () => engineSummary(),
      'audit/start': (a) => this.audits.start({ datasetId: a.datasetId, settings: a.settings }),
      'audit/cancel': (a) => this.audits.cancel(a.auditId),
      'audit/resume': (a) => this.audits.resume(a.auditId),
      'audit/get': (a) => auditReport(db, a.auditId ?? latestAuditId(db, a.datasetId!), a.limit),
      'audit/accept': (a) => acceptSuggestions(db, a.auditId, a.imageIds, a.classId),
      'audit/keep': (a) => keepLabels(db, a.auditId, a.imageIds),
      'audit/resolveLeak': (a) => resolveLeak(db, a),
      'health/check': (a) => this.health.report(a.datasetId, { measure: true }),
      'health/get': (a) => this.health.report(a.datasetId),
      'health/setThresholds': (a) => {
        setThresholds(db, a.datasetId, a.thresholds);
        return this.health.report(a.datasetId);
      },
      'health/exclude': (a) => setExcluded(db, a.datasetId, a.imageIds, a.excluded),
      'health/keep': (a) => keepImages(db, a.datasetId, a.imageIds, a.type),
      'faces/analyse': (a) => this.faces.analyse(a),
      'faces/cancel': (a) => this.faces.cancel(a.datasetId),
      'faces/counts': (a) => {
        getDataset(db, a.datasetId);
        return faceBuckets(db, a.datasetId);
      },
      'faces/image': (a) => getImageFaces(db, a.imageId),
      'faces/group': (a) => groupByIdentity(db, a.datasetId, a),
      'faces/leaks': (a) => findFaceLeaks(db, a.datasetId, a.threshold),
      'embeddings/start': async (a) => {
        const made = a.backbone === 'face' ? faceSummaryAsEmbeddings(await this.faces.analyse({ datasetId: a.datasetId })) : await this.labelling.run('embed', a.datasetId, a.backbone ?? DEFAULT_BACKBONE);
        // New embeddings change the outliers and near-duplicates: compared again in the background.
        this.health.measureInBackground(a.datasetId);
        return made;
      },
      'embeddings/cancel': async (a) => {
        const [pixels, faces] = await Promise.all([this.labelling.cancel('embed', a.datasetId), this.faces.isActive(a.datasetId) ? this.faces.cancel(a.datasetId) : { cancelled: false }]);
        return { cancelled: pixels.cancelled || faces.cancelled };
      },
      'embeddings/status': (a) => {
        const job = this.labelling.running('embed', a.datasetId);
        return embeddingsStatus(db, a.datasetId, job ? { backbone: job.backbone ?? DEFAULT_BACKBONE, progress: job.progress as EmbeddingsProgress | null } : null);
      },
      'suggestions/refresh': (a) => this.labelling.run('suggest', a.datasetId, a.backbone),
      'suggestions/cancel': (a) => this.labelling.cancel('suggest', a.datasetId),
      'suggestions/status': (a) => suggestionsStatus(db, a.datasetId, this.labelling.running('suggest', a.datasetId) !== null),
      'suggestions/list': (a) => listSuggestions(db, a),
      'suggestions/byImage': (a) => suggestionsByImage(db, a.datasetId),
      'suggestions/accept': (a) => acceptLabelSuggestions(db, a),
      'queue/next': (a) => nextInQueue(db, a),
      'queue/progress': (a) => labellingProgress(db, a.datasetId),
      'splits/holdout': (a) => holdoutRule(db, a.datasetId),
      'map/compute': (a) => this.labelling.run('map', a.datasetId, a.backbone),
      'map/cancel': (a) => this.labelling.cancel('map', a.datasetId),
      'map/get': (a) => getMap(db, a.datasetId),
    };
  }

  /** Validates raw arguments against the contract, then runs the handler. Throws FacetError. */
  async dispatch(name: unknown, rawArgs: unknown): Promise<unknown> {
    if (!isCallName(name)) {
      throw new FacetError('invalid-argument', `Unknown call ${describeValue(name)}.`, { field: 'call' });
    }
    const parsed = calls[name].args.safeParse(rawArgs ?? {});
    if (!parsed.success) {
      // In the user's words (user-words.ts): "Folds must be at least 2.", never "received NaN".
      const { message, field } = issueSentence(parsed.error.issues[0]!);
      throw new FacetError('invalid-argument', message, field ? { field } : {});
    }
    const handler = this.handlers[name] as (args: unknown) => unknown;
    try {
      return await handler(parsed.data);
    } catch (error) {
      // Writes outside writeTransaction meet locks, read-only and full disks too: same messages.
      throw asStoreError(this.workspace.db, error);
    }
  }

  /** Typed in-process call, for the CLI and tests. */
  async call<N extends CallName>(name: N, args: ParsedArgs<N> | Record<string, unknown>): Promise<CallResult<N>> {
    return (await this.dispatch(name, args)) as CallResult<N>;
  }

  async close(): Promise<void> {
    // Runs and audits first: their cancel also records the row as cancelled; then every other job.
    // The decoder first refuses new requests, so nothing starts it again while the rest stops.
    await Promise.all([this.runs.stopAll(), this.audits.stopAll(), this.decoder.stop()]);
    await this.jobs.stopAll();
    this.workspace.close();
  }
}
