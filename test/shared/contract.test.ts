// The contract is enforced at the boundary: Core.dispatch validates every call before any handler runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_NAMES, calls, EVENT_NAMES, isCallName, shellCalls } from '../../src/shared/contract.js';
import { NAME_PATTERN } from '../../src/shared/names.js';
import { FacetError } from '../../src/shared/errors.js';
import { tempCore } from '../main/core/datasets/helpers.js';

let env: Awaited<ReturnType<typeof tempCore>>;
beforeAll(async () => {
  env = await tempCore();
});
afterAll(async () => env.cleanup());

async function refusal(name: unknown, args: unknown): Promise<FacetError> {
  const error = await env.core.dispatch(name, args).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FacetError);
  return error as FacetError;
}

describe('call and event names', () => {
  it("are all 'domain/verb', the only shape the preload passes on", () => {
    const names = [...CALL_NAMES, ...EVENT_NAMES, ...Object.keys(shellCalls)];
    expect(names.length).toBeGreaterThan(50);
    expect(names.filter((n) => !NAME_PATTERN.test(n))).toEqual([]);
    for (const bad of ['runs', '/x', 'a/b/c', 'runs/start ', '__proto__/x', 'Runs/start']) expect(NAME_PATTERN.test(bad)).toBe(false);
  });
});

describe('Core.dispatch', () => {
  it('has a handler for every call of the contract, and nothing else', () => {
    expect(Object.keys(env.core.handlers).sort()).toEqual([...CALL_NAMES].sort());
    expect(isCallName('toString')).toBe(false);
    expect(isCallName('__proto__')).toBe(false);
  });

  it.each(['nope/nothing', 'toString', '__proto__', 'constructor', 42, null])('refuses the unknown call %j', async (name) => {
    const error = await refusal(name, {});
    expect(error.code).toBe('invalid-argument');
    expect(error.field).toBe('call');
    expect(error.message).toContain(String(name));
  });

  it.each([
    ['datasets/get', {}, 'datasetId'],
    ['datasets/get', { datasetId: 'one' }, 'datasetId'],
    ['datasets/get', { datasetId: -1 }, 'datasetId'],
    ['datasets/get', { datasetId: 1.5 }, 'datasetId'],
    ['datasets/import', { folder: '' }, 'folder'],
    ['datasets/import', { folder: '/x', split: { train: 80, val: 10, test: 5 } }, 'split'],
    ['datasets/import', { folder: '/x', groupBy: '(unclosed' }, 'groupBy'],
    ['images/list', { datasetId: 1, split: 'holdout' }, 'split'],
    ['labels/set', { datasetId: 1, imageIds: [], classId: 1 }, 'imageIds'],
    ['labels/set', { datasetId: 1, imageIds: [1, 'x'], classId: 1 }, 'imageIds.1'],
    ['classes/add', { datasetId: 1, name: '   ' }, 'name'],
    ['classes/add', { datasetId: 1, name: 'a/b' }, 'name'],
    ['classes/rename', { classId: 1, name: 'x'.repeat(101) }, 'name'],
    ['demo/generate', { count: 1 }, 'count'],
  ])('refuses %s with bad arguments %j, naming the field', async (name, args, field) => {
    const error = await refusal(name, args);
    expect(error.code).toBe('invalid-argument');
    expect(error.field).toBe(field);
    // In the user's words (src/shared/user-words.ts), not the schema's.
    expect(error.message).toMatch(/^[A-Z].*\.$/);
    expect(error.message).not.toMatch(/Invalid arguments|Invalid input|received|expected|NaN|undefined/);
  });

  it('refuses arguments that are not an object', async () => {
    const error = await refusal('datasets/get', 'datasetId=1');
    expect(error.code).toBe('invalid-argument');
  });

  it('runs the handler once the arguments are valid, and passes its errors through', async () => {
    await expect(env.core.dispatch('workspace/info', undefined)).resolves.toMatchObject({ dir: env.ws.dir });
    const error = await refusal('datasets/get', { datasetId: 99 });
    expect(error).toMatchObject({ code: 'not-found', field: 'datasetId' });
  });

  it('has a zod schema for every call', () => {
    for (const name of CALL_NAMES) expect(typeof calls[name].args.safeParse).toBe('function');
  });
});
