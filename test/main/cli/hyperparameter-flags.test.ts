// `facet train`'s hyperparameter flags come from the zod schema: the flags scripts already use are all
// there, every schema field has a described flag, a field added to the schema becomes a flag with
// nothing else to change, and out-of-range values are refused in the schema's words, naming the flag.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { addHyperparameterOptions, hyperparameterFlags, hyperparametersFrom } from '../../../src/main/cli/hyperparameter-flags.js';
import { runCli } from '../../../src/main/cli/program.js';
import { HyperparametersSchema, type Hyperparameters } from '../../../src/shared/hyperparameters.js';
import { Capture } from './harness.js';

/** Parses a `train` command line with the derived flags only, as `facet train` does, without training. */
function parseTrain(argv: string[], schema?: z.ZodObject): Record<string, unknown> {
  let seen: Record<string, unknown> = {};
  const cmd = addHyperparameterOptions(new Command('train').exitOverride().configureOutput({ writeErr: () => {} }), schema).action((opts: Record<string, unknown>) => {
    seen = opts;
  });
  cmd.parse(argv, { from: 'user' });
  return hyperparametersFrom(seen, {}, schema) as Record<string, unknown>;
}

describe('hyperparameter flags derived from the schema', () => {
  it('keeps every flag of the CLI contract', () => {
    const flags = hyperparameterFlags().map((f) => f.flag);
    const contract = ['--preset', '--epochs', '--batch-size', '--learning-rate', '--optimizer', '--image-size', '--color-mode', '--filters', '--dense-units', '--dropout', '--seed', '--patience', '--no-flip', '--rotation', '--zoom', '--contrast', '--crop-to-face'];
    expect(flags).toEqual(expect.arrayContaining(contract));
    expect(new Set(flags).size).toBe(flags.length);
  });

  it('gives every field of the schema a flag with a description of its own (not just its key)', () => {
    const flags = hyperparameterFlags();
    const leaves = Object.entries(HyperparametersSchema.shape).flatMap(([k, v]) => {
      const shape = (v as unknown as { def: { innerType?: { def: { shape?: object } } } }).def.innerType?.def.shape;
      return shape && k !== 'cropToFace' ? Object.keys(shape).map((s) => `${k}.${s}`) : [k];
    });
    expect(flags.map((f) => f.path.join('.')).sort()).toEqual(leaves.sort());
    for (const f of flags) expect(f.description, f.flag).not.toBe(f.path.at(-1));
  });

  it('turns a full command line into the hyperparameters the schema accepts', () => {
    const hp = parseTrain([
      '--preset', 'seed-cnn', '--epochs', '3', '--batch-size', '8', '--learning-rate', '0.01', '--optimizer', 'sgd', '--image-size', '32', '--color-mode', 'grayscale',
      '--filters', '8,16', '--padding', 'same', '--dense-units', '64', '--dropout', '0.2', '--seed', '7', '--patience', '2', '--no-flip', '--rotation', '0.05', '--zoom', '0.1', '--contrast', '0.2', '--crop-to-face', '0.3',
      '--backbone', 'centernet', '--augmented-views', '2',
    ]);
    const parsed: Hyperparameters = HyperparametersSchema.parse(hp);
    expect(parsed).toEqual({
      preset: 'seed-cnn', backbone: 'centernet', epochs: 3, batchSize: 8, learningRate: 0.01, optimizer: 'sgd', imageSize: 32, colorMode: 'grayscale', filters: [8, 16], padding: 'same', denseUnits: 64, dropout: 0.2,
      seed: 7, patience: 2, augmentation: { flip: false, rotation: 0.05, zoom: 0.1, contrast: 0.2 }, augmentedViews: 2, cropToFace: { enabled: true, margin: 0.3 },
    });
  });

  it('leaves flags not given to the schema defaults; --crop-to-face alone keeps the default margin', () => {
    expect(parseTrain([])).toEqual({});
    expect(parseTrain(['--zoom', '0.1'])).toEqual({ augmentation: { zoom: 0.1 } });
    expect(HyperparametersSchema.parse(parseTrain(['--crop-to-face'])).cropToFace).toEqual({ enabled: true, margin: 0.2 });
    expect(hyperparametersFrom({ epochs: 5 }, { epochs: 2, imageSize: 64 })).toEqual({ epochs: 5, imageSize: 64 });
  });

  it('refuses bad values naming the flag, in the schema\'s own words when out of range', () => {
    const refused = (argv: string[]) => {
      try {
        parseTrain(argv);
      } catch (error) {
        return error as { code: string; field?: string; message: string };
      }
      throw new Error(`${argv.join(' ')} was accepted`);
    };
    expect(refused(['--epochs', '0'])).toMatchObject({ code: 'invalid-argument', field: '--epochs', message: expect.stringContaining('train for at least 1 epoch') });
    expect(refused(['--epochs', '1.5'])).toMatchObject({ field: '--epochs', message: expect.stringContaining('whole number') });
    expect(refused(['--learning-rate', 'fast'])).toMatchObject({ field: '--learning-rate', message: expect.stringContaining('"fast"') });
    expect(refused(['--image-size', '8'])).toMatchObject({ field: '--image-size', message: expect.stringContaining('at least 16') });
    expect(refused(['--filters', '8,x'])).toMatchObject({ field: '--filters', message: expect.stringContaining('comma-separated') });
    expect(refused(['--filters', '1,2,3,4,5,6,7'])).toMatchObject({ field: '--filters', message: expect.stringContaining('at most 6 conv blocks') });
    expect(refused(['--crop-to-face', '2'])).toMatchObject({ field: '--crop-to-face', message: expect.stringContaining('the face margin is at most 1') });
    expect(refused(['--optimizer', 'lbfgs'])).toMatchObject({ code: 'commander.invalidArgument' });
  });

  it('makes a field added to the schema a flag, with its description, kind and choices', () => {
    const extended = HyperparametersSchema.extend({
      padding: z.enum(['valid', 'same']).describe('convolution padding').default('valid'),
      warmupEpochs: z.number().int().min(0, 'warm-up must be 0 or more').describe('epochs at a lower learning rate first').default(0),
      batchNorm: z.boolean().describe('batch normalisation after each conv').default(false),
    });
    const flags = hyperparameterFlags(extended);
    expect(flags.find((f) => f.flag === '--padding')).toMatchObject({ kind: 'enum', choices: ['valid', 'same'], description: 'convolution padding', defaultValue: 'valid' });
    expect(flags.find((f) => f.flag === '--warmup-epochs')).toMatchObject({ kind: 'int', path: ['warmupEpochs'] });
    expect(flags.find((f) => f.flag === '--batch-norm')).toMatchObject({ kind: 'bool' });
    expect(parseTrain(['--padding', 'same', '--warmup-epochs', '2', '--batch-norm'], extended)).toEqual({ padding: 'same', warmupEpochs: 2, batchNorm: true });
    expect(() => parseTrain(['--warmup-epochs', '-1'], extended)).toThrow(/warm-up must be 0 or more/);
  });

  it('refuses a schema where two fields would share a flag', () => {
    const clash = HyperparametersSchema.extend({ zoom: z.number().describe('a second zoom').default(1) });
    expect(() => hyperparameterFlags(clash)).toThrow(/augmentation\.zoom|--zoom/);
  });
});

describe('facet train flags in the real program', () => {
  it('exits 2 naming the flag before opening any workspace', async () => {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runCli(['--workspace', '/nonexistent/never-created', 'train', 'demo', '--epochs', '0'], { stdout, stderr }, {});
    expect(code).toBe(2);
    expect(stderr.text).toContain('--epochs: train for at least 1 epoch');
  });

  it('lists each derived flag with its description and default in `facet train --help`', async () => {
    const stdout = new Capture();
    expect(await runCli(['train', '--help'], { stdout, stderr: new Capture() }, {})).toBe(0);
    const help = stdout.text.replace(/\s+/g, ' ');
    expect(help).toContain('--batch-size <n> batch size (default 32)');
    expect(help).toContain('--no-flip turn off: random horizontal flip');
    expect(help).toContain('--crop-to-face [margin]');
    expect(help).toMatch(/--optimizer <name> gradient-descent optimizer \(default adam\) \(choices: "adam", "sgd", "rmsprop"\)/);
  });
});
