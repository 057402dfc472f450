// Images decoded and resized once per (image size, colour mode) into uint8 files named by content
// hash, so epoch 2+ decodes nothing, relabelling never invalidates anything, and an epoch streams
// from disk instead of holding the whole set in memory.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { FacetError } from '../../../../shared/errors.js';
import { reasonInWords } from '../../../../shared/user-words.js';
import { defineRequest } from '../jobs/protocol.js';

/** Decompression-bomb guard: larger images are refused before any pixel is decoded (~ 16k × 16k). */
export const MAX_INPUT_PIXELS = 268_402_689;

export type ColorMode = 'rgb' | 'grayscale';

export interface PixelSource {
  hash: string;
  absPath: string;
}

/**
 * One image as the model sees it. As Keras' image_dataset_from_directory: EXIF orientation applied,
 * alpha dropped onto white, resized to size×size without keeping the aspect ratio (bilinear).
 */
export async function decodeForModel(file: string | Buffer, size: number, colorMode: ColorMode): Promise<Buffer> {
  const channels = colorMode === 'rgb' ? 3 : 1;
  let pipeline = sharp(file, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
    .rotate()
    .flatten({ background: '#ffffff' })
    .resize(size, size, { fit: 'fill', kernel: 'linear' });
  pipeline = colorMode === 'grayscale' ? pipeline.toColourspace('b-w') : pipeline.toColourspace('srgb');
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== channels || data.length !== size * size * channels) {
    throw new Error(`decoded to ${info.width}×${info.height}×${info.channels}, expected ${size}×${size}×${channels}`);
  }
  return data;
}

/** decodeForModel in the image decoder process (platform/media/decoder.ts), for code in the main process. */
export const modelPixelsRequest = defineRequest('model-pixels', (args: { file: string; size: number; colorMode: ColorMode }) => decodeForModel(args.file, args.size, args.colorMode));

/** Decodes one image as the model sees it: decodeForModel, here or in the image decoder process. */
export type PixelDecoder = (file: string, size: number, colorMode: ColorMode) => Promise<Uint8Array>;

export class PixelCache {
  readonly dir: string;
  readonly channels: 1 | 3;

  constructor(
    cacheRoot: string,
    readonly size: number,
    readonly colorMode: ColorMode,
  ) {
    this.dir = path.join(cacheRoot, 'pixels', `${size}x${size}-${colorMode}`);
    this.channels = colorMode === 'rgb' ? 3 : 1;
  }

  get bytesPerImage(): number {
    return this.size * this.size * this.channels;
  }

  fileFor(hash: string): string {
    return path.join(this.dir, hash.slice(0, 2), `${hash}.u8`);
  }

  /** Decodes every source not yet cached (`decode`), writing each entry through a renamed temp file. */
  async ensure(sources: PixelSource[], onProgress?: (done: number, total: number) => void): Promise<void> {
    const missing: PixelSource[] = [];
    for (const s of sources) {
      const st = await fs.stat(this.fileFor(s.hash)).catch(() => null);
      if (st?.size !== this.bytesPerImage) missing.push(s);
    }
    const decode = await this.decoderFor(missing, sources);
    const limit = pLimit(Math.max(2, os.availableParallelism()));
    let done = 0;
    onProgress?.(0, missing.length);
    await Promise.all(
      missing.map((s) =>
        limit(async () => {
          try {
            const data = await decode(s);
            const file = this.fileFor(s.hash);
            await fs.mkdir(path.dirname(file), { recursive: true });
            const tmp = `${file}.${process.pid}.tmp`;
            await fs.writeFile(tmp, data);
            await fs.rename(tmp, file);
          } catch (error) {
            if (error instanceof FacetError) throw error;
            throw new FacetError('io', `Cannot decode an image for training: ${reasonInWords(error)}.`, {
              file: s.absPath,
              hint: 'The file changed or vanished since the import: rescan the dataset, then start the run again.',
            });
          }
          done++;
          onProgress?.(done, missing.length);
        }),
      ),
    );
  }

  /** How entries are made: the whole picture here; subclasses (face crops) look things up first. */
  protected async decoderFor(_missing: PixelSource[], _all: PixelSource[]): Promise<(s: PixelSource) => Promise<Buffer>> {
    return (s) => decodeForModel(s.absPath, this.size, this.colorMode);
  }

  async read(hash: string, into: Uint8Array): Promise<void> {
    const handle = await fs.open(this.fileFor(hash), 'r');
    try {
      const { bytesRead } = await handle.read(into, 0, this.bytesPerImage, 0);
      if (bytesRead !== this.bytesPerImage) throw new Error(`pixel cache entry ${hash} is truncated; delete ${this.dir} to rebuild it`);
    } finally {
      await handle.close();
    }
  }
}
