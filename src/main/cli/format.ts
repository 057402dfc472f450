// How the CLI writes numbers for people: one percentage, one fixed-point and one duration format for
// every table and line, and "-" for a value that does not exist (yet).

type Maybe = number | null | undefined;

/** 0.9234 → "92.3%". */
export function percent(x: Maybe, digits = 1): string {
  return x === null || x === undefined ? '-' : `${(x * 100).toFixed(digits)}%`;
}

/** A loss or a distance: 0.123456 → "0.1235". */
export function fixed(x: Maybe, digits = 4): string {
  return x === null || x === undefined ? '-' : x.toFixed(digits);
}

/** Seconds as people read them: "42 s", "3.5 min". */
export function duration(seconds: number): string {
  return seconds < 90 ? `${seconds.toFixed(0)} s` : `${(seconds / 60).toFixed(1)} min`;
}
