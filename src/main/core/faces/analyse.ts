// Face analysis of a dataset: every usable image not yet analysed (by content hash) is decoded,
// run through the detector, landmarks and embedding nets, and saved one image at a time, so a
// stopped pass resumes where it was (platform/jobs/hash-pass.ts).
import path from 'node:path';
import type { FaceDetectorName, FacesProgress, FacesSummary } from '../../../shared/faces.js';
import { runHashPass } from '../platform/jobs/hash-pass.js';
import type { Database } from '../platform/store/db.js';
import { getDataset } from '../datasets/queries.js';
import { createFaceAnalyzer, decodeUpright, type FaceAnalyzer } from './analyzer.js';
import { analysedHashes, faceCounts, saveAnalysis } from './face-store.js';
import { reasonInWords } from '../../../shared/user-words.js';

export interface AnalyseOptions {
  detector?: FaceDetectorName;
  minScore?: number;
  /** Analyse again images that have an analysis already. */
  redo?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: FacesProgress) => void;
  /** Test hook: an analyzer already loaded. */
  analyzer?: FaceAnalyzer;
}

export async function analyseDataset(db: Database, datasetId: number, opts: AnalyseOptions = {}): Promise<FacesSummary> {
  const started = performance.now();
  const dataset = getDataset(db, datasetId);
  const emit = opts.onProgress ?? (() => {});
  const rows = db
    .prepare(`SELECT path, hash FROM images WHERE dataset_id = ? AND status = 'ok' AND hash IS NOT NULL ORDER BY path`)
    .all(datasetId) as { path: string; hash: string }[];
  const failed: { path: string; reason: string }[] = [];
  let faces = 0;
  let analysed = 0;
  let analyzer = opts.analyzer;
  let backend = analyzer?.backend ?? 'none';
  const detector = analyzer?.detector ?? opts.detector ?? 'ssd';
  // One picture at a time: the next decodes (in sharp's threads) while this one is analysed.
  const pass = await runHashPass({
    files: rows,
    done: opts.redo ? new Set<string>() : analysedHashes(db),
    batchSize: 1,
    signal: opts.signal,
    begin: async (total) => {
      emit({ datasetId, phase: 'loading', done: 0, total, faces: 0 });
      analyzer ??= await createFaceAnalyzer({ detector, minScore: opts.minScore });
      backend = analyzer.backend;
    },
    decode: (item) => decodeUpright(path.join(dataset.root, item.path)),
    process: async (batch) => {
      const { file, decoded } = batch[0]!;
      if (decoded instanceof Error) {
        failed.push({ path: file.path, reason: `cannot decode: ${reasonInWords(decoded)}` });
        return;
      }
      try {
        const result = await analyzer!.analyse(decoded);
        saveAnalysis(db, file.hash, result, analyzer!.detector, analyzer!.minScore);
        faces += result.faces.length;
        analysed++;
      } catch (error) {
        failed.push({ path: file.path, reason: reasonInWords(error) });
      }
    },
    onProgress: (done, total, last) => emit({ datasetId, phase: 'analysing', done, total, faces, path: last }),
  });
  const counts = faceCounts(db, datasetId);
  emit({ datasetId, phase: 'done', done: analysed, total: pass.total, faces });
  return {
    datasetId,
    images: counts.images,
    analysedImages: counts.analysedImages,
    newlyAnalysed: analysed,
    faces: counts.faces,
    noFace: counts.noFace,
    multiFace: counts.multiFace,
    failed,
    detector,
    backend,
    seconds: (performance.now() - started) / 1000,
    status: pass.cancelled ? 'cancelled' : 'completed',
  };
}
