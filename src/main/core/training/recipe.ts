// The files a run's recipe travels in to another machine and back (`facet export-training` writes
// them, train.py adds result/, `facet import-run` reads both): names and shapes in one place.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { FacetError } from '../../../shared/errors.js';
import { HyperparametersSchema } from '../../../shared/hyperparameters.js';

export const RECIPE_FILE = 'recipe.json';
export const RECIPE_MANIFEST = 'manifest.csv';
export const RECIPE_IMAGES = 'images';
export const RESULT_DIR = 'result';

/** prepared: PNGs decoded and resized by Facet (bit-identical input); copy / link: the originals. */
export const RECIPE_IMAGE_MODES = ['prepared', 'copy', 'link'] as const;
export type RecipeImageMode = (typeof RECIPE_IMAGE_MODES)[number];

export const RecipeSchema = z.object({
  format: z.literal(1),
  recipeId: z.string(),
  facetVersion: z.string(),
  framework: z.literal('pytorch'),
  datasetId: z.number().int(),
  datasetName: z.string(),
  snapshotId: z.number().int(),
  snapshotHash: z.string(),
  runId: z.number().int().nullable(),
  name: z.string(),
  classes: z.array(z.string()).min(2),
  hyperparameters: HyperparametersSchema,
  images: z.enum(RECIPE_IMAGE_MODES),
  manifest: z.string(),
  imagesRoot: z.string(),
  createdAt: z.string(),
});
export type Recipe = z.infer<typeof RecipeSchema>;

const EpochRowSchema = z.object({
  epoch: z.number().int().min(1),
  loss: z.number(),
  accuracy: z.number(),
  valLoss: z.number().nullable(),
  valAccuracy: z.number().nullable(),
  seconds: z.number(),
  imagesPerSecond: z.number(),
});

export const ResultSchema = z.object({
  format: z.literal(1),
  framework: z.literal('pytorch'),
  torch: z.string(),
  processes: z.number().int().min(1),
  device: z.string(),
  host: z.string(),
  bestEpoch: z.number().int().min(1),
  epochs: z.number().int().min(1),
  seconds: z.number(),
  recipe: z.string(),
  weights: z.string(),
  metrics: z.string(),
  test: z.string(),
});
export type RecipeResult = z.infer<typeof ResultSchema>;
export const MetricsFileSchema = z.object({ epochs: z.array(EpochRowSchema).min(1) });
export const TestFileSchema = z.object({
  loss: z.number().nullable(),
  accuracy: z.number().nullable(),
  predictions: z.array(z.object({ file: z.string(), label: z.number().int(), probabilities: z.array(z.number()) })),
});

/** Reads and checks one JSON file of a recipe folder, naming the file and what is wrong. */
export function readRecipeJson<T>(file: string, schema: z.ZodType<T>, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FacetError(code === 'ENOENT' ? 'not-found' : 'invalid-argument', code === 'ENOENT' ? `${file} does not exist.` : `${file} is not valid JSON.`, {
      field: 'DIR',
      hint: `It is ${what}. Give the folder \`facet export-training\` wrote, after train.py has finished.`,
    });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new FacetError('invalid-argument', `${path.basename(file)} is not ${what}: ${issue.path.join('.') || '(top)'}: ${issue.message}.`, {
      field: 'DIR',
      hint: 'Was it written by this version of Facet and its train.py?',
    });
  }
  return parsed.data;
}
