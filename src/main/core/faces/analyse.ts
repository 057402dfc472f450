// Face analysis of a dataset: every usable image not yet analysed (by content hash) is decoded,
// run through the detector, landmarks and embedding nets, and saved one image at a time, so a
// stopped pass resumes where it was.
import path from 'node:path';
import type { FaceDetectorName, FacesProgress, FacesSummary } from '../../../shared/faces.js';
import type { Database } from '../platform/store/db.js';
import { getDataset } from '../datasets/queries.js';
import { createFaceAnalyzer, decodeUpright, type FaceAnalyzer, type UprightPixels } from './analyzer.js';
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
  const done = opts.redo ? new Set<string>() : analysedHashes(db);
  const todo: { path: string; hash: string }[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    if (done.has(r.hash) || seen.has(r.hash)) continue;
    seen.add(r.hash);
    todo.push(r);
  }

  const failed: { path: string; reason: string }[] = [];
  let faces = 0;
  let analysed = 0;
  let cancelled = false;
  let analyzer = opts.analyzer;
  let backend = analyzer?.backend ?? 'none';
  const detector = analyzer?.detector ?? opts.detector ?? 'ssd';
  if (todo.length > 0) {
    emit({ datasetId, phase: 'loading', done: 0, total: todo.length, faces: 0 });
    analyzer ??= await createFaceAnalyzer({ detector, minScore: opts.minScore });
    backend = analyzer.backend;
    const decode = (i: number): Promise<UprightPixels | Error> =>
      decodeUpright(path.join(dataset.root, todo[i]!.path)).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    // The next picture decodes (in sharp's threads) while the current one is analysed.
    let next = decode(0);
    let lastEmit = 0;
    for (let i = 0; i < todo.length; i++) {
      if (opts.signal?.aborted) {
        cancelled = true;
        break;
      }
      const item = todo[i]!;
      const pixels = await next;
      if (i + 1 < todo.length) next = decode(i + 1);
      if (pixels instanceof Error) {
        failed.push({ path: item.path, reason: `cannot decode: ${reasonInWords(pixels)}` });
        continue;
      }
      try {
        const result = await analyzer.analyse(pixels);
        saveAnalysis(db, item.hash, result, analyzer.detector, analyzer.minScore);
        faces += result.faces.length;
        analysed++;
      } catch (error) {
        failed.push({ path: item.path, reason: reasonInWords(error) });
      }
      const now = performance.now();
      if (now - lastEmit > 250 || i + 1 === todo.length) {
        lastEmit = now;
        emit({ datasetId, phase: 'analysing', done: i + 1, total: todo.length, faces, path: item.path });
      }
    }
  }
  const counts = faceCounts(db, datasetId);
  emit({ datasetId, phase: 'done', done: analysed, total: todo.length, faces });
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
    status: cancelled ? 'cancelled' : 'completed',
  };
}
