// face-api (@vladmandic/face-api 1.7.15, MIT) on Facet's tfjs engine: its nets are loaded from the
// weights shipped inside the npm package (never from a URL), and run on whatever backend
// loadEngine() activated (wasm here; tfjs-node when present).
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import type * as tfjs from '@tensorflow/tfjs';
import { FacetError } from '../../../shared/errors.js';
import type { DetectedFace, FaceDetectorName } from '../../../shared/faces.js';
import { MAX_INPUT_PIXELS } from '../datasets/probe.js';
import { loadEngine } from '../platform/engine/index.js';
import type { Tf } from '../platform/engine/types.js';

const require = createRequire(import.meta.url);

/** The few parts of face-api Facet uses (its own typings drag in a second copy of tfjs' types). */
interface FaceNet {
  loadFromWeightMap(weightMap: tfjs.NamedTensorMap): void;
  readonly isLoaded: boolean;
}
interface FaceApiResult {
  detection: { score: number; box: { x: number; y: number; width: number; height: number } };
  landmarks: { positions: { x: number; y: number }[] };
  descriptor: Float32Array;
}
interface FaceApi {
  version: string;
  nets: { ssdMobilenetv1: FaceNet; tinyFaceDetector: FaceNet; faceLandmark68Net: FaceNet; faceRecognitionNet: FaceNet };
  SsdMobilenetv1Options: new (o: { minConfidence: number; maxResults?: number }) => unknown;
  TinyFaceDetectorOptions: new (o: { inputSize: number; scoreThreshold: number }) => unknown;
  detectAllFaces(input: tfjs.Tensor3D, options: unknown): { withFaceLandmarks(): { withFaceDescriptors(): Promise<FaceApiResult[]> } };
  computeFaceDescriptor(input: tfjs.Tensor3D): Promise<Float32Array | Float32Array[]>;
}

/** Where the package keeps its weights: node_modules/@vladmandic/face-api/model. */
export function faceModelDir(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

/** Name of the embedding net and its preprocessing, for exported heads and model cards. */
export const EMBEDDING_NET = {
  package: '@vladmandic/face-api@1.7.15',
  net: 'faceRecognitionNet (ResNet-34-like, face_recognition_model.bin), 128-d descriptor',
  preprocessing:
    'EXIF-rotate the photo; detect faces with ssdMobilenetv1 (minConfidence 0.5); align with faceLandmark68Net; ' +
    'the descriptor of the most confident face (face-api detectAllFaces().withFaceLandmarks().withFaceDescriptors()). ' +
    'With no face found: computeFaceDescriptor on the whole upright picture.',
} as const;

export interface UprightPixels {
  data: Buffer;
  width: number;
  height: number;
  /** Multiply analysed coordinates by this to get original upright-image pixels. */
  scale: number;
}

/** Larger photos are analysed downscaled (detectors look at 416-512 px anyway); boxes are scaled back. */
const MAX_SIDE = 2048;

/** The picture as the detector sees it: EXIF-rotated, alpha on white, sRGB, at most MAX_SIDE. */
export async function decodeUpright(file: string | Buffer, mirror = false): Promise<UprightPixels> {
  const meta = await sharp(file, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  const rotated = (meta.orientation ?? 1) >= 5;
  const w0 = rotated ? meta.height : meta.width;
  const h0 = rotated ? meta.width : meta.height;
  if (!w0 || !h0) throw new Error('cannot read the image size');
  const scale = Math.max(1, Math.max(w0, h0) / MAX_SIDE);
  let pipeline = sharp(file, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' }).rotate().flatten({ background: '#ffffff' });
  if (scale > 1) pipeline = pipeline.resize(Math.round(w0 / scale), Math.round(h0 / scale), { fit: 'fill' });
  if (mirror) pipeline = pipeline.flop();
  const { data, info } = await pipeline.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
  return { data, width: info.width, height: info.height, scale: w0 / info.width };
}

export interface AnalysedFace extends DetectedFace {
  embedding: Float32Array;
}

export interface ImageAnalysis {
  /** Upright size of the original picture. */
  width: number;
  height: number;
  faces: AnalysedFace[];
  /** The descriptor of the whole picture, computed only when no face was found. */
  wholeEmbedding: Float32Array | null;
}

export interface FaceAnalyzer {
  readonly detector: FaceDetectorName;
  readonly minScore: number;
  readonly backend: string;
  analyse(pixels: UprightPixels): Promise<ImageAnalysis>;
}

export interface AnalyzerOptions {
  detector?: FaceDetectorName;
  /** Detections below this score are dropped (default 0.5). */
  minScore?: number;
}

const NETS = {
  ssdMobilenetv1: 'ssd_mobilenetv1_model',
  tinyFaceDetector: 'tiny_face_detector_model',
  faceLandmark68Net: 'face_landmark_68_model',
  faceRecognitionNet: 'face_recognition_model',
} as const;

let loaded: Promise<{ api: FaceApi; tf: Tf; backend: string }> | null = null;

async function loadWeightMap(tf: Tf, dir: string, name: string): Promise<tfjs.NamedTensorMap> {
  const manifest = JSON.parse(await fs.readFile(path.join(dir, `${name}-weights_manifest.json`), 'utf8')) as tfjs.io.WeightsManifestConfig;
  // Only basenames from the manifest, read from the package folder: nothing leaves the disk.
  const load = tf.io.weightsLoaderFactory(async (paths: string[]) =>
    Promise.all(paths.map(async (p) => {
      const buf = await fs.readFile(path.join(dir, path.basename(p)));
      return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    })),
  );
  return load(manifest, '');
}

/** face-api with its four nets, loaded once per process on the engine's backend. */
export async function loadFaceApi(): Promise<{ api: FaceApi; tf: Tf; backend: string }> {
  loaded ??= (async () => {
    const { tf, info } = await loadEngine();
    // The node-wasm entry requires @tensorflow/tfjs itself: the same module, hence the same engine
    // and backend as ours (its default entry would require tfjs-node).
    const api = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
    const dir = faceModelDir();
    for (const [net, file] of Object.entries(NETS) as [keyof typeof NETS, string][]) {
      if (!api.nets[net].isLoaded) api.nets[net].loadFromWeightMap(await loadWeightMap(tf, dir, file));
    }
    return { api, tf, backend: info.backend };
  })().catch((error: unknown) => {
    loaded = null;
    throw new FacetError('engine', `The face analysis models could not load: ${(error as Error).message}`, {
      hint: 'Reinstall Facet (npm ci): the models ship inside @vladmandic/face-api.',
    });
  });
  return loaded;
}

export async function createFaceAnalyzer(opts: AnalyzerOptions = {}): Promise<FaceAnalyzer> {
  const { api, tf, backend } = await loadFaceApi();
  const detector = opts.detector ?? 'ssd';
  const minScore = opts.minScore ?? 0.5;
  const options =
    detector === 'ssd'
      ? new api.SsdMobilenetv1Options({ minConfidence: minScore, maxResults: 100 })
      : new api.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: minScore });
  return {
    detector,
    minScore,
    backend,
    async analyse(pixels) {
      const input = tf.tensor3d(new Int32Array(pixels.data), [pixels.height, pixels.width, 3], 'int32');
      try {
        let results = await api.detectAllFaces(input, options).withFaceLandmarks().withFaceDescriptors();
        let shift = 0;
        if (results.length === 0) {
          // Tightly cropped faces (face datasets often are) fill the frame and the detectors miss
          // them; a grey border of half the longer side makes them look like a face in a photo.
          shift = Math.round(Math.max(pixels.width, pixels.height) / 2);
          const padded = tf.tidy(() => tf.pad(input, [[shift, shift], [shift, shift], [0, 0]], 128));
          try {
            results = await api.detectAllFaces(padded as tfjs.Tensor3D, options).withFaceLandmarks().withFaceDescriptors();
          } finally {
            padded.dispose();
          }
        }
        const s = pixels.scale;
        const clampX = (x: number) => Math.min(Math.max(x, 0), pixels.width);
        const clampY = (y: number) => Math.min(Math.max(y, 0), pixels.height);
        const faces = results
          .sort((a, b) => b.detection.score - a.detection.score)
          .map((r, index): AnalysedFace => {
            const b = r.detection.box;
            // Back to the unpadded picture; a box reaching into the border is clipped to the picture.
            const x0 = clampX(b.x - shift);
            const y0 = clampY(b.y - shift);
            const x1 = clampX(b.x + b.width - shift);
            const y1 = clampY(b.y + b.height - shift);
            return {
              index,
              score: r.detection.score,
              box: { x: x0 * s, y: y0 * s, width: (x1 - x0) * s, height: (y1 - y0) * s },
              landmarks: r.landmarks.positions.map((p) => [(p.x - shift) * s, (p.y - shift) * s] as [number, number]),
              embedding: Float32Array.from(r.descriptor),
            };
          });
        let wholeEmbedding: Float32Array | null = null;
        if (faces.length === 0) {
          const d = await api.computeFaceDescriptor(input);
          wholeEmbedding = Float32Array.from(Array.isArray(d) ? d[0]! : d);
        }
        return { width: Math.round(pixels.width * s), height: Math.round(pixels.height * s), faces, wholeEmbedding };
      } finally {
        input.dispose();
      }
    },
  };
}

export function euclidean(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    sum += d * d;
  }
  return Math.sqrt(sum);
}
