// What a run's test evaluation says about each image: the predictions joined with today's labels,
// for the misclassified gallery and the labeller's model columns.
import { FacetError } from '../../../shared/errors.js';
import type { ImagePrediction } from '../../../shared/runs.js';
import type { Database } from '../platform/store/db.js';
import { getRun } from './run-store.js';

/** The latest test evaluation of a run and its snapshot, or a not-found error saying what to do. */
export function testEvaluationOf(db: Database, runId: number): { evaluationId: number; snapshotId: number } {
  const run = getRun(db, runId);
  const row = db.prepare(`SELECT id FROM evaluations WHERE run_id = ? AND split = 'test' ORDER BY id DESC LIMIT 1`).get(runId) as { id: number } | undefined;
  if (!row) {
    throw new FacetError('not-found', `Run "${run.name}" has no test evaluation yet.`, {
      field: 'runId',
      hint: run.status === 'completed' ? 'Its evaluation did not finish; start a new run.' : 'A run is evaluated on the test split when it completes.',
    });
  }
  return { evaluationId: row.id, snapshotId: run.snapshotId };
}

export interface PredictionFilter {
  /** Only images whose snapshot label differs from the prediction. */
  misclassified?: boolean;
  trueClass?: string;
  predictedClass?: string;
}

/** The run's test predictions, most confident first (confident mistakes are the likeliest label errors). */
export function listPredictions(db: Database, runId: number, filter: PredictionFilter = {}): ImagePrediction[] {
  const { evaluationId, snapshotId } = testEvaluationOf(db, runId);
  const where = ['p.evaluation_id = @evaluationId'];
  if (filter.misclassified) where.push('p.label_index <> p.predicted_index');
  if (filter.trueClass !== undefined) where.push('tc.name = @trueClass');
  if (filter.predictedClass !== undefined) where.push('pc.name = @predictedClass');
  return db
    .prepare(
      `SELECT p.image_id AS imageId, i.path, i.hash, tc.name AS trueClass, pc.name AS predictedClass, p.confidence,
         i.class_id AS currentClassId, c.name AS currentClass
       FROM predictions p
       JOIN images i ON i.id = p.image_id
       LEFT JOIN classes c ON c.id = i.class_id AND c.deleted_at IS NULL
       JOIN snapshot_classes tc ON tc.snapshot_id = @snapshotId AND tc.class_index = p.label_index
       JOIN snapshot_classes pc ON pc.snapshot_id = @snapshotId AND pc.class_index = p.predicted_index
       WHERE ${where.join(' AND ')}
       ORDER BY p.confidence DESC, i.path`,
    )
    .all({ evaluationId, snapshotId, trueClass: filter.trueClass ?? null, predictedClass: filter.predictedClass ?? null }) as ImagePrediction[];
}
