// Undo and redo in words, the same in the window and the terminal.
import type { LabelChange } from './domain.js';

/** "Undid merge of cats into dogs (12 images)", "Redid 3 label changes". */
export function describeChange(direction: 'undo' | 'redo', change: LabelChange): string {
  const verb = direction === 'undo' ? 'Undid' : 'Redid';
  const images = `${change.changed} image${change.changed === 1 ? '' : 's'}`;
  if (change.exclusion) return `${verb} ${change.exclusion === 'excluded' ? 'excluding' : 'bringing back'} ${images}`;
  const c = change.classChange;
  if (!c) return `${verb} ${change.changed} label change${change.changed === 1 ? '' : 's'}`;
  switch (c.kind) {
    case 'add':
      return `${verb} adding class "${c.className}"`;
    case 'rename':
      return `${verb} renaming "${c.className}" to "${c.otherName ?? ''}"`;
    case 'merge':
      return `${verb} merge of "${c.className}" into "${c.otherName ?? ''}" (${images})`;
    case 'delete':
      if (c.otherName) return `${verb} deleting "${c.className}" (${images} moved to "${c.otherName}")`;
      return change.changed > 0 ? `${verb} deleting "${c.className}" (${images} ${direction === 'undo' ? 'labelled again' : 'left unlabelled'})` : `${verb} deleting class "${c.className}"`;
  }
}
