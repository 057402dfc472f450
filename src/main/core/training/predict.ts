// Sample predictions with a trained run, as the seed report shows them: class and confidence per
// image; a face-embedding run analyses each photo's face first and classifies its descriptor, and a
// run trained with crop to face sees each photo's face crop, as in training.
import fs from 'node:fs/promises';
import path from 'node:path';
import { FacetError } from '../../../shared/errors.js';
import type { PredictionFace, PredictOutcome, Prediction } from '../../../shared/runs.js';
import type { Database } from '../platform/store/db.js';
import { IMAGE_EXTENSIONS } from '../datasets/scan.js';
import { createFaceAnalyzer, decodeUpright, type FaceAnalyzer } from '../faces/analyzer.js';
import { decodeFaceCrop } from '../faces/crop.js';
import { eyeRoll } from '../faces/face-store.js';
import { loadCheckpoint, runDir } from './checkpoint.js';
import { embeddingHeadWithWeights, faceAnalysisSettings, predictPhotos } from './embedding-preset.js';
import { predictTransferPhotos, transferHeadWithWeights } from './transfer-preset.js';
import { loadBackbone } from '../embeddings/backbones.js';
import { createStepTrainer, loadEngine } from '../platform/engine/index.js';
import { predictionOf } from './metrics.js';
import { decodeForModel, type ColorMode } from '../platform/engine/pixel-cache.js';
import { getRun } from './run-store.js';
import { loadSnapshot } from './snapshots.js';
import { initialWeights } from './trainer.js';
import { reasonInWords } from '../../../shared/user-words.js';

/** Files given, and image files found at any depth under folders given, in a stable order. */
export async function expandImagePaths(inputs: string[]): Promise<{ files: string[]; failed: { path: string; reason: string }[] }> {
  const files: string[] = [];
  const failed: { path: string; reason: string }[] = [];
  const walk = async (p: string, explicit: boolean): Promise<void> => {
    let st;
    try {
      st = await fs.stat(p);
    } catch (error) {
      failed.push({ path: p, reason: `cannot read: ${reasonInWords(error)}` });
      return;
    }
    if (st.isDirectory()) {
      const entries = (await fs.readdir(p)).sort();
      for (const e of entries) if (!e.startsWith('.')) await walk(path.join(p, e), false);
    } else if (!st.isFile()) {
      // Reading a pipe or a device never ends.
      if (explicit) failed.push({ path: p, reason: 'a special file (device, pipe or socket), not an image' });
    } else if (explicit || IMAGE_EXTENSIONS.has(path.extname(p).toLowerCase())) files.push(p);
  };
  for (const input of inputs) await walk(path.resolve(input), true);
  return { files, failed };
}

export async function predictWithRun(db: Database, workspaceDir: string, runId: number, inputs: string[]): Promise<PredictOutcome> {
  const run = getRun(db, runId);
  const checkpoint = loadCheckpoint(runDir(workspaceDir, runId), 'best');
  if (!checkpoint) {
    throw new FacetError('not-found', `Run ${runId} has no trained weights yet (status: ${run.status}).`, {
      field: 'run',
      hint: 'Wait for at least one epoch to finish, or pick a completed run (facet runs).',
    });
  }
  const hp = run.hyperparameters;
  const { files, failed } = await expandImagePaths(inputs);
  if (hp.preset === 'face-embedding') {
    // Each photo is analysed as `facet faces` analysed the training photos, then the head classifies its descriptor.
    const settings = faceAnalysisSettings(db, loadSnapshot(db, run.snapshotId).items.map((i) => i.hash));
    const { tf } = await loadEngine();
    const head = embeddingHeadWithWeights(tf, hp, run.classes.length, checkpoint.weights);
    try {
      const analyzer = await createFaceAnalyzer(settings);
      return { predictions: await predictPhotos(tf, head, run.classes, analyzer, files, failed), failed };
    } finally {
      head.dispose();
    }
  }
  if (hp.preset === 'transfer') {
    // Each photo is embedded by the run's backbone, decoded as the embedding pass decodes, then the head classifies it.
    const { tf } = await loadEngine();
    const head = transferHeadWithWeights(tf, hp, run.classes.length, checkpoint.weights);
    const backbone = await loadBackbone(hp.backbone);
    try {
      return { predictions: await predictTransferPhotos(tf, head, run.classes, backbone, files, failed), failed };
    } finally {
      head.dispose();
      backbone.dispose();
    }
  }
  const k = run.classes.length;
  const { modelJson } = await initialWeights(hp, k);
  const trainer = await createStepTrainer({ modelJson, initialWeights: checkpoint.weights, optimizer: { name: 'sgd', learningRate: 0.01 }, threads: 1 });
  // Trained on face crops: each photo is analysed as the training photos were and cropped the same way.
  const analyzer = hp.cropToFace.enabled ? await createFaceAnalyzer(faceAnalysisSettings(db, loadSnapshot(db, run.snapshotId).items.map((i) => i.hash))) : null;
  const predictions: Prediction[] = [];
  try {
    for (const file of files) {
      let input: { pixels: Buffer; face?: PredictionFace };
      try {
        input = analyzer ? await faceCropInput(analyzer, file, hp.imageSize, hp.colorMode, hp.cropToFace.margin) : { pixels: await decodeForModel(file, hp.imageSize, hp.colorMode) };
      } catch (error) {
        failed.push({ path: file, reason: `not a readable image: ${reasonInWords(error)}` });
        continue;
      }
      predictions.push(predictionOf(file, run.classes, await trainer.predictBatch(Float32Array.from(input.pixels), 1), input.face));
    }
  } finally {
    await trainer.dispose();
  }
  return { predictions, failed };
}

/**
 * The model input of a photo for a run trained with crop to face, made as FaceCropCache makes the
 * training pixels: the most confident face's aligned crop, or the whole picture when none is found.
 */
export async function faceCropInput(analyzer: FaceAnalyzer, file: string, size: number, colorMode: ColorMode, margin: number): Promise<{ pixels: Buffer; face: PredictionFace }> {
  const analysis = await analyzer.analyse(await decodeUpright(file));
  const top = analysis.faces[0];
  const face: PredictionFace = { found: analysis.faces.length, used: top ? { box: top.box, score: top.score } : null, width: analysis.width, height: analysis.height };
  if (!top) return { pixels: await decodeForModel(file, size, colorMode), face };
  const roll = eyeRoll(Float32Array.from(top.landmarks.flat()));
  const pixels = await decodeFaceCrop(file, { ...top.box, roll }, analysis.width, analysis.height, margin, size, colorMode);
  return { pixels, face };
}
