// A service (the image decoder is one): a long-lived job process answering many requests, with test
// requests in a real child process (the runtime of dist/: npm test builds first). One process serves
// concurrent requests within its limit; a crash fails the request in flight with a clear error and
// the next request starts a new process; it stops when idle and when told to; a request past its
// time limit kills the process; a caller that gives up never leaves the service in a bad state.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { forkLauncher } from '../../../../../src/main/core/platform/jobs/child-process.js';
import type { RequestDefinition } from '../../../../../src/main/core/platform/jobs/protocol.js';
import { JobService, ServiceFailure, type ServiceOptions } from '../../../../../src/main/core/platform/jobs/service.js';
import { JobSupervisor } from '../../../../../src/main/core/platform/jobs/supervisor.js';
import { FacetError } from '../../../../../src/shared/errors.js';
import { tempDir } from '../../training/helpers.js';

const repo = fileURLToPath(new URL('../../../../../', import.meta.url));
const entry = path.join(repo, 'test/fixtures/jobs/test-job-process.mjs');
if (!fs.existsSync(path.join(repo, 'dist/main/core/platform/jobs/service.js'))) throw new Error('dist/ is missing: run `npm run build` first.');

// The fixture's requests, typed as a domain declares them next to their work.
type Echo = RequestDefinition<'echo', { value: number; ms?: number }, { value: number; pid: number; atOnce: number }>;
type Refuse = RequestDefinition<'refuse', Record<string, never>, never>;
type Crash = RequestDefinition<'crash', Record<string, never>, never>;
type Hang = RequestDefinition<'hang', Record<string, never>, never>;

const dir = tempDir('facet-service-');
const jobs = new JobSupervisor({ workspaceDir: path.join(dir, 'ws'), entry: () => entry, launcher: forkLauncher, cancelGraceMs: 1500 });
const services: JobService[] = [];
afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await jobs.stopAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

function service(options: Partial<ServiceOptions> = {}): JobService {
  const s = new JobService(jobs, { kind: 'echo-service', label: 'test decoder', item: 'picture', hint: 'Try again.', ...options });
  services.push(s);
  return s;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The failure a request rejected with (the test fails when it resolved). */
async function failureOf(promise: Promise<unknown>): Promise<ServiceFailure | FacetError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FacetError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

describe('a job service', () => {
  it('is started by the first request, and one process answers many concurrent requests, each with its own answer, never more at once than its limit', async () => {
    const s = service({ concurrency: 3 });
    expect(s.current).toBeNull();
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => s.request<Echo>('echo', { value: i, ms: 5 })));
    expect(answers.map((a) => a.value)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(new Set(answers.map((a) => a.pid)).size).toBe(1);
    expect(s.current?.pid).toBe(answers[0]!.pid);
    expect(Math.max(...answers.map((a) => a.atOnce))).toBeLessThanOrEqual(3);
    expect(Math.max(...answers.map((a) => a.atOnce))).toBeGreaterThan(1);
  });

  it("passes a request's own FacetError on, and keeps serving from the same process", async () => {
    const s = service();
    const first = await s.request<Echo>('echo', { value: 1 });
    const refused = await failureOf(s.request<Refuse>('refuse', {}));
    expect(refused).not.toBeInstanceOf(ServiceFailure);
    expect(refused).toMatchObject({ code: 'not-found', message: 'No such picture.', file: '/nowhere/a.jpg', hint: 'Rescan.' });
    expect((await s.request<Echo>('echo', { value: 2 })).pid).toBe(first.pid);
  });

  it('after a crash mid-request: that request fails with a clear error, the next request works in a new process', async () => {
    const s = service();
    const before = await s.request<Echo>('echo', { value: 1 });
    const crashed = await failureOf(s.request<Crash>('crash', {}));
    expect(crashed).toBeInstanceOf(ServiceFailure);
    expect(crashed).toMatchObject({ reason: 'crashed', code: 'io', hint: 'Try again.' });
    expect(crashed.message).toBe('The test decoder stopped unexpectedly while it worked on this picture; Facet itself kept running.');
    const after = await s.request<Echo>('echo', { value: 2 });
    expect(after.value).toBe(2);
    expect(after.pid).not.toBe(before.pid);
    expect(alive(before.pid)).toBe(false);
  });

  it('stops its process when idle (asked to stop, not killed); the next request starts another', async () => {
    const s = service({ idleMs: 200 });
    const first = await s.request<Echo>('echo', { value: 1 });
    const running = s.current!;
    expect(running.pid).toBe(first.pid);
    expect(await running.done).toMatchObject({ status: 'completed' });
    expect(s.current).toBeNull();
    expect(alive(first.pid)).toBe(false);
    const next = await s.request<Echo>('echo', { value: 2 });
    expect(next.pid).not.toBe(first.pid);
  });

  it('kills a process whose request runs past the time limit: that request fails as too slow, the others in flight as restarted, and the next works', async () => {
    const s = service({ timeLimitMs: 800 });
    const before = await s.request<Echo>('echo', { value: 0 });
    const hung = failureOf(s.request<Hang>('hang', {}));
    // Sent half-way through the hung request's limit: in flight, but within its own limit, at the kill.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const sibling = failureOf(s.request<Echo>('echo', { value: 1, ms: 60_000 }));
    expect(await hung).toMatchObject({ reason: 'timed-out', code: 'io', message: 'The test decoder took longer than 0.8 s on one picture and was stopped; Facet itself kept running.' });
    expect(await sibling).toMatchObject({ reason: 'restarted', message: expect.stringMatching(/restarted before it answered, because another picture took too long/) });
    expect(alive(before.pid)).toBe(false);
    const after = await s.request<Echo>('echo', { value: 2 });
    expect(after).toMatchObject({ value: 2 });
    expect(after.pid).not.toBe(before.pid);
  });

  it('a caller that gives up gets a cancelled error at once; the process keeps serving, and requests still waiting are never sent', async () => {
    const s = service({ concurrency: 1 });
    const sent = new AbortController();
    const waiting = new AbortController();
    const slow = s.request<Echo>('echo', { value: 1, ms: 300 }, { signal: sent.signal });
    const queued = s.request<Echo>('echo', { value: 2 }, { signal: waiting.signal });
    const later = s.request<Echo>('echo', { value: 3 });
    sent.abort();
    waiting.abort();
    expect(await failureOf(slow)).toMatchObject({ reason: 'cancelled', code: 'cancelled' });
    expect(await failureOf(queued)).toMatchObject({ reason: 'cancelled' });
    // The abandoned request still held the one slot until the process answered it; then the next went.
    const answer = await later;
    expect(answer).toMatchObject({ value: 3, atOnce: 1 });
    expect(await failureOf(s.request<Echo>('echo', { value: 4 }, { signal: AbortSignal.abort() }))).toMatchObject({ reason: 'cancelled' });
    expect((await s.request<Echo>('echo', { value: 5 })).pid).toBe(answer.pid);
  });

  it('stop() fails what is in flight as stopped, ends the process and refuses later requests', async () => {
    const s = service();
    const first = await s.request<Echo>('echo', { value: 1 });
    const inFlight = s.request<Echo>('echo', { value: 2, ms: 60_000 });
    await s.stop();
    expect(await failureOf(inFlight)).toMatchObject({ reason: 'stopped', code: 'cancelled' });
    expect(alive(first.pid)).toBe(false);
    expect(await failureOf(s.request<Echo>('echo', { value: 3 }))).toMatchObject({ reason: 'stopped', message: expect.stringMatching(/Facet is closing/) });
    expect(s.current).toBeNull();
  });
});
