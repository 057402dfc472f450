// The one job supervisor and its protocol, with test kinds in a real child process (the runtime of
// dist/: npm test builds first): events and answers arrive in order, a failure keeps its FacetError
// payload, a process that dies without answering is "interrupted", cancel stops a cooperative job and
// kills a stubborn one after the grace, and an unknown kind fails clearly.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { forkLauncher } from '../../../../../src/main/core/platform/jobs/child-process.js';
import type { JobDefinition } from '../../../../../src/main/core/platform/jobs/protocol.js';
import { JobSupervisor, jobFailure } from '../../../../../src/main/core/platform/jobs/supervisor.js';
import { FacetError } from '../../../../../src/shared/errors.js';
import { tempDir } from '../../training/helpers.js';

const repo = fileURLToPath(new URL('../../../../../', import.meta.url));
const entry = path.join(repo, 'test/fixtures/jobs/test-job-process.mjs');
const built = fs.existsSync(path.join(repo, 'dist/main/core/platform/jobs/runtime.js'));
if (!built) throw new Error('dist/ is missing: run `npm run build` first (the test command builds before vitest).');

// Types of the fixture's kinds, as a domain would declare them next to its work.
type Echo = JobDefinition<'echo', { words: string[] }, { word: string }, { text: string; workspace: string }>;
type LazyEcho = JobDefinition<'lazy-echo', { words: string[] }, never, { text: string; loads: number }>;
type Wait = JobDefinition<'wait', Record<string, never>, { waiting: true }, { stopped: boolean; parentGone: boolean }>;

const dir = tempDir('facet-jobs-');
const jobs = new JobSupervisor({ workspaceDir: path.join(dir, 'ws'), entry: () => entry, launcher: forkLauncher, cancelGraceMs: 1500 });
afterAll(async () => {
  await jobs.stopAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the job supervisor', () => {
  it('starts a kind with its arguments in the workspace, relays its events in order, and answers with its result', async () => {
    const events: unknown[] = [];
    const job = jobs.start<Echo>('echo', { words: ['one', 'two', 'three'] }, { key: 'echo:1', label: 'echo', onEvent: (e) => events.push(e) });
    expect(jobs.isActive('echo:1')).toBe(true);
    expect(job.pid).toBeGreaterThan(0);
    expect(await job.done).toEqual({ status: 'completed', result: { text: 'one two three', workspace: path.join(dir, 'ws') } });
    expect(events).toEqual([{ word: 'one' }, { word: 'two' }, { word: 'three' }]);
    expect(jobs.isActive('echo:1')).toBe(false);
  });

  it('refuses a second job with the key of a running one', async () => {
    const first = jobs.start<Wait>('wait', {}, { key: 'same', label: 'waiting' });
    expect(() => jobs.start<Wait>('wait', {}, { key: 'same', label: 'waiting' })).toThrow(FacetError);
    await jobs.cancel('same');
    expect((await first.done).status).toBe('completed');
  });

  it('carries a failed job\'s FacetError payload end to end: code, message, field, file and hint', async () => {
    const outcome = await jobs.start('fail', {} as never, { label: 'failing' }).done;
    expect(outcome).toEqual({ status: 'failed', error: { code: 'io', message: 'Cannot write the thing.', field: 'out', file: '/nowhere/thing', hint: 'Choose a writable folder.' } });
    if (outcome.status !== 'failed') throw new Error('expected a failure');
    const thrown = jobFailure(outcome.error, 'unused');
    expect(thrown).toBeInstanceOf(FacetError);
    expect(thrown).toMatchObject({ code: 'io', field: 'out', file: '/nowhere/thing', hint: 'Choose a writable folder.' });
  });

  it('calls a process that exits without answering "interrupted", naming the work and what to do', async () => {
    const outcome = await jobs.start('crash', {} as never, { label: 'crashing', interruptedHint: 'Start it again.' }).done;
    expect(outcome).toEqual({ status: 'interrupted', error: { code: 'internal', message: 'The crashing process exited unexpectedly (code 7).', hint: 'Start it again.' } });
  });

  it('cancel stops a job that checks its signal (it answers, not the kill), and says it was not the parent going away', async () => {
    const started = new Promise<void>((resolve) => jobs.start<Wait>('wait', {}, { key: 'wait:1', label: 'waiting', onEvent: () => resolve() }));
    await started;
    const outcome = await jobs.cancel('wait:1');
    expect(outcome).toEqual({ status: 'completed', result: { stopped: true, parentGone: false } });
    expect(await jobs.cancel('wait:1')).toBeNull();
  });

  it('cancel kills a job that ignores it once the grace is over: interrupted', async () => {
    const started = new Promise<void>((resolve) => jobs.start('stubborn', {} as never, { key: 'stubborn:1', label: 'stubborn', onEvent: () => resolve() }));
    await started;
    const t0 = Date.now();
    const outcome = await jobs.cancel('stubborn:1');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    expect(outcome).toMatchObject({ status: 'interrupted', error: { message: 'The stubborn process exited unexpectedly (code signal).' } });
  });

  it('a cancel sent before the child is ready reaches it after the start', async () => {
    const job = jobs.start<Wait>('wait', {}, { key: 'early', label: 'waiting' });
    const outcome = await jobs.cancel('early');
    expect(outcome).toEqual({ status: 'completed', result: { stopped: true, parentGone: false } });
    expect((await job.done).status).toBe('completed');
  });

  it('runs a kind whose work is loaded when its job starts like any other, loading it once', async () => {
    const outcome = await jobs.start<LazyEcho>('lazy-echo', { words: ['on', 'demand'] }, { label: 'lazy echo' }).done;
    expect(outcome).toEqual({ status: 'completed', result: { text: 'on demand', loads: 1 } });
  });

  it('fails a kind whose loaded work has another name, naming both', async () => {
    const outcome = await jobs.start('misnamed', {} as never, { label: 'misnamed' }).done;
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'internal', message: 'The job kind "misnamed" loaded the work of "something-else".' } });
  });

  it('fails an unknown kind with a clear message', async () => {
    const outcome = await jobs.start('nope', {} as never, { label: 'unknown' }).done;
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'internal', message: 'No job kind "nope" is registered in the job process.' } });
  });
});
