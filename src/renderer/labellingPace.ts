// How labelling goes lately, from the labels given in this window: labels per minute and how often
// the suggestion shown was the label given. Plain data, no DOM, so it is tested in Node.

export interface LabelGiven {
  /** Milliseconds (Date.now()) when the label was given. */
  at: number;
  /** The class suggested when it was given, if there was one. */
  suggested: string | null;
  /** The class given. */
  chosen: string;
}

export interface Pace {
  /** Labels per minute over the recent window; null until there is enough to say. */
  perMinute: number | null;
  /** Of the recent labels that had a suggestion, the share where the label was the suggestion. */
  suggestionsRight: number | null;
  /** How many labels with a suggestion that share is taken over. */
  suggestionsJudged: number;
}

/** The rate is over the last five minutes: a pause for coffee fades out instead of dragging for ever. */
export const PACE_WINDOW_MS = 5 * 60_000;
/** "Lately" for suggestions: the last 50 labels that had one. */
export const SUGGESTION_WINDOW = 50;

export function pace(history: readonly LabelGiven[], now: number): Pace {
  const recent = history.filter((h) => now - h.at <= PACE_WINDOW_MS);
  let perMinute: number | null = null;
  if (recent.length >= 2) {
    // From the first recent label to now, at least 20 s, so two quick keys do not read as 600/min.
    const span = Math.max(20_000, now - recent[0]!.at);
    perMinute = (recent.length / span) * 60_000;
  }
  const judged = history.filter((h) => h.suggested !== null).slice(-SUGGESTION_WINDOW);
  const right = judged.filter((h) => h.suggested === h.chosen).length;
  return { perMinute, suggestionsRight: judged.length > 0 ? right / judged.length : null, suggestionsJudged: judged.length };
}

/** "312 of 2,000 labelled · 41 labels/min · suggestions 87% right lately" (parts that are known). */
export function describeProgress(labelled: number, total: number, p: Pace): string {
  const parts = [`${labelled.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} labelled`];
  if (p.perMinute !== null) parts.push(`${Math.round(p.perMinute)} labels/min`);
  if (p.suggestionsRight !== null && p.suggestionsJudged >= 5) parts.push(`suggestions ${Math.round(p.suggestionsRight * 100)}% right lately`);
  return parts.join(' · ');
}
