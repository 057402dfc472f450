// Domain types of face analysis: detected faces, identity groups, face leakage and their progress.
import type { SplitName } from './domain.js';

/** Group keys Facet writes from identity groups; keys from sub-folders or a group-by pattern are kept apart by this prefix. */
export const FACE_GROUP_PREFIX = 'face:';

/** Which face detector ran: face-api's SSD-MobileNet (accurate) or its tiny detector (fast). */
export const FACE_DETECTORS = ['ssd', 'tiny'] as const;
export type FaceDetectorName = (typeof FACE_DETECTORS)[number];

/** Filters of 'images/list' on the face analysis of each image. */
export const FACE_FILTERS = ['no-face', 'one-face', 'multi-face', 'analysed', 'not-analysed'] as const;
export type FaceFilter = (typeof FACE_FILTERS)[number];

/**
 * Defaults of identity grouping and near-duplicates (Euclidean distances between face-api's 128-d
 * descriptors). Measured on face-api's demo photos: two different people in one picture can be
 * 0.47–0.49 apart (hence 0.45, not dlib's usual 0.6); a face and its mirror image 0.17–0.41 (one
 * small, low-score face 0.62); a downscaled, recompressed copy 0.07–0.21 (hence 0.25).
 */
export const DEFAULT_IDENTITY_THRESHOLD = 0.45;
export const DEFAULT_DUPLICATE_THRESHOLD = 0.25;

/** Pixels in the upright (EXIF-rotated) image. */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DetectedFace {
  /** 0 = the most confident face of the image. */
  index: number;
  score: number;
  box: FaceBox;
  /** 68 (x, y) points in image pixels (iBUG 300-W order). */
  landmarks: [number, number][];
}

/** One image's analysis, for the large preview (boxes) and the labeller (group). */
export interface ImageFaces {
  imageId: number;
  path: string;
  hash: string;
  analysed: boolean;
  /** Upright image size the boxes refer to. */
  width: number | null;
  height: number | null;
  detector: FaceDetectorName | null;
  faces: DetectedFace[];
  groupKey: string | null;
}

export interface FacesProgress {
  datasetId: number;
  phase: 'loading' | 'analysing' | 'done';
  done: number;
  total: number;
  /** Faces found so far in this pass. */
  faces: number;
  path?: string;
}

/** How many usable images of a dataset are in each face bucket (analysed ones: none, one, several). */
export interface FaceCounts {
  images: number;
  analysed: number;
  noFace: number;
  oneFace: number;
  multiFace: number;
}

export interface FacesSummary {
  datasetId: number;
  /** Usable images of the dataset, and how many of them have an analysis now. */
  images: number;
  analysedImages: number;
  /** Analysed in this pass (the others were already, by content hash). */
  newlyAnalysed: number;
  faces: number;
  noFace: number;
  multiFace: number;
  failed: { path: string; reason: string }[];
  detector: FaceDetectorName;
  backend: string;
  seconds: number;
  status: 'completed' | 'cancelled';
}

export interface FaceLeak {
  distance: number;
  a: { imageId: number; path: string; split: SplitName };
  b: { imageId: number; path: string; split: SplitName };
}

export interface IdentityGroups {
  datasetId: number;
  threshold: number;
  linkage: 'average';
  /** Images with a face embedding, and the identity groups they form (singletons included). */
  images: number;
  groups: number;
  /** Groups with 2+ images. */
  sharedGroups: number;
  /** Images whose group key was written now (keys from folders or a regex are never overwritten). */
  keysWritten: number;
  /** Images that kept a group key from the import (subfolder / regex). */
  keptKeys: number;
  /** Images placed in a split now: unassigned ones, or all of them with resplit. */
  assigned: number;
  /** Images whose split changed (only with resplit). */
  moved: number;
  /** Identity groups whose images sit in more than one split. */
  straddling: number;
}

export interface FaceLeakReport {
  datasetId: number;
  threshold: number;
  leaks: FaceLeak[];
}
