// `facet export RUN --format tfjs|onnx --out DIR`: the run's best weights as a model other tools load,
// with its labels, preprocessing and model card, checked against the trained model after writing.
// A face-embedding run exports its head (input: a face descriptor), checked on stored descriptors.
import fs from 'node:fs';
import path from 'node:path';
import { FacetError } from '../../../shared/errors.js';
import type { ExportCheck, ModelExportResult, ModelFormat, ModelInput } from '../../../shared/export.js';
import type { Database } from '../platform/store/db.js';
import { decodeForModel, type PixelDecoder } from '../platform/engine/pixel-cache.js';
import { EMBEDDING_SIZE, faceAnalysisSettings } from '../training/embedding-preset.js';
import { getRun, getRunDetail } from '../training/run-store.js';
import { loadSnapshot } from '../training/snapshots.js';
import { compareOn, loadOnnxRuntime, onnxPredictor, sampleRunEmbeddings, sampleRunImages, tfjsPredictor } from './check.js';
import { writeFileAtomic } from '../platform/files/atomic.js';
import { prepareOutputFolder, removeCreatedFolders, type UserPathContext } from '../platform/files/user-path.js';
import { faceDescriptorPreprocessing, preprocessingFor, renderModelCard } from './model-card.js';
import { layersModelToOnnx, onnxInputName } from './onnx-model.js';
import { loadRunModel } from './run-model.js';
import { sampleTransferEmbeddings, transferPreprocessing } from './transfer-export.js';
import { fileModelHandler, serializeLayersModel, writeLayersModel } from './tfjs-files.js';

export const ONNX_FILE = 'model.onnx';
export const DEFAULT_CHECK_IMAGES = 32;

export interface ExportRunOptions {
  runId: number;
  format: ModelFormat;
  out: string;
  /** Images to compare the export on after writing; 0 turns the check off. */
  check?: number;
  /** Write into a folder that is not empty (files with the same names are replaced). */
  force?: boolean;
}

export function appVersion(): string {
  try {
    // src/main/core/export and dist/main/core/export are both four levels below the package root.
    return (JSON.parse(fs.readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * `decode` reads the check's sample images: the core passes its image decoder process; the default
 * decodes here, for callers without one (the CLI's face-embedding head export decodes no image).
 */
export async function exportRun(db: Database, workspaceDir: string, opts: ExportRunOptions, paths: UserPathContext = {}, decode: PixelDecoder = decodeForModel): Promise<ModelExportResult> {
  const detail = getRunDetail(db, opts.runId);
  // The folder is checked before the model loads: a refused path answers at once.
  const target = await prepareOutputFolder(opts.out, '--out', { ctx: paths, force: opts.force, forceFlag: 'add --force' });
  let loaded;
  try {
    loaded = await loadRunModel(db, workspaceDir, opts.runId);
  } catch (error) {
    await removeCreatedFolders(target.created);
    throw error;
  }
  const { tf, model, run } = loaded;
  const out = target.dir;
  // Everything this export writes that was not there before; a failure removes exactly these.
  const written = new Set<string>();
  try {
    const version = appVersion();
    const snapshot = loadSnapshot(db, run.snapshotId);
    // A face-embedding run exports its head: input a face descriptor, with the embedding net named.
    const faceDescriptor = run.hyperparameters.preset === 'face-embedding' ? faceDescriptorPreprocessing(faceAnalysisSettings(db, snapshot.items.map((i) => i.hash))) : undefined;
    const faceSettings = run.hyperparameters.cropToFace.enabled ? faceAnalysisSettings(db, snapshot.items.map((i) => i.hash)) : undefined;
    // A transfer run exports its head: input a backbone's embedding, with the backbone package named.
    const transfer = run.hyperparameters.preset === 'transfer' ? transferPreprocessing(run.hyperparameters.backbone) : undefined;
    const preprocessing = faceDescriptor ?? transfer ?? preprocessingFor(detail, faceSettings);
    const inputLayout = faceDescriptor || transfer ? 'NC' : 'NHWC';
    const input: ModelInput = faceDescriptor
      ? { kind: 'face-descriptor', shape: faceDescriptor.input.shape, embeddingNet: faceDescriptor.embedding, detector: faceDescriptor.detector, minScore: faceDescriptor.minScore }
      : transfer
        ? { kind: 'image-embedding', shape: transfer.input.shape, backbone: { name: transfer.backbone.name, package: transfer.backbone.package, version: transfer.backbone.version, inputSize: transfer.backbone.inputSize } }
        : { kind: 'image', shape: preprocessingFor(detail).input.shape };
    const inputText = faceDescriptor
      ? `float32 [batch, ${EMBEDDING_SIZE}] face descriptors (${faceDescriptor.embedding.net}, ${faceDescriptor.embedding.package})`
      : transfer
        ? `float32 [batch, ${transfer.input.shape[1]}] ${transfer.backbone.name} embeddings (${transfer.backbone.package}@${transfer.backbone.version})`
        : 'NHWC float32 input, raw 0..255 pixels';
    // Convert in memory first: an unsupported layer fails before anything is written.
    const onnxBytes = opts.format === 'onnx'
      ? layersModelToOnnx(model, {
          producerVersion: version,
          docString: `${run.name} (run ${run.id}): ${inputText}; softmax probabilities over ${run.classes.join(', ')}.`,
          metadata: { classes: JSON.stringify(run.classes), input_layout: inputLayout, preprocessing: JSON.stringify(preprocessing) },
        })
      : null;
    const tfjsFiles = opts.format === 'tfjs' ? await serializeLayersModel(tf, model) : null;
    const planned = [...(onnxBytes ? [ONNX_FILE] : []), ...(tfjsFiles ? tfjsFiles.keys() : []), 'labels.json', 'preprocessing.json', 'MODEL_CARD.md'];
    for (const f of planned) if (!target.existing.has(f)) written.add(f);
    try {
      const files: string[] = [];
      if (onnxBytes) {
        await writeFileAtomic(path.join(out, ONNX_FILE), onnxBytes);
        files.push(ONNX_FILE);
      }
      if (tfjsFiles) files.push(...(await writeLayersModel(out, tfjsFiles)));

      let check: ExportCheck | null = null;
      let checkSkipped: string | undefined;
      const count = opts.check ?? DEFAULT_CHECK_IMAGES;
      if (count === 0) checkSkipped = 'turned off';
      else {
        const inputs = faceDescriptor
          ? sampleRunEmbeddings(db, run, count)
          : transfer
            ? sampleTransferEmbeddings(db, run, transfer.backbone.name, count)
            : await sampleRunImages(db, run, count, decode);
        if (inputs.paths.length === 0) checkSkipped = faceDescriptor ? "none of the run's images has a stored face descriptor to compare on" : transfer ? "none of the run's images has a stored embedding to compare on" : 'no readable images of the run were found to compare on';
        else if (opts.format === 'onnx') {
          const loaded = await loadOnnxRuntime();
          if (loaded.ort === null) checkSkipped = loaded.reason;
          else {
            const session = await onnxPredictor(loaded.ort, path.join(out, ONNX_FILE), onnxInputName(model));
            try {
              check = await compareOn(inputs, run.classes.length, tfjsPredictor(tf, model), session.predict, `onnxruntime-node ${loaded.version}`);
            } finally {
              await session.close();
            }
          }
        } else {
          const reloaded = await tf.loadLayersModel(fileModelHandler(tf, out));
          try {
            check = await compareOn(inputs, run.classes.length, tfjsPredictor(tf, model), tfjsPredictor(tf, reloaded), `tfjs ${tf.version.tfjs} (reloaded from ${out})`);
          } finally {
            reloaded.dispose();
          }
        }
      }

      await writeFileAtomic(path.join(out, 'labels.json'), `${JSON.stringify(run.classes, null, 2)}\n`);
      await writeFileAtomic(path.join(out, 'preprocessing.json'), `${JSON.stringify(preprocessing, null, 2)}\n`);
      files.push('labels.json', 'preprocessing.json', 'MODEL_CARD.md');
      const card = renderModelCard({ run: detail, snapshot, faceDescriptor, transfer, format: opts.format, files, check, checkSkipped, appVersion: version, date: new Date() });
      await writeFileAtomic(path.join(out, 'MODEL_CARD.md'), card);

      const result: ModelExportResult = {
        runId: run.id,
        format: opts.format,
        out,
        files,
        classes: run.classes,
        imageSize: run.hyperparameters.imageSize,
        colorMode: run.hyperparameters.colorMode,
        inputLayout,
        check,
        preset: run.hyperparameters.preset,
        input,
      };
      if (checkSkipped !== undefined) result.checkSkipped = checkSkipped;
      return result;
    } catch (error) {
      // Only what this export created goes: a file of the same name that was there before (--force) stays.
      await Promise.all([...written].map((f) => fs.promises.rm(path.join(out, f), { force: true })));
      throw error;
    }
  } catch (error) {
    await removeCreatedFolders(target.created);
    throw error;
  } finally {
    model.dispose();
  }
}

/**
 * `facet export-face-head RUN --out DIR`: the same export as `facet export RUN --format tfjs` (model,
 * labels.json, preprocessing.json naming the embedding net, MODEL_CARD.md, checked after writing),
 * limited to face-embedding runs.
 */
export async function exportEmbeddingHead(db: Database, workspaceDir: string, runId: number, outDir: string, opts: { force?: boolean; paths?: UserPathContext } = {}): Promise<ModelExportResult> {
  const run = getRun(db, runId);
  if (run.hyperparameters.preset !== 'face-embedding') {
    throw new FacetError('invalid-argument', `Run ${runId} is a ${run.hyperparameters.preset} run, not a face-embedding one.`, {
      field: 'run',
      hint: `Export it with \`facet export ${runId} --format tfjs|onnx --out DIR\`.`,
    });
  }
  return exportRun(db, workspaceDir, { runId, format: 'tfjs', out: outDir, force: opts.force }, opts.paths);
}
