// `facet audit`: find labels that are probably wrong (confident learning over K fold models), the
// same picture under two labels, near-duplicates leaking across splits, and class imbalance.
import { Option, type Command } from 'commander';
import { FacetError } from '../../shared/errors.js';
import { DEFAULT_AUDIT_SETTINGS, SUSPECT_RANKINGS, type AuditProgress, type AuditReport, type AuditSettingsInput, type SuspectRanking } from '../../shared/quality.js';
import { findDataset, getDataset } from '../core/datasets/queries.js';
import { getAudit } from '../core/quality/audit-store.js';
import { table } from './output.js';
import { EXIT, type CliContext } from './context.js';
import { numberFlag } from './flags.js';
import { fixed, percent } from './format.js';

const intFlag = (flag: string, min: number) => numberFlag(flag, { integer: true, min });

function auditRef(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new FacetError('invalid-argument', `--resume takes an audit id (a whole number), got "${value}".`, { field: '--resume', hint: '`facet audit DATASET --last` shows the latest audit and its id.' });
  return Number(value);
}

/** The stable --json document (a CLI contract, docs/architecture.md): auditId, suspects [{ path, label, suggested, score }], duplicates, leaks; more fields welcome. */
export function auditJson(r: AuditReport) {
  return {
    auditId: r.auditId,
    datasetId: r.datasetId,
    status: r.status,
    error: r.error,
    suspects: r.suspects.map((s) => ({
      path: s.path,
      label: s.label,
      suggested: s.suggested,
      score: s.score,
      imageId: s.imageId,
      split: s.split,
      selfConfidence: s.selfConfidence,
      margin: s.margin,
      suggestedConfidence: s.suggestedConfidence,
      rule: s.rule,
    })),
    duplicates: r.duplicates.map((d) => ({ hash: d.hash, labels: d.labels, paths: d.images.map((i) => i.path), images: d.images })),
    leaks: r.leaks.map((l) => ({ a: l.a, b: l.b, distance: l.distance, correlation: l.correlation, exact: l.exact })),
    imbalance: r.imbalance,
    resolved: r.resolved,
    images: r.images,
    predicted: r.predicted,
    folds: r.folds,
    accuracy: r.accuracy,
    ranking: r.settings.ranking,
    settings: r.settings,
    confidentJoint: r.confidentJoint,
    reliability: r.reliability,
    backend: r.backend,
    seconds: r.seconds,
  };
}

const RULES: Record<AuditReport['suspects'][number]['rule'], string> = {
  'confident-joint': 'confident joint',
  'noise-rate': 'noise rate',
  disagreement: 'argmax only',
};

export function renderAudit(r: AuditReport, top: number): string {
  const lines = [
    `Audit ${r.auditId} ${r.status}${r.error ? `: ${r.error}` : ''} · ${r.images} images · ${r.folds} folds · out-of-sample accuracy ${percent(r.accuracy)} · ${r.seconds !== null ? `${r.seconds.toFixed(0)} s` : '-'} · backend ${r.backend ?? '-'}`,
    '',
  ];
  if (r.reliability && !r.reliability.reliable) {
    lines.push('NOT RELIABLE: treat these suspects as hints, not as wrong labels.');
    for (const reason of r.reliability.reasons) lines.push(`  - ${reason}`);
    if (r.reliability.advice) lines.push(`  ${r.reliability.advice}`);
    lines.push('');
  }
  const stopped = r.status === 'interrupted' || r.status === 'cancelled';
  if (stopped) {
    lines.push(`It stopped before it finished: ${r.predicted} of ${r.images} images predicted, and suspects need all of them. Finish it: facet audit --resume ${r.auditId}`);
  } else if (r.suspects.length === 0) lines.push('No suspected wrong labels.');
  else {
    lines.push(`Suspected wrong labels: ${r.suspects.length} (most suspect first, ranked by ${r.settings.ranking}; showing ${Math.min(top, r.suspects.length)})`);
    lines.push(
      table(
        ['#', 'path', 'label', 'suggested', 'p(label)', 'p(suggested)', 'split', 'found by'],
        r.suspects.slice(0, top).map((s, i) => [i + 1, s.path, s.label, s.suggested, s.selfConfidence.toFixed(3), s.suggestedConfidence.toFixed(3), s.split ?? '-', RULES[s.rule]]),
      ),
    );
  }
  if (r.resolved.relabelled || r.resolved.kept) lines.push(`(${r.resolved.relabelled} relabelled and ${r.resolved.kept} kept as right since the audit are not listed)`);
  lines.push('');
  if (r.duplicates.length) {
    lines.push(`Identical files with different labels: ${r.duplicates.length}`);
    for (const d of r.duplicates.slice(0, top)) lines.push(`  ${d.images.map((i) => `${i.path} (${i.label ?? '-'})`).join('  =  ')}`);
  } else lines.push('Identical files with different labels: none');
  if (r.leaks.length) {
    lines.push(`Near-duplicates across splits (leakage): ${r.leaks.length}`);
    lines.push(
      table(
        ['distance', 'correlation', 'image', 'split', 'twin', 'split '],
        r.leaks.slice(0, top).map((l) => [l.distance, l.correlation.toFixed(3), l.a.path, l.a.split ?? '-', l.b.path, l.b.split ?? '-']),
      ),
    );
  } else lines.push('Near-duplicates across splits (leakage): none');
  if (r.imbalance) {
    const im = r.imbalance;
    lines.push(
      `Classes: ${im.counts.map((c) => `${c.class} ${c.count}`).join(' · ')} · largest/smallest ${im.ratio === null ? '∞' : im.ratio.toFixed(2)}${im.rare.length ? ` · rare: ${im.rare.join(', ')}` : ''}`,
    );
  }
  return lines.join('\n');
}

export function registerAuditCommands(program: Command, ctx: CliContext): void {
  const d = DEFAULT_AUDIT_SETTINGS;
  program
    .command('audit')
    .description('find probably wrong labels (K fold models + confident learning), duplicates with different labels, train/test leakage and class imbalance')
    .argument('[dataset]', 'dataset id or name (not needed with --resume)')
    .option('--folds <k>', `fold models: each image is predicted by the one that never saw it (default ${d.folds})`, intFlag('--folds', 2))
    .option('--epochs <n>', `epochs per fold model (default ${d.epochs})`, intFlag('--epochs', 1))
    .option('--image-size <n>', `input size of the fold models (default ${d.imageSize})`, intFlag('--image-size', 16))
    .option('--seed <n>', `seed of the folds and models (default ${d.seed})`, intFlag('--seed', 0))
    .addOption(new Option('--ranking <how>', `rank suspects by (default ${d.ranking})`).choices([...SUSPECT_RANKINGS]))
    .option('--distance <bits>', `near-duplicate dHash distance (default ${d.nearDuplicateDistance})`, intFlag('--distance', 0))
    .option('--threads <n>', 'engine threads (default: all cores)', intFlag('--threads', 1))
    .option('--top <n>', 'rows to show per section (text output)', intFlag('--top', 1), 20)
    .option('--last', 'show the latest audit of the dataset instead of running a new one')
    .option('--resume <audit>', 'continue an interrupted or cancelled audit: folds already predicted are kept')
    .action(
      async (
        ref: string | undefined,
        opts: { folds?: number; epochs?: number; imageSize?: number; seed?: number; ranking?: SuspectRanking; distance?: number; threads?: number; top: number; last?: boolean; resume?: string },
      ) => {
        const o = ctx.out();
        const core = ctx.open();
        const resumeId = opts.resume === undefined ? undefined : auditRef(opts.resume);
        if (ref === undefined && resumeId === undefined) {
          throw new FacetError('invalid-argument', 'Name the dataset to audit.', { field: 'dataset', hint: 'facet audit DATASET (facet datasets lists them), or facet audit --resume AUDIT.' });
        }
        const resumed = resumeId === undefined ? undefined : getAudit(core.workspace.db, resumeId);
        const dataset = ref === undefined ? getDataset(core.workspace.db, resumed!.datasetId) : findDataset(core.workspace.db, ref);
        if (resumed && resumed.datasetId !== dataset.id) {
          throw new FacetError('invalid-argument', `Audit ${resumed.id} belongs to dataset ${resumed.datasetId}, not "${dataset.name}".`, { field: '--resume', hint: `Leave the dataset out: facet audit --resume ${resumed.id}` });
        }
        if (opts.last) {
          const report = await core.call('audit/get', { datasetId: dataset.id });
          o.result(auditJson(report), () => renderAudit(report, opts.top));
          return;
        }
        const settings: AuditSettingsInput = {
          folds: opts.folds,
          epochs: opts.epochs,
          imageSize: opts.imageSize,
          seed: opts.seed,
          ranking: opts.ranking,
          nearDuplicateDistance: opts.distance,
          threads: opts.threads,
        };
        for (const key of Object.keys(settings) as (keyof AuditSettingsInput)[]) if (settings[key] === undefined) delete settings[key];

        const tty = Boolean(o.io.stderr.isTTY);
        let line = '';
        let lastLogged = '';
        const unsubscribe = core.events.on('audit/progress', (p: AuditProgress) => {
          const text = progressText(p);
          if (tty) {
            o.io.stderr.write(`\r\x1b[K${text}`);
            line = text;
            return;
          }
          // Without a terminal, one line per step (each epoch's end, each phase's end), not per batch.
          const key =
            p.phase === 'training' ? (p.batch === p.batches ? `train:${p.fold}:${p.epoch}` : null)
            : p.phase === 'preparing' || p.phase === 'hashing' ? (p.done === p.total && (p.total ?? 0) > 0 ? p.phase : null)
            : `${p.phase}:${p.fold}`;
          if (key && key !== lastLogged) {
            lastLogged = key;
            o.log(text);
          }
        });
        const audit = resumeId === undefined ? await core.call('audit/start', { datasetId: dataset.id, settings }) : await core.call('audit/resume', { auditId: resumeId });
        const s = audit.settings;
        o.log(`${resumeId === undefined ? 'Audit' : 'Resuming audit'} ${audit.id} of "${dataset.name}": ${audit.images} images, ${audit.classes.length} classes · ${s.folds} fold models · ${s.imageSize} px · ${s.epochs} epochs · filters [${s.filters.join(', ')}]`);
        const onSigint = () => {
          o.log('\nCancelling after the current batch… (Ctrl+C again to force)');
          process.removeListener('SIGINT', onSigint);
          void core.audits.cancel(audit.id);
        };
        process.on('SIGINT', onSigint);
        try {
          const finished = await core.audits.wait(audit.id);
          if (tty && line) o.io.stderr.write('\r\x1b[K');
          if (finished.status === 'failed') ctx.setExit(EXIT.failed);
          if (finished.status === 'cancelled' || finished.status === 'interrupted') ctx.setExit(EXIT.interrupted);
        } finally {
          process.removeListener('SIGINT', onSigint);
          unsubscribe();
        }
        const report = await core.call('audit/get', { auditId: audit.id });
        o.result(auditJson(report), () => renderAudit(report, opts.top));
      },
    );
}

function progressText(p: AuditProgress): string {
  switch (p.phase) {
    case 'preparing':
      return `Preparing pixels: ${p.done ?? 0}/${p.total ?? 0} images decoded`;
    case 'hashing':
      return `Hashing for near-duplicates: ${p.done ?? 0}/${p.total ?? 0}`;
    case 'training':
      return `fold ${p.fold}/${p.folds}  epoch ${p.epoch}/${p.epochs}  batch ${p.batch}/${p.batches}  loss ${fixed(p.loss)}  acc ${percent(p.accuracy)}`;
    case 'predicting':
      return `fold ${p.fold}/${p.folds}: predicting the images it never saw`;
    case 'done':
      return 'Audit done.';
  }
}
