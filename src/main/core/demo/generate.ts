// `facet demo`: writes a synthetic, deterministic face data set in the KomNET layout (one folder per
// source medium, every person in every medium) with a few deliberately wrong labels, and a manifest of
// those next to (not inside) the data folder so importing the folder does not pick it up.
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { z } from 'zod';
import { faceSvg, randomIdentity, randomPose, type Identity } from './face.js';
import { MEDIA, photograph, type Medium } from './media.js';
import { pick, shuffle, streamFor } from './random.js';

export interface DemoOptions {
  out: string;
  count?: number;
  seed?: number;
  wrongFraction?: number;
  size?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * A demo an older Facet wrote there (an earlier look of the faces) is replaced instead of refused.
   * The core sets it for its own default folder (WORKSPACE/demo/faces), never for a folder the user gave.
   */
  replaceOlder?: boolean;
}

export interface DemoResult {
  out: string;
  images: number;
  classes: string[];
  wrongLabels: number;
  /** Absolute path of the manifest, next to the data folder. */
  manifest: string;
  identities: number;
  /** True when a previous demo with the same parameters was found and reused as is. */
  reused: boolean;
}

export type DemoErrorCode = 'out-not-empty' | 'out-not-a-folder' | 'invalid-option';

export class DemoError extends Error {
  constructor(
    readonly code: DemoErrorCode,
    message: string,
    readonly target?: string,
  ) {
    super(message);
    this.name = 'DemoError';
  }
}

export const DEMO_DEFAULTS = { count: 600, seed: 42, wrongFraction: 0.03, size: 256 } as const;
export const DEMO_CLASSES: readonly Medium[] = MEDIA;
const GENERATOR = 'facet-demo';
// 2: 100 people × 2 photos per medium and the v2 media looks; a v1 folder is not reused.
// 3: faces shaded like a lit portrait, and media a real face detector still sees a face through.
const VERSION = 3;
// ~2 photos per person per medium: many people, so a split by person still tests on a dozen or so
// people (with 40 people × 5 photos the test split held 4, and one odd face skewed the whole score).
const IMAGES_PER_IDENTITY = 6;
const CONCURRENCY = 3;

const manifestSchema = z.object({
  generator: z.literal(GENERATOR),
  version: z.literal(VERSION),
  seed: z.number(),
  count: z.number(),
  size: z.number(),
  wrongFraction: z.number(),
  classes: z.array(z.string()),
  identities: z.number(),
  images: z.array(
    z.object({ path: z.string(), identity: z.string(), trueClass: z.string(), labelledClass: z.string() }),
  ),
  wrongLabels: z.array(z.object({ path: z.string(), trueClass: z.string(), labelledClass: z.string() })),
});
export type DemoManifest = z.infer<typeof manifestSchema>;

interface PlannedImage {
  identity: number; // 1-based
  index: number; // unique within the identity, across media
  trueClass: Medium;
  labelledClass: Medium;
}

export function manifestPathFor(out: string): string {
  const abs = path.resolve(out);
  return path.join(path.dirname(abs), `${path.basename(abs)}-manifest.json`);
}

export async function generateDemo(opts: DemoOptions): Promise<DemoResult> {
  const params = {
    count: opts.count ?? DEMO_DEFAULTS.count,
    seed: opts.seed ?? DEMO_DEFAULTS.seed,
    wrongFraction: opts.wrongFraction ?? DEMO_DEFAULTS.wrongFraction,
    size: opts.size ?? DEMO_DEFAULTS.size,
  };
  checkOptions(params);
  const out = path.resolve(opts.out);
  const manifestPath = manifestPathFor(out);
  const total = params.count;

  const existing = await inspectOut(out);
  if (existing === 'not-a-folder') {
    throw new DemoError('out-not-a-folder', `Cannot write the demo data set to ${out}: it is a file, not a folder. Choose another --out.`, out);
  }
  if (existing === 'non-empty') {
    const previous = await readPreviousDemo(out, manifestPath);
    if (previous && sameParameters(previous, params)) {
      opts.onProgress?.(total, total);
      return resultOf(out, manifestPath, previous, true);
    }
    const older = previous ? undefined : await olderDemoVersion(manifestPath);
    if (older !== undefined && opts.replaceOlder) {
      await rm(out, { recursive: true, force: true });
      await rm(manifestPath, { force: true });
      return generateDemo({ ...opts, replaceOlder: false });
    }
    const why = previous
      ? `it holds a demo generated with other parameters (seed ${previous.seed}, count ${previous.count}, size ${previous.size})`
      : older !== undefined
        ? `it holds a demo made by an older version of Facet (format ${older}; this one writes format ${VERSION})`
        : 'it is not empty and does not hold a Facet demo data set';
    throw new DemoError(
      'out-not-empty',
      `Refusing to write the demo data set into ${out}: ${why}. Choose an empty or new folder with --out, or delete ${out} first.`,
      out,
    );
  }

  const plan = planImages(params);
  const manifest = manifestOf(params, plan);

  // Write into a hidden sibling and rename at the end, so `out` never holds a half-written data set.
  const parent = path.dirname(out);
  await mkdir(parent, { recursive: true });
  const staging = path.join(parent, `.${path.basename(out)}.partial-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  try {
    for (const medium of MEDIA) await mkdir(path.join(staging, medium), { recursive: true });
    const identities = new Map<number, Identity>();
    const identityOf = (id: number): Identity => {
      let traits = identities.get(id);
      if (!traits) {
        traits = randomIdentity(streamFor(params.seed, 'identity', id));
        identities.set(id, traits);
      }
      return traits;
    };

    let done = 0;
    opts.onProgress?.(0, total);
    const limit = pLimit(CONCURRENCY);
    await Promise.all(
      plan.map((image) =>
        limit(async () => {
          const bytes = await renderImage(image, identityOf(image.identity), params.seed, params.size);
          await writeFile(path.join(staging, relativePath(image, manifest.identities)), bytes);
          opts.onProgress?.(++done, total);
        }),
      ),
    );

    if (existing === 'empty') await rmdir(out);
    await rename(staging, out);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  const manifestTmp = `${manifestPath}.partial`;
  await writeFile(manifestTmp, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(manifestTmp, manifestPath);
  return resultOf(out, manifestPath, manifest, false);
}

function checkOptions(p: { count: number; seed: number; wrongFraction: number; size: number }): void {
  const bad = (field: string, rule: string): never => {
    throw new DemoError('invalid-option', `Invalid demo option ${field}: it must be ${rule}.`, field);
  };
  if (!Number.isInteger(p.count) || p.count < 3 || p.count > 100_000) bad('count', 'an integer from 3 to 100000');
  if (!Number.isInteger(p.seed)) bad('seed', 'an integer');
  if (!(p.wrongFraction >= 0 && p.wrongFraction <= 0.5)) bad('wrongFraction', 'between 0 and 0.5');
  if (!Number.isInteger(p.size) || p.size < 32 || p.size > 1024) bad('size', 'an integer from 32 to 1024');
}

/** Who appears where: every identity in every medium, classes as equal as the count allows. */
export function planImages(p: { count: number; seed: number; wrongFraction: number }): PlannedImage[] {
  const identities = identityCount(p.count);
  const byIdentity: Medium[][] = Array.from({ length: identities }, () => []);
  MEDIA.forEach((medium, c) => {
    const inClass = Math.floor(p.count / MEDIA.length) + (c < p.count % MEDIA.length ? 1 : 0);
    const base = Math.floor(inClass / identities);
    const extra = inClass % identities;
    for (let i = 0; i < identities; i++) {
      // Rotate who gets the leftover images so no identity is always the one with more.
      const n = base + ((i - c * extra + identities * MEDIA.length) % identities < extra ? 1 : 0);
      for (let k = 0; k < n; k++) byIdentity[i]?.push(medium);
    }
  });

  const plan: PlannedImage[] = [];
  byIdentity.forEach((media, i) => {
    // Shuffled so an index does not give the medium away.
    shuffle(streamFor(p.seed, 'order', i + 1), media).forEach((medium, index) => {
      plan.push({ identity: i + 1, index, trueClass: medium, labelledClass: medium });
    });
  });

  // At most one wrong label per person while there are people left, so a split by person does not get
  // several of them at once by bad luck.
  const wrong = Math.round(p.count * p.wrongFraction);
  const rand = streamFor(p.seed, 'wrong-labels');
  const mislabelled = new Set<number>();
  for (let j = 0; j < wrong; j++) {
    const from = MEDIA[j % MEDIA.length] as Medium;
    const candidates = plan.filter((img) => img.trueClass === from && img.labelledClass === from);
    const fresh = candidates.filter((img) => !mislabelled.has(img.identity));
    const victim = pick(rand, fresh.length > 0 ? fresh : candidates);
    mislabelled.add(victim.identity);
    victim.labelledClass = MEDIA[(j % MEDIA.length + 1 + (Math.floor(j / MEDIA.length) % 2)) % MEDIA.length] as Medium;
  }
  return plan;
}

/** How many people a demo of `count` images shows; every one of them appears in all three media. */
export function identityCount(count: number): number {
  return Math.max(1, Math.min(Math.floor(count / MEDIA.length), Math.round(count / IMAGES_PER_IDENTITY)));
}


async function renderImage(image: PlannedImage, identity: Identity, seed: number, size: number): Promise<Buffer> {
  const pose = randomPose(streamFor(seed, 'pose', image.identity, image.index));
  const svg = faceSvg(identity, pose, size);
  const { data } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return photograph(data, size, image.trueClass, streamFor(seed, 'medium', image.identity, image.index));
}

/** `id007` for person 7 of a demo showing `identities` people: three digits, more only beyond 999 people. */
export function identityName(identity: number, identities: number): string {
  return `id${String(identity).padStart(Math.max(3, String(identities).length), '0')}`;
}

function relativePath(image: PlannedImage, identities: number): string {
  return `${image.labelledClass}/${identityName(image.identity, identities)}_${String(image.index).padStart(3, '0')}.jpg`;
}

function manifestOf(params: { count: number; seed: number; wrongFraction: number; size: number }, plan: PlannedImage[]): DemoManifest {
  const identities = new Set(plan.map((image) => image.identity)).size;
  const images = plan
    .map((image) => ({
      path: relativePath(image, identities),
      identity: identityName(image.identity, identities),
      trueClass: image.trueClass as string,
      labelledClass: image.labelledClass as string,
    }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    generator: GENERATOR,
    version: VERSION,
    seed: params.seed,
    count: params.count,
    size: params.size,
    wrongFraction: params.wrongFraction,
    classes: [...MEDIA],
    identities,
    images,
    wrongLabels: images
      .filter((image) => image.trueClass !== image.labelledClass)
      .map(({ path: p, trueClass, labelledClass }) => ({ path: p, trueClass, labelledClass })),
  };
}

function resultOf(out: string, manifestPath: string, manifest: DemoManifest, reused: boolean): DemoResult {
  return {
    out,
    images: manifest.images.length,
    classes: [...manifest.classes],
    wrongLabels: manifest.wrongLabels.length,
    manifest: manifestPath,
    identities: manifest.identities,
    reused,
  };
}

async function inspectOut(out: string): Promise<'missing' | 'empty' | 'non-empty' | 'not-a-folder'> {
  try {
    if (!(await stat(out)).isDirectory()) return 'not-a-folder';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  return (await readdir(out)).length === 0 ? 'empty' : 'non-empty';
}

/** The format version of an older Facet's demo manifest at `manifestPath`, if that is what is there. */
async function olderDemoVersion(manifestPath: string): Promise<number | undefined> {
  try {
    const m = JSON.parse(await readFile(manifestPath, 'utf8')) as { version?: unknown; images?: unknown; classes?: unknown };
    return typeof m.version === 'number' && m.version < VERSION && Array.isArray(m.images) && Array.isArray(m.classes) ? m.version : undefined;
  } catch {
    return undefined;
  }
}

/** The previous demo's manifest, if it exists and `out` holds exactly the files it lists. */
async function readPreviousDemo(out: string, manifestPath: string): Promise<DemoManifest | undefined> {
  let manifest: DemoManifest;
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(await readFile(manifestPath, 'utf8')));
    if (!parsed.success) return undefined;
    manifest = parsed.data;
  } catch {
    return undefined;
  }
  // Cheap check (one directory listing per class, no decoding or hashing). Hidden files such as
  // .DS_Store, which file browsers drop into folders they show, do not count.
  const visible = (names: string[]) => names.filter((name) => !name.startsWith('.'));
  const top = visible(await readdir(out));
  if (top.sort().join('/') !== [...manifest.classes].sort().join('/')) return undefined;
  const onDisk: string[] = [];
  for (const name of top) {
    const dir = path.join(out, name);
    if (!(await stat(dir)).isDirectory()) return undefined;
    for (const file of visible(await readdir(dir))) onDisk.push(`${name}/${file}`);
  }
  const listed = manifest.images.map((image) => image.path);
  return onDisk.sort().join('\n') === listed.sort().join('\n') ? manifest : undefined;
}

function sameParameters(m: DemoManifest, p: { count: number; seed: number; wrongFraction: number; size: number }): boolean {
  return m.seed === p.seed && m.count === p.count && m.size === p.size && m.wrongFraction === p.wrongFraction;
}
