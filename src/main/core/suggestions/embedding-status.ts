// What the studio shows before labelling: which backbones have vectors for how many images.
import type { BackboneName, EmbeddingsProgress, EmbeddingsStatus, EmbeddingsSummary } from '../../../shared/labelling.js';
import { BACKBONES, DEFAULT_BACKBONE } from '../../../shared/labelling.js';
import type { FacesSummary } from '../../../shared/faces.js';
import { getDataset } from '../datasets/queries.js';
import { BACKBONE_SPECS } from '../embeddings/backbones.js';
import { embeddingCounts } from '../embeddings/embedding-store.js';
import { faceCounts } from '../faces/face-store.js';
import type { Database } from '../platform/store/db.js';

export function embeddingsStatus(db: Database, datasetId: number, running: { backbone: BackboneName; progress: EmbeddingsProgress | null } | null): EmbeddingsStatus {
  const dataset = getDataset(db, datasetId);
  return {
    datasetId,
    images: dataset.images,
    running,
    defaultBackbone: DEFAULT_BACKBONE,
    backbones: BACKBONES.map((name) => {
      const spec = BACKBONE_SPECS[name];
      const embedded = name === 'face' ? faceCounts(db, datasetId).analysedImages : embeddingCounts(db, datasetId, name).embedded;
      return { name, label: spec.label, dimensions: spec.dimensions, licence: spec.licence, embedded };
    }),
  };
}

/** The face analysis seen as the 'face' backbone's embedding pass. */
export function faceSummaryAsEmbeddings(s: FacesSummary): EmbeddingsSummary {
  return {
    datasetId: s.datasetId,
    backbone: 'face',
    images: s.images,
    embeddedImages: s.analysedImages,
    newlyEmbedded: s.newlyAnalysed,
    dimensions: BACKBONE_SPECS.face.dimensions,
    failed: s.failed,
    backend: s.backend,
    // The face analysis runs in the job's one thread.
    threads: s.newlyAnalysed > 0 ? 1 : 0,
    seconds: s.seconds,
    status: s.status,
  };
}
