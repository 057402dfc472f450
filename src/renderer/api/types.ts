// What the UI talks to: the contract's FacetApi plus the URLs of pictures and the shell's extras.
// Browser mode and Electron each build one; components never ask which.
import type { FacetApi } from '../../shared/contract.js';

export interface RendererApi extends FacetApi {
  /** Where the thumbnail with this content hash is served. */
  thumbnailUrl(hash: string): string;
  /**
   * Where the face-crop thumbnail with this content hash is served: the most confident face, aligned
   * and framed as crop to face trains on it; the whole-picture thumbnail when no face was found.
   */
  faceThumbnailUrl(hash: string): string;
  /** Where the original file of an image row is served. */
  imageUrl(imageId: number): string;
  /** A native folder picker, only where one exists (Electron); undefined in the browser. */
  pickFolder?: () => Promise<string | null>;
  /** Where the app runs, for the status bar. */
  readonly mode: 'desktop' | 'browser';
}

/** The envelope Electron's IPC handler answers with (errors cannot cross contextBridge as classes). */
export type CallOutcome = { ok: true; result: unknown } | { ok: false; error: import('../../shared/errors.js').ErrorPayload };

/** The object the preload exposes as window.facet. */
export interface FacetBridge {
  call(name: string, args: unknown): Promise<CallOutcome>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}
