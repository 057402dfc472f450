// The first phase of suggestions and of the map: embed the images that have no vector of the default
// backbone yet (or follow a pass already running) before the job that needs them.
import { api } from '../api/index.js';
import type { JobEvents } from './jobEvents.js';

/** Runs the embedding phase when anything is missing; false when the user cancelled it. */
export async function embedMissing(job: Pick<JobEvents<{ embedding: 'embeddings/progress' }>, 'run'>, datasetId: number): Promise<boolean> {
  const status = await api().call('embeddings/status', { datasetId });
  const backbone = status.backbones.find((b) => b.name === status.defaultBackbone);
  if (!status.running && backbone && backbone.embedded >= status.images) return true;
  const done = await job.run('embedding', () => api().call('embeddings/start', { datasetId }), { key: datasetId, progress: status.running?.progress ?? null });
  return done.status !== 'cancelled';
}
