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
  /** transfer: the embedding the run does before it trains (null for the other presets). */
  embedding: EmbeddingEstimate | null;
  /** transfer: the head's part (epochs, validation, test), after the embedding. */
  trainingSeconds: number | null;
}

/** What a transfer run embeds first: images without a vector of the backbone, and augmented views. */
export interface EmbeddingEstimate {
  backbone: string;
  /** Images (by content) without a vector of the backbone yet; 0: the embeddings are ready. */
  images: number;
  /** Augmented views of the training images not embedded yet. */
  views: number;
  seconds: number;
  /** Throughput on this machine; null when there is nothing to embed. */
  imagesPerSecond: number | null;
  threads: number | null;
  /** 'pass': the last embedding pass measured it; 'calibration': a short measurement on synthetic pixels. */
  source: 'pass' | 'calibration' | null;
  measured: 'now' | 'cached' | 'not needed';
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

/**
 * What an estimate rests on, for the curious: "mobilenet embeds 21.1 images/s on 2 threads, the last
 * embedding pass here; the head trains 30 epochs at 5,200 vectors/s, measured just now".
 */
export function estimateBasis(e: RunEstimate): string | null {
  if (e.seconds === null || e.trainImagesPerSecond === null) return null;
  const how = (m: RunEstimate['measured']) => (m === 'now' ? 'measured just now' : 'this machine\'s measured speed');
  const rate = (n: number) => Math.round(n).toLocaleString('en-US');
  if (e.embedding === null) return `${e.epochs} epochs of ${e.trainImages} images, ${rate(e.trainImagesPerSecond)} img/s, ${how(e.measured)}`;
  const head = `the head trains ${e.epochs} epochs at ${rate(e.trainImagesPerSecond)} vectors/s, ${how(e.measured)}`;
  const emb = e.embedding;
  if (emb.imagesPerSecond === null) return head;
  const threads = emb.threads === 1 ? '1 thread' : `${emb.threads} threads`;
  const source = emb.measured === 'now' ? 'measured just now' : emb.source === 'pass' ? 'the last embedding pass here' : 'measured on this machine';
  return `${emb.backbone} embeds ${emb.imagesPerSecond.toFixed(1)} images/s on ${threads}, ${source}; ${head}`;
}
