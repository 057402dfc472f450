// A group-by regular expression runs on every file name of an import and every rescan; one with
// catastrophic backtracking ((a+)+$ on a 40-character name) runs for hours and freezes the app. Before
// a pattern is used — typed for an import, or stored with a dataset (one imported before this check
// existed is checked on its next rescan) — recheck (a ReDoS checker, its pure-JavaScript engine: nothing to download or
// spawn) proves it safe in a worker thread with a time limit, so neither the check nor the pattern
// can hold the main thread.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { FacetError } from '../../../shared/errors.js';

/** The checker that proves patterns safe; a dataset remembers which one proved its pattern, and a newer one checks it again. */
export const CHECKER = `recheck ${(createRequire(import.meta.url)('recheck/package.json') as { version: string }).version}`;

/** How long the checker may think about one pattern (its first run also loads the checker, ~2 s). */
export const GROUP_BY_CHECK_MS = 20_000;

export type PatternVerdict = { safe: true } | { safe: false; reason: string };

const verdicts = new Map<string, PatternVerdict>();

// CommonJS in the worker: recheck is a CommonJS package, loaded by the absolute path resolved here.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { checkSync } = require(workerData.recheck);
const r = checkSync(workerData.pattern, '', { backend: 'pure', timeout: workerData.ms });
parentPort.postMessage({ status: r.status, complexity: r.complexity ? r.complexity.summary : null, attack: r.attack ? r.attack.string : null, error: r.error ? r.error.kind : null });
`;

interface CheckReply {
  status: 'safe' | 'vulnerable' | 'unknown';
  complexity: string | null;
  attack: string | null;
  error: string | null;
}

/** Asks recheck in a worker thread, stopping it after `ms`. */
export async function checkPattern(pattern: string, ms = GROUP_BY_CHECK_MS): Promise<PatternVerdict> {
  const known = verdicts.get(pattern);
  if (known) return known;
  const recheck = createRequire(import.meta.url).resolve('recheck');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { recheck, pattern, ms } });
  let timer: NodeJS.Timeout | undefined;
  try {
    const reply = await new Promise<CheckReply | null>((resolve, reject) => {
      timer = setTimeout(() => resolve(null), ms + 5_000);
      worker.once('message', (m: CheckReply) => resolve(m));
      worker.once('error', reject);
    });
    const verdict = verdictOf(reply);
    // A timeout may pass on a quieter machine: only settled answers are remembered.
    if (reply && reply.status !== 'unknown') verdicts.set(pattern, verdict);
    return verdict;
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}

function verdictOf(reply: CheckReply | null): PatternVerdict {
  if (reply?.status === 'safe') return { safe: true };
  if (reply?.status === 'vulnerable') {
    const example = reply.attack ? ` (e.g. on a name of ${reply.attack.length} characters like ${JSON.stringify(reply.attack.slice(0, 24))}…)` : '';
    return { safe: false, reason: `it backtracks catastrophically: ${reply.complexity ?? 'super-linear'} time on some file names${example}` };
  }
  return { safe: false, reason: 'it could not be proven safe in time (it may backtrack catastrophically)' };
}

/** Throws a FacetError naming the field when a group-by pattern could freeze the app. */
export async function requireSafeGroupBy(groupBy: string | undefined, field = 'group-by'): Promise<void> {
  if (groupBy === undefined || groupBy === 'subfolder') return;
  const verdict = await checkPattern(groupBy);
  if (!verdict.safe) {
    throw new FacetError('invalid-argument', `The group-by pattern ${groupBy} is refused: ${verdict.reason}.`, {
      field,
      hint: 'Use a pattern without nested or overlapping repetition, such as ^(id\\d+)_ or ^([^_]+)_; or group by "subfolder".',
    });
  }
}

/** How to replace a refused stored pattern: importing the folder again with a new one keeps labels and splits (import.ts). */
export function replaceGroupByHint(root: string): string {
  return `Import the folder again with a safe pattern to replace it; labels and splits are kept: facet import ${JSON.stringify(root)} --group-by "^([^_]+)_" (or --group-by subfolder).`;
}

/**
 * The pattern stored with a dataset runs on every rescan; it is checked again first, since a dataset
 * imported before the check existed may hold one that would freeze the app.
 */
export async function requireSafeStoredGroupBy(dataset: { name: string; root: string; groupBy: string | null }): Promise<void> {
  if (dataset.groupBy === null || dataset.groupBy === 'subfolder') return;
  const verdict = await checkPattern(dataset.groupBy);
  if (!verdict.safe) {
    throw new FacetError('conflict', `The group-by pattern ${dataset.groupBy} stored with dataset ${dataset.name} is refused: ${verdict.reason}. The dataset was not rescanned.`, {
      field: 'group-by',
      file: dataset.root,
      hint: replaceGroupByHint(dataset.root),
    });
  }
}
