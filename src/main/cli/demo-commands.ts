// `facet demo`: the synthetic face data set, and with --train a first run on it in a few minutes.
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { countFlag } from './flags.js';
import { followRun, renderTrainResult } from './training-commands.js';

/** Settings that make the demo's first training run finish in a few minutes on a 2-core CPU. */
export const DEMO_HYPERPARAMETERS = { imageSize: 64, epochs: 12, batchSize: 32, patience: 4 };
const DEMO_TRAINING_NOTE = '64 px, up to 12 epochs, early stopping after 4 without improvement';
const DEMO_GROUP_BY = '^(id\\d+)_';

export function registerDemoCommands(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('generate the synthetic 3-class face data set (phone / camera / social)')
    .option('--out <dir>', 'where to write it (default: WORKSPACE/demo/faces)')
    .option('--count <n>', 'number of images', countFlag('--count'), 600)
    .option('--seed <n>', 'random seed', countFlag('--seed'), 42)
    .option('--train', 'then import it and train the seed CNN on it')
    .action(async (opts: { out?: string; count: number; seed: number; train?: boolean }) => {
      const o = ctx.out();
      const c = ctx.open();
      if (!o.json) o.log(`Generating ${opts.count} demo images…`);
      const demo = await c.call('demo/generate', { out: opts.out, count: opts.count, seed: opts.seed });
      if (opts.train) {
        const summary = await c.call('datasets/import', { folder: demo.out, name: 'demo faces', groupBy: DEMO_GROUP_BY });
        if (!o.json) o.log(`Imported ${summary.imported} images: train ${summary.splits.train} · val ${summary.splits.val} · test ${summary.splits.test} (${summary.groups} people, each kept in one split)`);
        o.log(`Training with quick demo settings (${DEMO_TRAINING_NOTE}); the seed defaults are 256 px and 50 epochs.`);
        const result = await followRun(ctx, async () => c.call('runs/start', { datasetId: summary.datasetId, hyperparameters: DEMO_HYPERPARAMETERS, name: 'demo · seed CNN' }));
        o.result({ ...demo, datasetId: summary.datasetId, run: result }, () => renderTrainResult(result));
        return;
      }
      o.result(demo, () =>
        [
          `Demo data set: ${demo.images} images in ${demo.classes.length} classes (${demo.classes.join(', ')}), ${demo.identities} people`,
          `  folder:   ${demo.out}`,
          `  manifest: ${demo.manifest} (${demo.wrongLabels} images deliberately in the wrong class folder)`,
          '',
          `Next: facet import ${demo.out} --group-by '^(id\\d+)_'`,
        ].join('\n'),
      );
    });
}
