// The export calls answer in the command line's words (--out, add --force); the dialogs name their
// own fields instead.
import type { ErrorPayload } from '../shared/errors.js';

const FIELDS: Record<string, string> = { '--out': 'Output folder', '--snapshot': 'Labels and splits', RUN: 'Run', run: 'Run' };

export function withFieldNames(error: ErrorPayload): ErrorPayload {
  const field = error.field !== undefined ? (FIELDS[error.field] ?? error.field) : undefined;
  const hint = error.hint?.replace('add --force', 'tick “Overwrite”');
  return { ...error, ...(field !== undefined ? { field } : {}), ...(hint !== undefined ? { hint } : {}) };
}
