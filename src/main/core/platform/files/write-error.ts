// A failed write (full disk, read-only disk, no permission) as an error the user can act on.
import { FacetError } from '../../../../shared/errors.js';
import { reasonInWords } from '../../../../shared/user-words.js';

const HINTS: Record<string, string> = {
  ENOSPC: 'The disk is full: free some space, then try again.',
  EDQUOT: 'Your disk quota is used up: free some space, then try again.',
  EROFS: 'That folder is on a read-only disk: choose a writable folder.',
  EACCES: 'You may not write there: choose a folder you own, or fix its permissions.',
  EPERM: 'You may not write there: choose a folder you own, or fix its permissions.',
};

/** `what` names the thing in the user's words ("the checkpoint of run 3", "the export file"). */
export function writeError(error: unknown, file: string, what: string): FacetError {
  if (error instanceof FacetError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return new FacetError('io', `Cannot write ${what}: ${reasonInWords(error)}.`, {
    file,
    hint: HINTS[code] ?? 'Check that the folder exists and is writable and that the disk is not full.',
  });
}
