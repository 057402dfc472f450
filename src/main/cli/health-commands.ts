// `facet health DATASET`: the label-free problems of a dataset's pictures (blurry, dark, overexposed,
// nearly empty, grayscale in a colour set, odd aspect ratio or size, near-duplicate groups,
// outliers), measured where not yet measured, under the dataset's thresholds (changeable here).
import { Option, type Command } from 'commander';
import { FacetError } from '../../shared/errors.js';
import { HEALTH_ISSUE_LABELS, HEALTH_ISSUE_TYPES, HealthThresholdsSchema, healthLine, type HealthIssueType, type HealthReport, type HealthThresholds } from '../../shared/health.js';
import { findDataset } from '../core/datasets/queries.js';
import { table } from './output.js';
import type { CliContext } from './context.js';

/** The stable --json document (DESIGN.md): issues [{ type, path, score, group }], summary { TYPE: N }; more fields welcome. */
export function healthJson(r: HealthReport, type?: HealthIssueType) {
  return {
    datasetId: r.datasetId,
    issues: r.issues
      .filter((i) => !type || i.type === type)
      .map((i) => ({ type: i.type, path: i.path, score: i.score, group: i.group, imageId: i.imageId, label: i.label, value: i.value })),
    summary: r.summary,
    checked: r.checked,
    images: r.images,
    embeddings: r.embeddings,
    likelyWrongLabels: r.likelyWrongLabels,
    thresholds: r.thresholds,
  };
}

/** --threshold blurry=0.6 (repeatable): a known threshold name and a number in its range. */
function thresholdFlag(value: string, previous: Partial<HealthThresholds> = {}): Partial<HealthThresholds> {
  const m = /^([A-Za-z]+)=(.+)$/.exec(value);
  const names = Object.keys(HealthThresholdsSchema.shape);
  if (!m || !names.includes(m[1]!)) {
    throw new FacetError('invalid-argument', `--threshold takes NAME=VALUE with NAME one of ${names.join(', ')}; got "${value}".`, { field: '--threshold' });
  }
  const parsed = HealthThresholdsSchema.shape[m[1] as keyof HealthThresholds].safeParse(Number(m[2]));
  if (!parsed.success) throw new FacetError('invalid-argument', `--threshold ${m[1]}: ${parsed.error.issues[0]!.message} (got "${m[2]}").`, { field: '--threshold' });
  return { ...previous, [m[1]!]: parsed.data };
}

export function registerHealthCommands(program: Command, ctx: CliContext): void {
  program
    .command('health')
    .description('find blurry, dark, overexposed, nearly empty, grayscale, odd-sized pictures, near-duplicate groups and outliers (no labels needed)')
    .argument('<dataset>', 'dataset id or name')
    .addOption(new Option('--type <type>', 'list only this issue type').choices([...HEALTH_ISSUE_TYPES]))
    .option('--threshold <name=value>', 'change a threshold of this dataset (repeatable; kept for next time)', thresholdFlag)
    .option('--limit <n>', 'rows per type in the table (JSON lists all)', (v) => Number(v), 10)
    .action(async (ref: string, opts: { type?: HealthIssueType; threshold?: Partial<HealthThresholds>; limit: number }) => {
      const o = ctx.out();
      const c = ctx.open();
      const dataset = findDataset(c.workspace.db, ref);
      if (opts.threshold) await c.call('health/setThresholds', { datasetId: dataset.id, thresholds: opts.threshold });
      const report = await c.call('health/check', { datasetId: dataset.id });
      o.result(healthJson(report, opts.type), () => {
        const lines = [`${report.checked}/${report.images} pictures checked${report.embeddings ? ` · embeddings: ${report.embeddings}` : ' · no embeddings yet (outliers need `facet embed`)'}`];
        lines.push(healthLine(report.summary, report.likelyWrongLabels) ?? 'No problems found.');
        for (const type of HEALTH_ISSUE_TYPES) {
          if (opts.type && opts.type !== type) continue;
          const rows = report.issues.filter((i) => i.type === type);
          if (rows.length === 0) continue;
          lines.push('', `${HEALTH_ISSUE_LABELS[type]} (${rows.length} picture${rows.length === 1 ? '' : 's'}):`);
          const shown = [...rows].sort((a, b) => (type === 'near-duplicate' ? 0 : b.score - a.score)).slice(0, opts.limit);
          lines.push(table(['score', 'value', ...(type === 'near-duplicate' ? ['group'] : []), 'path'], shown.map((i) => [i.score, i.value, ...(type === 'near-duplicate' ? [i.group ?? 0] : []), i.path])));
        }
        return lines.join('\n');
      });
    });
}
