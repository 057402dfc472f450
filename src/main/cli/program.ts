// The `facet` command line: names, flags and --json fields are a contract with outside scripts
// (DESIGN.md, "The command line"); add to them, never rename them.
import { Command, CommanderError, Option } from 'commander';
import type { ImportSummary } from '../../shared/domain.js';
import { SPLITS } from '../../shared/domain.js';
import { FacetError, formatError, toErrorPayload } from '../../shared/errors.js';
import { describeChange } from '../../shared/edits.js';
import { parseSplitSpec } from '../../shared/splits.js';
import { Core } from '../core/index.js';
import { findClass, findDataset, findImagesByPath } from '../core/datasets/queries.js';
import { resolveWorkspaceDir, Workspace } from '../core/platform/workspace.js';
import { defaultRendererDir } from '../core/platform/media/static-files.js';
import { startServer } from '../server/index.js';
import { Output, table, type Io } from './output.js';
import { followRun, registerTrainingCommands, renderTrainResult } from './training-commands.js';
import { registerExportCommands } from './export-commands.js';
import { registerFacesCommands, runFaceAnalysis } from './faces-commands.js';
import { registerAuditCommands } from './audit-commands.js';

/** Settings that make the demo's first training run finish in a few minutes on a 2-core CPU. */
export const DEMO_HYPERPARAMETERS = { imageSize: 64, epochs: 12, batchSize: 32, patience: 4 };
const DEMO_TRAINING_NOTE = '64 px, up to 12 epochs, early stopping after 4 without improvement';
const DEMO_GROUP_BY = '^(id\\d+)_';

export const EXIT = { ok: 0, failed: 1, usage: 2, skipped: 3, interrupted: 130 } as const;

const EXIT_HELP = `
Exit codes:
  0  success
  1  failed (the message says why and what to do)
  2  invalid command line or arguments
  3  finished, but some files were skipped or left out (listed with their reasons)
  130  training cancelled (Ctrl+C) or interrupted

Every command takes --workspace DIR (else $FACET_WORKSPACE, else the per-user data folder)
and --json (one JSON document on stdout; progress and logs on stderr).`;

interface GlobalOptions {
  workspace?: string;
  json?: boolean;
}

/** Parses a non-negative integer flag, naming the flag when it is not one. */
function intOption(flag: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new FacetError('invalid-argument', `${flag} must be a whole number, got "${value}".`, { field: flag });
    return Number(value);
  };
}

export async function runCli(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let exitCode: number = EXIT.ok;
  let core: Core | null = null;
  const program = new Command('facet');
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  const out = () => new Output(io, Boolean(globals().json));
  const open = (): Core => {
    core ??= new Core(Workspace.open(resolveWorkspaceDir(globals().workspace, env)));
    return core;
  };

  program
    .description('Facet Studio: label face images and train image classifiers on your own machine.')
    .option('--workspace <dir>', 'workspace folder (default: $FACET_WORKSPACE or the per-user data folder)')
    .option('--json', 'print one JSON document on stdout')
    .addHelpText('after', EXIT_HELP)
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride()
    .showHelpAfterError('(run facet --help for usage)');

  program
    .command('demo')
    .description('generate the synthetic 3-class face data set (phone / camera / social)')
    .option('--out <dir>', 'where to write it (default: WORKSPACE/demo/faces)')
    .option('--count <n>', 'number of images', intOption('--count'), 600)
    .option('--seed <n>', 'random seed', intOption('--seed'), 42)
    .option('--train', 'then import it and train the seed CNN on it')
    .action(async (opts: { out?: string; count: number; seed: number; train?: boolean }) => {
      const o = out();
      const c = open();
      if (!o.json) o.log(`Generating ${opts.count} demo images…`);
      const demo = await c.call('demo/generate', { out: opts.out, count: opts.count, seed: opts.seed });
      if (opts.train) {
        const summary = await c.call('datasets/import', { folder: demo.out, name: 'demo faces', groupBy: DEMO_GROUP_BY });
        if (!o.json) o.log(`Imported ${summary.imported} images: train ${summary.splits.train} · val ${summary.splits.val} · test ${summary.splits.test} (${summary.groups} people, each kept in one split)`);
        o.log(`Training with quick demo settings (${DEMO_TRAINING_NOTE}); the seed defaults are 256 px and 50 epochs.`);
        const result = await followRun(ctxFor(), async () => c.call('runs/start', { datasetId: summary.datasetId, hyperparameters: DEMO_HYPERPARAMETERS, name: 'demo · seed CNN' }));
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

  program
    .command('import')
    .description('import (or rescan) a class-folder data set: one sub-folder per class, images at any depth')
    .argument('<folder>', 'the data set folder')
    .option('--name <name>', 'dataset name (default: the folder name)')
    .option('--split <train/val/test>', 'split percentages, e.g. 80/10/10 or 62.5/12.5/25', '80/10/10')
    .option('--seed <n>', 'split seed', intOption('--seed'))
    .option('--group-by <key>', 'keep groups in one split: "subfolder" or a file-name regex such as ^(id\\d+)_')
    .option('--faces', 'then detect faces, landmarks and embeddings in every image (facet faces)')
    .option('--unlabelled', 'import every image unlabelled, whatever its sub-folder (images directly in the folder always are)')
    .action(async (folder: string, opts: { name?: string; split: string; seed?: number; groupBy?: string; faces?: boolean; unlabelled?: boolean }, cmd: Command) => {
      const o = out();
      const c = open();
      let split;
      try {
        split = parseSplitSpec(opts.split);
      } catch (error) {
        throw new FacetError('invalid-argument', (error as Error).message, { field: '--split' });
      }
      const splitGiven = cmd.getOptionValueSource('split') === 'cli';
      const progress = o.importProgress();
      const unsubscribe = c.events.on('import/progress', progress.update);
      try {
        const summary = await c.call('datasets/import', {
          folder,
          name: opts.name,
          split: splitGiven ? split : undefined,
          seed: opts.seed,
          groupBy: opts.groupBy,
          unlabelled: opts.unlabelled,
        });
        progress.stop();
        const faces = opts.faces ? await runFaceAnalysis(c, summary.datasetId, {}, o) : null;
        o.result(faces ? { ...summary, faces } : summary, () =>
          renderImport(summary) + (faces ? `\nfaces: ${faces.faces} in ${faces.images} images · ${faces.noFace} without a face · ${faces.multiFace} with several` : ''),
        );
        if (summary.skipped.length > 0) exitCode = EXIT.skipped;
      } finally {
        progress.stop();
        unsubscribe();
      }
    });

  program
    .command('rescan')
    .description('pick up added, removed and changed files of an imported dataset (labels and splits are kept)')
    .argument('<dataset>', 'dataset id or name')
    .action(async (ref: string) => {
      const o = out();
      const c = open();
      const progress = o.importProgress();
      const unsubscribe = c.events.on('import/progress', progress.update);
      try {
        const summary = await c.call('datasets/rescan', { datasetId: findDataset(c.workspace.db, ref).id });
        progress.stop();
        o.result(summary, () => renderImport(summary));
        if (summary.skipped.length > 0) exitCode = EXIT.skipped;
      } finally {
        progress.stop();
        unsubscribe();
      }
    });

  program
    .command('datasets')
    .description('list the datasets of the workspace')
    .action(async () => {
      const o = out();
      const list = await open().call('datasets/list', {});
      o.result(list, () =>
        list.length === 0
          ? 'No datasets yet. Import one with `facet import FOLDER` (or try `facet demo`).'
          : table(
              ['id', 'name', 'images', 'classes', 'skipped', 'split', 'root'],
              list.map((d) => [d.id, d.name, d.images, d.classes, d.skipped, `${d.split.train * 100}/${d.split.val * 100}/${d.split.test * 100}`, d.root]),
            ),
      );
    });

  program
    .command('images')
    .description('list the images of a dataset')
    .argument('<dataset>', 'dataset id or name')
    .option('--class <name>', 'only this class')
    .addOption(new Option('--split <split>', 'only this split').choices([...SPLITS]))
    .addOption(new Option('--status <status>', 'ok (default), unreadable, missing or all').choices(['ok', 'unreadable', 'missing', 'all']))
    .option('--limit <n>', 'at most this many', intOption('--limit'))
    .action(async (ref: string, opts: { class?: string; split?: (typeof SPLITS)[number]; status?: 'ok' | 'unreadable' | 'missing' | 'all'; limit?: number }) => {
      const o = out();
      const c = open();
      const dataset = findDataset(c.workspace.db, ref);
      const classId = opts.class ? findClass(c.workspace.db, dataset.id, opts.class).id : undefined;
      const page = await c.call('images/list', { datasetId: dataset.id, classId, split: opts.split, status: opts.status, limit: opts.limit });
      o.result(page, () =>
        page.items.length === 0
          ? 'No images match.'
          : `${table(
              ['path', 'class', 'split', 'size', 'status'],
              page.items.map((i) => [i.path, i.className ?? '-', i.split ?? '-', i.width ? `${i.width}×${i.height}` : '-', i.status === 'unreadable' ? `skipped: ${i.skipReason}` : i.status]),
            )}\n${page.items.length} of ${page.total}`,
      );
    });

  program
    .command('classes')
    .description('list classes, or: add NAME | rename OLD NEW | merge SOURCE TARGET | delete NAME [--move-to CLASS]')
    .argument('<dataset>', 'dataset id or name')
    .argument('[action]', 'add, rename, merge or delete')
    .argument('[names...]', 'class names for the action')
    .option('--move-to <class>', 'with delete: move the class\'s images here first')
    .action(async (ref: string, action: string | undefined, names: string[], opts: { moveTo?: string }) => {
      const o = out();
      const c = open();
      const db = c.workspace.db;
      const dataset = findDataset(db, ref);
      const need = (n: number, usage: string) => {
        if (names.length !== n) throw new FacetError('invalid-argument', `Usage: facet classes DATASET ${usage}`, { field: 'names' });
      };
      let result: unknown;
      switch (action) {
        case undefined:
          break;
        case 'add':
          need(1, 'add NAME');
          result = await c.call('classes/add', { datasetId: dataset.id, name: names[0]! });
          break;
        case 'rename':
          need(2, 'rename OLD NEW');
          result = await c.call('classes/rename', { classId: findClass(db, dataset.id, names[0]!).id, name: names[1]! });
          break;
        case 'merge':
          need(2, 'merge SOURCE TARGET');
          result = await c.call('classes/merge', {
            sourceClassId: findClass(db, dataset.id, names[0]!).id,
            targetClassId: findClass(db, dataset.id, names[1]!).id,
          });
          break;
        case 'delete':
          need(1, 'delete NAME [--move-to CLASS]');
          result = await c.call('classes/delete', {
            classId: findClass(db, dataset.id, names[0]!).id,
            moveToClassId: opts.moveTo ? findClass(db, dataset.id, opts.moveTo).id : undefined,
          });
          break;
        default:
          throw new FacetError('invalid-argument', `Unknown action "${action}".`, { field: 'action', hint: 'Use add, rename, merge or delete.' });
      }
      const classes = await c.call('classes/list', { datasetId: dataset.id });
      o.result(action ? { result, classes } : classes, () =>
        table(
          ['class', 'images', 'train', 'val', 'test'],
          classes.map((k) => [k.name, k.count, k.splits.train, k.splits.val, k.splits.test]),
        ),
      );
    });

  program
    .command('label')
    .description('set the class of one or more images (paths relative to the dataset root)')
    .argument('<dataset>', 'dataset id or name')
    .argument('<paths...>', 'image paths')
    .requiredOption('--class <name>', 'the class to assign')
    .action(async (ref: string, paths: string[], opts: { class: string }) => {
      const o = out();
      const c = open();
      const db = c.workspace.db;
      const dataset = findDataset(db, ref);
      const cls = findClass(db, dataset.id, opts.class);
      const change = await c.call('labels/set', { datasetId: dataset.id, imageIds: findImagesByPath(db, dataset.id, paths), classId: cls.id });
      o.result(change, () => `Labelled ${change.changed} image(s) as ${cls.name}${change.changed < paths.length ? ` (${paths.length - change.changed} already were)` : ''}.`);
    });

  for (const direction of ['undo', 'redo'] as const) {
    program
      .command(direction)
      .description(`${direction} the last edit of a dataset: a relabel, or adding, renaming, merging or deleting a class`)
      .argument('<dataset>', 'dataset id or name')
      .action(async (ref: string) => {
        const o = out();
        const c = open();
        const change = await c.call(`labels/${direction}`, { datasetId: findDataset(c.workspace.db, ref).id });
        o.result(change, () => (change.editId === null ? `Nothing to ${direction}.` : `${describeChange(direction, change)} (edit ${change.editId}).`));
      });
  }

  const ctxFor = () => ({ out, open, setExit: (code: number) => (exitCode = code) });
  registerTrainingCommands(program, ctxFor());
  registerExportCommands(program, ctxFor());
  registerFacesCommands(program, ctxFor());
  registerAuditCommands(program, ctxFor());

  program
    .command('serve')
    .description('browser mode: serve the app on 127.0.0.1 (prints the URL with its access token)')
    .option('--port <n>', 'port (default: any free port)', intOption('--port'), 0)
    .action(async (opts: { port: number }) => {
      const c = open();
      const server = await startServer({ core: c, port: opts.port, rendererDir: defaultRendererDir() });
      io.stdout.write(`${server.url}\n`);
      io.stderr.write('Open the URL above in a browser. Press Ctrl+C to stop.\n');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    });

  program
    .command('workspace')
    .description('show where the workspace and its database live')
    .action(async () => {
      const o = out();
      const info = await open().call('workspace/info', {});
      o.result(info, () => `workspace: ${info.dir}\ndatabase:  ${info.database}\ncache:     ${info.cache}\nschema:    ${info.schemaVersion}`);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    exitCode = reportError(error, io, Boolean(globals().json), env);
  } finally {
    await (core as Core | null)?.close();
  }
  return exitCode;
}

function reportError(error: unknown, io: Io, json: boolean, env: NodeJS.ProcessEnv): number {
  if (error instanceof CommanderError) {
    // Commander already printed its message (or the help / version text).
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
    return EXIT.usage;
  }
  const payload = toErrorPayload(error);
  if (json) io.stdout.write(`${JSON.stringify({ error: payload }, null, 2)}\n`);
  io.stderr.write(`facet: ${formatError(payload)}\n`);
  if (payload.code === 'internal' && error instanceof Error && env.FACET_DEBUG) io.stderr.write(`${error.stack}\n`);
  return payload.code === 'invalid-argument' ? EXIT.usage : EXIT.failed;
}

export function renderImport(s: ImportSummary): string {
  const lines: string[] = [];
  lines.push(`Dataset ${s.datasetId} "${s.name}" (${s.root})`);
  const unlabelled = s.unlabelled ? ` (${s.unlabelled} unlabelled: label them with facet queue / facet accept or in the studio)` : '';
  lines.push(`${s.imported} images${unlabelled} in ${s.classes.length} classes · ${s.added} new, ${s.changed} changed, ${s.removed} removed, ${s.unchanged} unchanged · ${s.seconds.toFixed(1)} s`);
  lines.push('');
  lines.push(table(['class', 'images'], s.classes.map((c) => [c.name, c.count])));
  lines.push('');
  lines.push(`splits: train ${s.splits.train} · val ${s.splits.val} · test ${s.splits.test}${s.groups !== null ? ` · ${s.groups} groups kept whole` : ''}`);
  if (s.emptyClasses.length) lines.push(`empty class folders: ${s.emptyClasses.join(', ')}`);
  if (s.thumbnailsRestored) lines.push(`${s.thumbnailsRestored} thumbnails had gone from the workspace cache and were made again.`);
  if (s.duplicates.length) {
    const mixed = s.duplicates.filter((d) => d.classes.length > 1).length;
    lines.push(`exact duplicates: ${s.duplicates.length} group(s)${mixed ? `, ${mixed} with different labels` : ''}`);
    for (const d of s.duplicates.slice(0, 10)) lines.push(`  ${d.paths.join('  =  ')}`);
  }
  if (s.skipped.length) {
    lines.push('');
    lines.push(`skipped ${s.skipped.length} file(s):`);
    for (const f of s.skipped) lines.push(`  ${f.path}: ${f.reason}`);
  }
  return lines.join('\n');
}
