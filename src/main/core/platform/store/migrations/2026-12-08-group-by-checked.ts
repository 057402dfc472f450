// Which checker proved a dataset's stored group-by pattern safe ("recheck 4.5.0"); NULL for datasets
// imported before the check existed, whose pattern is checked on their next rescan.
import type { Migration } from './migration.js';

export const groupByChecked: Migration = {
  id: '2026-12-08-group-by-checked',
  up: `ALTER TABLE datasets ADD COLUMN group_by_checked TEXT;`,
};
