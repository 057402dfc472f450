// Face-analysis events for the renderer tests: a pass's progress and its summary.
import type { FacesProgress, FacesSummary } from '../../src/shared/faces.js';

export const facesProgress = (datasetId: number, done: number, phase: FacesProgress['phase'] = 'analysing'): FacesProgress => ({ datasetId, phase, done, total: 4, faces: done });

export const facesSummary = (datasetId: number, status: FacesSummary['status'] = 'completed'): FacesSummary => ({
  datasetId, images: 4, analysedImages: 4, newlyAnalysed: 4, faces: 3, noFace: 1, multiFace: 0, failed: [], detector: 'ssd', backend: 'wasm', seconds: 2, status,
});
