// A dataset of unlabelled images whose stored embeddings are synthetic clusters (one per true class),
// so suggestions, the queue, acceptance and the map are tested without running a network.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { saveEmbeddings } from '../../../../src/main/core/embeddings/embedding-store.js';
import { mulberry32 } from '../../../../src/main/core/platform/random.js';
import type { ImageItem } from '../../../../src/shared/domain.js';
import { tempCore, writeImage } from '../datasets/helpers.js';

export interface ClusteredSet {
  env: Awaited<ReturnType<typeof tempCore>>;
  datasetId: number;
  images: ImageItem[];
  truth: Map<number, string>;
  classIds: Map<string, number>;
}

/** perClass images of each class; vectors: class centre + noise of `spread` in `dims` dimensions. */
export async function clusteredSet(classes: string[], perClass: number, opts: { dims?: number; spread?: number; seed?: number } = {}): Promise<ClusteredSet> {
  const env = await tempCore();
  const root = path.join(env.dir, 'unsorted');
  await mkdir(root);
  const total = classes.length * perClass;
  for (let i = 0; i < total; i++) await writeImage(path.join(root, `img-${String(i).padStart(4, '0')}.png`), { seed: i + 1, width: 8, height: 8, format: 'png' });
  const s = await env.core.call('datasets/import', { folder: root });
  const images = (await env.core.call('images/list', { datasetId: s.datasetId })).items;
  const dims = opts.dims ?? 32;
  const random = mulberry32(opts.seed ?? 5);
  const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const centres = classes.map(() => Float32Array.from({ length: dims }, gauss));
  const truth = new Map<number, string>();
  const vectors = images.map((img, i) => {
    const c = i % classes.length;
    truth.set(img.id, classes[c]!);
    return { hash: img.hash!, vector: Float32Array.from(centres[c]!, (m) => m + (opts.spread ?? 0.3) * gauss()) };
  });
  saveEmbeddings(env.ws.db, 'mobilenet', vectors);
  const classIds = new Map<string, number>();
  for (const name of classes) classIds.set(name, (await env.core.call('classes/add', { datasetId: s.datasetId, name })).id);
  return { env, datasetId: s.datasetId, images, truth, classIds };
}
