import util from 'node:util';
import { describe, expect, it } from 'vitest';
import { REMOVED_UTIL_CHECKS, restoreRemovedUtilChecks } from '../../../../../src/main/core/platform/engine/node-util-shim.js';

// Values of every kind, including the edge cases the old functions were known for.
const samples: unknown[] = [
  undefined, null, 0, -1.5, NaN, 1n, '', 'x', true, false, Symbol('s'), [], [1], {}, Object.create(null),
  new Date(), new Error('e'), new TypeError('t'), /re/, new RegExp('x'), () => 1, class {}, Buffer.from('b'),
  new Uint8Array(2), new Map(), Promise.resolve(), Object.assign(Object.create(Error.prototype), { message: 'fake' }),
];

describe('restoreRemovedUtilChecks (tfjs-node 4.22 on Node 23+)', () => {
  // This test runs on Node 20, where the original functions still exist: the shim must agree with them.
  const nodeUtil = util as unknown as Record<string, ((v: unknown) => boolean) | undefined>;

  it.each(Object.keys(REMOVED_UTIL_CHECKS))('util.%s: same answers as Node\'s own function', (name) => {
    const original = nodeUtil[name];
    expect(typeof original, `Node ${process.version} still has util.${name}`).toBe('function');
    for (const [i, value] of samples.entries()) expect(REMOVED_UTIL_CHECKS[name]!(value), `${name}(samples[${i}])`).toBe(original!(value));
  });

  it('on a util without them (as on Node 23+) adds every missing function, and then tfjs-node\'s call works', () => {
    const bareUtil: Record<string, unknown> = { format: util.format };
    const added = restoreRemovedUtilChecks(bareUtil);
    expect(added.sort()).toEqual(Object.keys(REMOVED_UTIL_CHECKS).sort());
    const isNullOrUndefined = bareUtil.isNullOrUndefined as (v: unknown) => boolean;
    expect([null, undefined, 0, ''].map(isNullOrUndefined)).toEqual([true, true, false, false]);
  });

  it('leaves functions that exist alone', () => {
    const own = () => true;
    const partial: Record<string, unknown> = { isArray: own };
    expect(restoreRemovedUtilChecks(partial)).not.toContain('isArray');
    expect(partial.isArray).toBe(own);
  });
});
