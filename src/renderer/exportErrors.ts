// The export calls answer in the command line's words (--out, add --force); the dialogs name their
// own fields instead; useExportJob runs one export with its working / result / error state.
import { ref, type Ref } from 'vue';
import type { ErrorPayload } from '../shared/errors.js';
import { asPayload } from './stores/errors.js';

const FIELDS: Record<string, string> = { '--out': 'Output folder', '--snapshot': 'Labels and splits', RUN: 'Run', run: 'Run' };

export function withFieldNames(error: ErrorPayload): ErrorPayload {
  const field = error.field !== undefined ? (FIELDS[error.field] ?? error.field) : undefined;
  const hint = error.hint?.replace('add --force', 'tick “Overwrite”');
  return { ...error, ...(field !== undefined ? { field } : {}), ...(hint !== undefined ? { hint } : {}) };
}

/**
 * One export at a time from a dialog: `working` while it runs, its result, or its error in the
 * dialog's words. `submit` ignores a second start while one is running. (It is not called `run`:
 * a dialog's `run` prop would be shadowed by it in the template.)
 */
export function useExportJob<T>() {
  const working = ref(false);
  const error = ref<ErrorPayload | null>(null);
  const result = ref<T | null>(null) as Ref<T | null>;
  async function submit(call: () => Promise<T>): Promise<void> {
    if (working.value) return;
    working.value = true;
    error.value = null;
    result.value = null;
    try {
      result.value = await call();
    } catch (e) {
      error.value = withFieldNames(asPayload(e));
    } finally {
      working.value = false;
    }
  }
  return { working, error, result, submit };
}
