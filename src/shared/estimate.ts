// How long a training run will take on this machine, from a short measured calibration.

export interface RunEstimate {
  /** Training + validation time for every epoch (early stopping can only shorten it); null when too quick to measure (the face-embedding head). */
  seconds: number | null;
  imageSize: number;
  epochs: number;
  trainImages: number;
  valImages: number;
  /** Training speed measured on this machine for these settings (images per second). */
  trainImagesPerSecond: number | null;
  /** 'now': calibrated for this call; 'cached': this machine's figure kept in the workspace. */
  measured: 'now' | 'cached' | 'not needed';
  /** A faster image size, offered when the run is long. */
  faster: { imageSize: number; seconds: number } | null;
  /** The estimate in one sentence, e.g. "~2 h 10 min at 256 px on this machine; 64 px would take ~9 min". */
  text: string;
}

/** "~2 h 10 min", "~9 min", "~40 s": a rough duration for estimates. */
export function roughDuration(seconds: number): string {
  if (seconds < 60) return `~${Math.max(5, Math.round(seconds / 5) * 5)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `~${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = Math.round((minutes % 60) / 5) * 5;
  return m === 0 ? `~${h} h` : m === 60 ? `~${h + 1} h` : `~${h} h ${m} min`;
}
