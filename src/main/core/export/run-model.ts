// A run's best checkpoint as a plain tfjs LayersModel, the form both exports start from: the seed CNN
// for image runs, the dense head (input: a 128-d face descriptor) for face-embedding runs.
import type * as tfjs from '@tensorflow/tfjs';
import { FacetError } from '../../../shared/errors.js';
import type { Run } from '../../../shared/runs.js';
import type { Database } from '../platform/store/db.js';
import { loadCheckpoint, runDir } from '../training/checkpoint.js';
import { buildEmbeddingHead } from '../training/embedding-preset.js';
import { buildTransferHead } from '../training/transfer-preset.js';
import { loadEngine, type Tf } from '../platform/engine/index.js';
import { buildSeedCnn } from '../training/model.js';
import { getRun } from '../training/run-store.js';

export interface RunModel {
  tf: Tf;
  backend: string;
  model: tfjs.LayersModel;
  run: Run;
}

export async function loadRunModel(db: Database, workspaceDir: string, runId: number): Promise<RunModel> {
  const run = getRun(db, runId);
  const checkpoint = loadCheckpoint(runDir(workspaceDir, runId), 'best');
  if (!checkpoint) {
    throw new FacetError('not-found', `Run ${runId} has no trained weights to export (status: ${run.status}).`, {
      field: 'RUN',
      hint: 'Wait for at least one epoch to finish, or pick a completed run (facet runs).',
    });
  }
  const { tf, info } = await loadEngine();
  const hp = run.hyperparameters;
  const model =
    hp.preset === 'face-embedding'
      ? buildEmbeddingHead(tf, hp, run.classes.length)
      : hp.preset === 'transfer'
        ? buildTransferHead(tf, hp, run.classes.length)
        : buildSeedCnn(tf, {
          imageSize: hp.imageSize,
          padding: hp.padding,
          channels: hp.colorMode === 'rgb' ? 3 : 1,
          numClasses: run.classes.length,
          filters: hp.filters,
          denseUnits: hp.denseUnits,
          dropout: hp.dropout,
          seed: hp.seed,
        });
  if (model.weights.length !== checkpoint.weights.length) {
    model.dispose();
    throw new FacetError('internal', `Run ${runId}'s checkpoint has ${checkpoint.weights.length} weight tensors but its model has ${model.weights.length}.`, { field: 'RUN' });
  }
  // Checkpoints store weights in model.weights order; check shapes, then load them.
  const mismatch = model.weights.findIndex((w, i) => checkpoint.weights[i]!.shape.join('x') !== w.shape.join('x'));
  if (mismatch >= 0) {
    const saved = checkpoint.weights[mismatch]!;
    const expected = model.weights[mismatch]!.shape;
    model.dispose();
    throw new FacetError('internal', `Run ${runId}'s checkpoint weight ${saved.name} has shape [${saved.shape}], the model expects [${expected}].`, { field: 'RUN' });
  }
  const tensors = checkpoint.weights.map((saved) => tf.tensor(saved.data, saved.shape, 'float32'));
  model.setWeights(tensors);
  tf.dispose(tensors);
  return { tf, backend: info.backend, model, run };
}
