// `facet train`'s hyperparameter flags, derived from the zod schema in src/shared/hyperparameters.ts:
// a field added there with a .describe() text is a flag here, with its kind, bounds, choices and
// default, and the schema's own words when a value is out of range. Naming rules:
//   camelCase key → --kebab-case (batchSize → --batch-size); number → <n> (whole) or <x>;
//   enum → <name> with choices; boolean on by default → --no-<key>, off by default → --<key>;
//   list of numbers → <list>, comma-separated;
//   nested object → its fields are flags under their own names (augmentation.zoom → --zoom), except
//   an object with an `enabled` switch and one value, which is one flag with an optional value
//   (cropToFace → --crop-to-face [margin]).
import { Option, type Command } from 'commander';
import type { z } from 'zod';
import { FacetError } from '../../shared/errors.js';
import { HyperparametersSchema, type HyperparametersInput } from '../../shared/hyperparameters.js';
import { parseNumber } from './flags.js';

type Schema = z.ZodType;
type Kind = 'int' | 'number' | 'enum' | 'bool' | 'list' | 'switch';

export interface HyperparameterFlag {
  /** The flag as users type it: --batch-size, --no-flip, --crop-to-face. */
  flag: string;
  /** Where its value goes in the hyperparameters, e.g. ['augmentation', 'zoom']. */
  path: string[];
  kind: Kind;
  description: string;
  defaultValue: unknown;
  choices?: readonly string[];
  /** The option as commander takes it (flags string, help text, parser, choices). */
  option: Option;
  /** The value commander parsed → what goes at `path` (undefined: the flag was not given). */
  read(value: unknown): unknown;
}

interface Def {
  type: string;
  innerType?: Schema;
  element?: Schema;
  shape?: Record<string, Schema>;
  defaultValue?: unknown;
}

const defOf = (s: Schema): Def => (s as unknown as { def: Def }).def;

/** The schema under .default()/.optional(), its default and the first description found on the way. */
function unwrap(schema: Schema): { inner: Schema; defaultValue: unknown; description: string | undefined } {
  let s = schema;
  let defaultValue: unknown;
  let description = s.description;
  while (['default', 'optional', 'prefault'].includes(defOf(s).type)) {
    if (defOf(s).type === 'default' && defaultValue === undefined) defaultValue = defOf(s).defaultValue;
    s = defOf(s).innerType!;
    description ??= s.description;
  }
  return { inner: s, defaultValue, description };
}

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const shown = (v: unknown) => (Array.isArray(v) ? v.join(',') : String(v));

/** The schema's own message for a value it refuses, as an error on the flag. */
function checked(flag: string, schema: Schema, value: unknown, raw: string): unknown {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues[0]?.message.replace(/^Invalid input: /, '') ?? 'invalid value';
  throw new FacetError('invalid-argument', `${flag}: ${message}, got "${raw}".`, { field: flag });
}

function numberKind(schema: Schema): 'int' | 'number' | null {
  if (defOf(schema).type !== 'number') return null;
  return (schema as unknown as { isInt: boolean }).isInt ? 'int' : 'number';
}

function leafFlag(key: string, path: string[], field: Schema): HyperparameterFlag {
  const { inner, defaultValue, description = key } = unwrap(field);
  const def = defOf(inner);
  const name = `--${kebab(key)}`;
  const base = { path, description, defaultValue };
  const help = `${description} (default ${shown(defaultValue)})`;
  const nk = numberKind(inner);
  if (nk) {
    const parse = (raw: string) => checked(name, inner, parseNumber(name, raw, { integer: nk === 'int' }), raw);
    return { ...base, flag: name, kind: nk, option: new Option(`${name} <${nk === 'int' ? 'n' : 'x'}>`, help).argParser(parse), read: (v) => v };
  }
  if (def.type === 'enum') {
    const choices = (inner as unknown as { options: string[] }).options;
    return { ...base, flag: name, kind: 'enum', choices, option: new Option(`${name} <name>`, help).choices(choices), read: (v) => v };
  }
  if (def.type === 'boolean') {
    // Commander gives a --no-x flag the value true until it is used: only the switch away from the default counts.
    const on = defaultValue === true;
    const flag = on ? `--no-${kebab(key)}` : name;
    const text = on ? `turn off: ${description}` : description;
    return { ...base, flag, kind: 'bool', option: new Option(flag, text), read: (v) => (v === !on ? !on : undefined) };
  }
  if (def.type === 'array') {
    const element = unwrap(def.element!).inner;
    const integer = numberKind(element) === 'int';
    const parse = (raw: string) => checked(name, inner, raw.split(',').map((part) => parseNumber(name, part, { integer, accepts: `a comma-separated list of ${integer ? 'whole numbers' : 'numbers'}` })), raw);
    return { ...base, flag: name, kind: 'list', option: new Option(`${name} <list>`, help).argParser(parse), read: (v) => v };
  }
  throw new Error(`Hyperparameter "${path.join('.')}" is a ${def.type}: the CLI has no flag shape for it (see the rules atop hyperparameter-flags.ts).`);
}

/** An object with `enabled` and one value: --key turns it on, --key VALUE also sets the value. */
function switchFlag(key: string, field: Schema, shape: Record<string, Schema>): HyperparameterFlag | null {
  const others = Object.keys(shape).filter((k) => k !== 'enabled');
  if (!shape.enabled || defOf(unwrap(shape.enabled).inner).type !== 'boolean' || others.length !== 1) return null;
  const valueKey = others[0]!;
  const value = unwrap(shape[valueKey]!);
  if (!numberKind(value.inner)) return null;
  const { description = key, defaultValue } = unwrap(field);
  const name = `--${kebab(key)}`;
  const help = `${description}; ${valueKey}: ${value.description ?? valueKey} (default ${shown(value.defaultValue)})`;
  return {
    flag: name,
    path: [key],
    kind: 'switch',
    description,
    defaultValue,
    option: new Option(`${name} [${valueKey}]`, help),
    read: (v) => {
      if (v === undefined) return undefined;
      if (v === true) return { enabled: true };
      const raw = String(v);
      const n = checked(name, value.inner, parseNumber(name, raw, { integer: numberKind(value.inner) === 'int' }), raw);
      return { enabled: true, [valueKey]: n };
    },
  };
}

/** One flag per hyperparameter of `schema`, in the schema's order. Throws when two would share a name. */
export function hyperparameterFlags(schema: z.ZodObject = HyperparametersSchema): HyperparameterFlag[] {
  const flags: HyperparameterFlag[] = [];
  for (const [key, field] of Object.entries(schema.shape as Record<string, Schema>)) {
    const { inner } = unwrap(field);
    const def = defOf(inner);
    if (def.type !== 'object') {
      flags.push(leafFlag(key, [key], field));
      continue;
    }
    const sw = switchFlag(key, field, def.shape!);
    if (sw) flags.push(sw);
    else for (const [sub, subField] of Object.entries(def.shape!)) flags.push(leafFlag(sub, [key, sub], subField));
  }
  const seen = new Map<string, string>();
  for (const f of flags) {
    const attribute = f.option.attributeName();
    if (seen.has(attribute)) throw new Error(`Hyperparameters ${seen.get(attribute)} and ${f.path.join('.')} would both be ${f.flag}: rename one.`);
    seen.set(attribute, f.path.join('.'));
  }
  return flags;
}

/** Adds the hyperparameter flags to a command (`facet train`). */
export function addHyperparameterOptions(cmd: Command, schema?: z.ZodObject): Command {
  for (const f of hyperparameterFlags(schema)) cmd.addOption(f.option);
  return cmd;
}

/** The hyperparameters the flags set, over `base`; flags not given are left to the schema's defaults. */
export function hyperparametersFrom(opts: Record<string, unknown>, base: HyperparametersInput = {}, schema?: z.ZodObject): HyperparametersInput {
  const hp: Record<string, unknown> = { ...base };
  for (const f of hyperparameterFlags(schema)) {
    const value = f.read(opts[f.option.attributeName()]);
    if (value === undefined) continue;
    const [key, sub] = f.path as [string, string | undefined];
    if (sub === undefined) hp[key] = value;
    else hp[key] = { ...((hp[key] as object | undefined) ?? {}), [sub]: value };
  }
  return hp as HyperparametersInput;
}
