// Dataset commands of the `facet` CLI: import, rescan, datasets, images, classes, label, undo, redo.
import { Option, type Command } from 'commander';
import type { DatasetDeletion, ImportSummary } from '../../shared/domain.js';
import { SPLITS } from '../../shared/domain.js';
import { FacetError } from '../../shared/errors.js';
import { reasonInWords } from '../../shared/user-words.js';
import { describeChange } from '../../shared/edits.js';
import { healthLine, type HealthReport } from '../../shared/health.js';
import { formatSplit, parseSplitSpec } from '../../shared/splits.js';
import { findClass, findDataset, findImagesByPath } from '../core/datasets/queries.js';
import type { Core } from '../core/index.js';
import { EXIT, type CliContext } from './context.js';
import { countFlag } from './flags.js';
import { table, type Output } from './output.js';
import { runFaceAnalysis } from './faces-commands.js';

export function registerDatasetCommands(program: Command, ctx: CliContext): void {
  program
    .command('import')
    .description('import (or rescan) a class-folder data set: one sub-folder per class, images at any depth')
    .argument('<folder>', 'the data set folder')
    .option('--name <name>', 'dataset name (default: the folder name)')
    .option('--split <train/val/test>', 'split percentages, e.g. 80/10/10 or 62.5/12.5/25', '80/10/10')
    .option('--seed <n>', 'split seed', countFlag('--seed'))
    .option('--group-by <key>', 'keep groups in one split: "subfolder" or a file-name regex such as ^(id\\d+)_')
    .option('--faces', 'then detect faces, landmarks and embeddings in every image (facet faces)')
    .option('--unlabelled', 'import every image unlabelled, whatever its sub-folder (images directly in the folder always are)')
    .action(async (folder: string, opts: { name?: string; split: string; seed?: number; groupBy?: string; faces?: boolean; unlabelled?: boolean }, cmd: Command) => {
      const o = ctx.out();
      const c = ctx.open();
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
        const health = await healthAfterImport(c, o, summary.datasetId);
        const faces = opts.faces ? await runFaceAnalysis(c, summary.datasetId, {}, o) : null;
        o.result(faces ? { ...summary, health, faces } : { ...summary, health }, () =>
          renderImport(summary) + renderHealth(health) + (faces ? `\nfaces: ${faces.faces} in ${faces.images} images · ${faces.noFace} without a face · ${faces.multiFace} with several` : ''),
        );
        if (summary.skipped.length > 0) ctx.setExit(EXIT.skipped);
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
      const o = ctx.out();
      const c = ctx.open();
      const progress = o.importProgress();
      const unsubscribe = c.events.on('import/progress', progress.update);
      try {
        const summary = await c.call('datasets/rescan', { datasetId: findDataset(c.workspace.db, ref).id });
        progress.stop();
        const health = await healthAfterImport(c, o, summary.datasetId);
        o.result({ ...summary, health }, () => renderImport(summary) + renderHealth(health));
        if (summary.skipped.length > 0) ctx.setExit(EXIT.skipped);
      } finally {
        progress.stop();
        unsubscribe();
      }
    });

  program
    .command('datasets')
    .description('list the datasets of the workspace, or: delete DATASET (its runs, audits and caches; never the image files)')
    .argument('[action]', 'delete')
    .argument('[dataset]', 'with delete: dataset id or name')
    .option('--dry-run', 'with delete: say what would go, delete nothing')
    .action(async (action: string | undefined, ref: string | undefined, opts: { dryRun?: boolean }) => {
      const o = ctx.out();
      if (action !== undefined) {
        if (action !== 'delete') throw new FacetError('invalid-argument', `Unknown action "${action}".`, { field: 'action', hint: 'Use `facet datasets` to list, or `facet datasets delete DATASET`.' });
        if (!ref) throw new FacetError('invalid-argument', 'Say which dataset to delete: facet datasets delete DATASET', { field: 'dataset', hint: 'Run `facet datasets` to list them.' });
        const c = ctx.open();
        const gone = await c.call('datasets/delete', { datasetId: findDataset(c.workspace.db, ref).id, ...(opts.dryRun ? { dryRun: true } : {}) });
        o.result(gone, () => renderDeletion(gone));
        return;
      }
      const list = await ctx.open().call('datasets/list', {});
      o.result(list, () =>
        list.length === 0
          ? 'No datasets yet. Import one with `facet import FOLDER` (or try `facet demo`).'
          : table(
              ['id', 'name', 'images', 'classes', 'skipped', 'split', 'root'],
              list.map((d) => [d.id, d.name, d.images, d.classes, d.skipped, formatSplit(d.split), d.root]),
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
    .option('--limit <n>', 'at most this many', countFlag('--limit'))
    .action(async (ref: string, opts: { class?: string; split?: (typeof SPLITS)[number]; status?: 'ok' | 'unreadable' | 'missing' | 'all'; limit?: number }) => {
      const o = ctx.out();
      const c = ctx.open();
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
    .description('list classes, or: add NAME | rename OLD NEW | merge SOURCE TARGET | delete NAME [--move-to CLASS] (without --move-to its images become unlabelled)')
    .argument('<dataset>', 'dataset id or name')
    .argument('[action]', 'add, rename, merge or delete')
    .argument('[names...]', 'class names for the action')
    .option('--move-to <class>', 'with delete: move the class\'s images here (otherwise they stay in the dataset, unlabelled; facet undo restores them)')
    .action(async (ref: string, action: string | undefined, names: string[], opts: { moveTo?: string }) => {
      const o = ctx.out();
      const c = ctx.open();
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
      const o = ctx.out();
      const c = ctx.open();
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
        const o = ctx.out();
        const c = ctx.open();
        const change = await c.call(`labels/${direction}`, { datasetId: findDataset(c.workspace.db, ref).id });
        o.result(change, () => (change.editId === null ? `Nothing to ${direction}.` : `${describeChange(direction, change)} (edit ${change.editId}).`));
      });
  }
}

interface HealthAfterImport {
  checked: number;
  images: number;
  summary: HealthReport['summary'];
}

/**
 * Waits for the health checks an import or rescan starts (the health job measures the new pictures
 * from their thumbnails), saying its progress; what `--json` gets under `health`.
 */
async function healthAfterImport(c: Core, o: Output, datasetId: number): Promise<HealthAfterImport | null> {
  let said = -1;
  const unsubscribe = c.events.on('health/progress', (p) => {
    if (p.datasetId !== datasetId || p.total === 0) return;
    const quarter = Math.floor((p.done / p.total) * 4);
    if (quarter !== said && !p.finished) {
      said = quarter;
      o.log(`Checking picture health: ${p.done}/${p.total}`);
    }
  });
  try {
    const report = await c.call('health/check', { datasetId });
    return { checked: report.checked, images: report.images, summary: report.summary };
  } catch (error) {
    // The import itself is saved and fine: say why the checks did not run, and how to run them.
    o.log(`The picture health checks did not finish: ${reasonInWords(error)}. Run \`facet health ${datasetId}\` to check again.`);
    return null;
  } finally {
    unsubscribe();
  }
}

function renderHealth(h: HealthAfterImport | null): string {
  if (!h) return '';
  const line = healthLine(h.summary);
  return `\nhealth: ${line ?? 'no picture problems found'} (${h.checked} of ${h.images} pictures checked${line ? '; `facet health DATASET` lists them' : ''})`;
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

function renderDeletion(d: DatasetDeletion): string {
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : word.endsWith('s') ? 'es' : 's'}`;
  const what = [
    `the labels of ${n(d.labelled, 'image')} and ${n(d.classes, 'class')} (${n(d.images, 'file')} in all)`,
    ...(d.runs.length ? [`${n(d.runs.length, 'run')}: ${d.runs.join(', ')}`] : []),
    ...(d.audits ? [n(d.audits, 'audit')] : []),
    ...(d.cachedContents ? [`cached files of ${n(d.cachedContents, 'picture')} no other dataset uses`] : []),
  ];
  return [
    `${d.deleted ? 'Deleted' : 'Would delete'} dataset "${d.name}" (${d.datasetId}):`,
    ...what.map((w) => `  - ${w}`),
    `The image files in ${d.root} ${d.deleted ? 'were not touched' : 'stay where they are'}.${d.deleted ? '' : ' Run again without --dry-run to delete.'}`,
  ].join('\n');
}
