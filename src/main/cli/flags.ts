// Reading numbers and ids from the command line: one parser for every number flag and argument, so
// each command words a bad value the same way and names the flag at fault.
import { FacetError } from '../../shared/errors.js';

export interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
  /** Words for the accepted values when the rule alone would say it badly, e.g. "a distance in (0, 2]". */
  accepts?: string;
  /** Extra check after the syntax (e.g. an exclusive bound); false → the value is refused with `accepts`. */
  check?: (n: number) => boolean;
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function accepted(rule: NumberRule): string {
  if (rule.accepts) return rule.accepts;
  const what = rule.integer ? 'a whole number' : 'a number';
  const { min, max } = rule;
  if (min !== undefined && max !== undefined) return `${what} from ${min} to ${max}`;
  if (min !== undefined) return `${what} ≥ ${min}`;
  if (max !== undefined) return `${what} ≤ ${max}`;
  return what;
}

/** The number `value` given for `flag`, or an invalid-argument FacetError naming the flag. */
export function parseNumber(flag: string, value: string, rule: NumberRule = {}): number {
  const text = value.trim();
  const n = Number(text);
  const ok =
    (rule.integer ? INTEGER.test(text) : DECIMAL.test(text)) &&
    Number.isFinite(n) &&
    (rule.min === undefined || n >= rule.min) &&
    (rule.max === undefined || n <= rule.max) &&
    (rule.check?.(n) ?? true);
  if (!ok) throw new FacetError('invalid-argument', `${flag} must be ${accepted(rule)}, got "${value}".`, { field: flag });
  return n;
}

/** A commander argument parser for a number flag. */
export function numberFlag(flag: string, rule: NumberRule = {}): (value: string) => number {
  return (value) => parseNumber(flag, value, rule);
}

/** A commander argument parser for a non-negative whole number (counts, ids, ports). */
export function countFlag(flag: string): (value: string) => number {
  return numberFlag(flag, { integer: true, min: 0 });
}

/** A run id as `facet runs` lists it. */
export function parseRunId(value: string): number {
  if (!INTEGER.test(value.trim()) || Number(value) < 1) throw new FacetError('invalid-argument', `"${value}" is not a run id (a number, as \`facet runs\` lists).`, { field: 'RUN' });
  return Number(value);
}
