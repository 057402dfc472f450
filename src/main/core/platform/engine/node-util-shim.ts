// @tensorflow/tfjs-node 4.22 (the last release) calls util.isNullOrUndefined, util.isArray and other
// util.is* functions that Node 23 removed (tfjs issue 8609; fixed upstream, never released).
// Electron 43+ runs Node 23+, so before tfjs-node loads, the missing ones are put back with the
// semantics Node documented for them. Functions that still exist are left alone.
import util from 'node:util';

type Check = (value: unknown) => boolean;

/** Node's own definitions (lib/util.js before v23), one per removed function. */
export const REMOVED_UTIL_CHECKS: Readonly<Record<string, Check>> = {
  isArray: (v) => Array.isArray(v),
  isBoolean: (v) => typeof v === 'boolean',
  isBuffer: (v) => Buffer.isBuffer(v),
  isDate: (v) => util.types.isDate(v),
  isError: (v) => v instanceof Error || Object.prototype.toString.call(v) === '[object Error]',
  isFunction: (v) => typeof v === 'function',
  isNull: (v) => v === null,
  isNullOrUndefined: (v) => v === null || v === undefined,
  isNumber: (v) => typeof v === 'number',
  isObject: (v) => v !== null && typeof v === 'object',
  isPrimitive: (v) => v === null || (typeof v !== 'object' && typeof v !== 'function'),
  isRegExp: (v) => util.types.isRegExp(v),
  isString: (v) => typeof v === 'string',
  isSymbol: (v) => typeof v === 'symbol',
  isUndefined: (v) => v === undefined,
};

/** Adds the removed util.is* functions to `target` (Node's util by default); returns the names added. */
export function restoreRemovedUtilChecks(target: object = util): string[] {
  const added: string[] = [];
  const record = target as Record<string, unknown>;
  for (const [name, check] of Object.entries(REMOVED_UTIL_CHECKS)) {
    if (typeof record[name] === 'function') continue;
    record[name] = check;
    added.push(name);
  }
  return added;
}
