// The domain types every face of the app shares: datasets, classes, images, labels, splits.

export const SPLITS = ['train', 'val', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];

export interface SplitFractions {
  train: number;
  val: number;
  test: number;
}

export type SplitCounts = Record<SplitName, number>;

/** ok: imported and usable; unreadable: seen but skipped (see skipCode); missing: gone from disk on the last rescan. */
export type ImageStatus = 'ok' | 'unreadable' | 'missing';

export const SKIP_CODES = [
  'empty-file',
  'not-an-image',
  'unsupported-format',
  'corrupt',
  'too-many-pixels',
  'permission-denied',
  'unreadable',
  'symlink-loop',
  'outside-class-folder',
  'hidden-file',
] as const;
export type SkipCode = (typeof SKIP_CODES)[number];

export interface SkippedFile {
  /** Relative to the dataset root, with forward slashes. */
  path: string;
  code: SkipCode;
  /** One plain sentence: what is wrong and, where it helps, what to do. */
  reason: string;
}

export interface Dataset {
  id: number;
  name: string;
  root: string;
  createdAt: string;
  lastScanAt: string | null;
  split: SplitFractions;
  seed: number;
  groupBy: string | null;
  images: number;
  /** Usable images without a label yet. */
  unlabelled: number;
  skipped: number;
  missing: number;
  classes: number;
}

export interface ClassDef {
  id: number;
  datasetId: number;
  name: string;
  /** Images currently labelled with this class (status ok). */
  count: number;
  splits: SplitCounts;
}

export interface ImageItem {
  id: number;
  datasetId: number;
  /** Relative to the dataset root, with forward slashes. */
  path: string;
  classId: number | null;
  className: string | null;
  /** The class folder the file sits in on disk (may differ from the label after a relabel). */
  folderClass: string | null;
  split: SplitName | null;
  status: ImageStatus;
  skipCode: SkipCode | null;
  skipReason: string | null;
  hash: string | null;
  width: number | null;
  height: number | null;
  format: string | null;
  groupKey: string | null;
  /** An unlabelled image reserved for val or test: it joins that split when labelled (see 'splits/holdout'). */
  heldOut: 'val' | 'test' | null;
}

export interface DuplicateGroup {
  hash: string;
  paths: string[];
  /** Distinct labels among the copies; more than one means the same picture carries two classes. */
  classes: string[];
}

export interface ImportSummary {
  datasetId: number;
  name: string;
  root: string;
  /** Usable (status ok) images in the dataset after this import or rescan. */
  imported: number;
  /** Usable images without a label (in no split, never trained on); classes[].count counts labelled ones. */
  unlabelled: number;
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
  /** Unchanged images whose thumbnail had gone from the workspace cache and was made again. */
  thumbnailsRestored: number;
  skipped: SkippedFile[];
  classes: { name: string; count: number }[];
  splits: SplitCounts;
  duplicates: DuplicateGroup[];
  emptyClasses: string[];
  groups: number | null;
  seconds: number;
}

export interface ImportProgress {
  datasetId: number | null;
  phase: 'scanning' | 'reading' | 'saving' | 'done';
  done: number;
  total: number;
  path?: string;
}

export interface LabelChange {
  editId: number | null;
  changed: number;
  imageIds: number[];
  /** Set when the edit undone or redone changed a class (added, renamed, merged or deleted it). */
  classChange?: ClassChangeSummary;
}

/** What a class edit did, in words the UI can show ("Undid merge of cats into pets"). */
export interface ClassChangeSummary {
  kind: 'add' | 'rename' | 'merge' | 'delete';
  /** The class added, renamed (its old name), merged away or deleted. */
  className: string;
  /** Rename: the new name; merge / delete: the class its images moved to. */
  otherName?: string;
}

export interface ImagePage {
  total: number;
  offset: number;
  items: ImageItem[];
}

export interface DemoSummary {
  out: string;
  images: number;
  classes: string[];
  wrongLabels: number;
  manifest: string;
  identities: number;
}

export interface WorkspaceInfo {
  dir: string;
  database: string;
  cache: string;
  schemaVersion: string;
}
