import { describe, expect, it } from 'vitest';
import { JOB_KINDS } from '../../../src/main/core/job-kinds.js';

describe('the job kinds the job process serves', () => {
  it('each entry loads the work of its own name, and no name is listed twice', async () => {
    const names = JOB_KINDS.map((k) => k.kind);
    expect(new Set(names).size).toBe(names.length);
    for (const entry of JOB_KINDS) {
      const definition = await entry.load();
      expect(definition.kind, entry.kind).toBe(entry.kind);
      expect(typeof definition.run).toBe('function');
    }
  }, 120_000);
});
