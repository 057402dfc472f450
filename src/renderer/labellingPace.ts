// The To label view's progress line, in the user's words, from the core's labelling progress.
import type { LabellingProgress } from '../shared/labelling.js';

/** Below this many judged suggestions a percentage says more about luck than about the model. */
export const MIN_SUGGESTIONS_JUDGED = 5;

/** "312 of 2,000 labelled · 41 labels/min · suggestions 87% right lately" (only the parts known). */
export function describeProgress(p: Pick<LabellingProgress, 'labelled' | 'total' | 'labelsPerMinute' | 'recentSuggestionAccuracy' | 'recentSuggestionSample'>): string {
  const parts = [`${p.labelled.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')} labelled`];
  if (p.labelsPerMinute !== null && p.labelsPerMinute > 0) parts.push(`${p.labelsPerMinute < 10 ? p.labelsPerMinute.toFixed(1) : Math.round(p.labelsPerMinute)} labels/min`);
  if (p.recentSuggestionAccuracy !== null && p.recentSuggestionSample >= MIN_SUGGESTIONS_JUDGED) parts.push(`suggestions ${Math.round(p.recentSuggestionAccuracy * 100)}% right lately`);
  return parts.join(' · ');
}

/** "3 s ago", "4 min ago", "2 h ago": when suggestions were last refreshed. */
export function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}
