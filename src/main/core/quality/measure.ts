// How well a ranking of suspects finds known label errors (the demo's planted ones): precision and
// recall among the top N.
export interface RankingScore {
  n: number;
  /** Known errors among the top N. */
  hits: number;
  /** hits / N (N capped at the number of suspects listed). */
  precision: number;
  /** hits / known errors. */
  recall: number;
}

export function scoreAtN(ranked: string[], truth: ReadonlySet<string>, n: number): RankingScore {
  const top = ranked.slice(0, n);
  const hits = top.filter((p) => truth.has(p)).length;
  return { n, hits, precision: top.length > 0 ? hits / top.length : 0, recall: truth.size > 0 ? hits / truth.size : 1 };
}
