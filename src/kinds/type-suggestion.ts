/**
 * Did-you-mean for type names: `secomp` is almost certainly `seccomp`, and stored under the typo it
 * would be a free-form type nobody validates and no policy rule finds. A name is suggested when it
 * is within an edit distance (insertions, deletions, substitutions and swaps of adjacent letters) of
 * 1 of a well-known name of 4 to 6 letters (`vulns`, `secomp`), or 2 of a longer one (`provenence`,
 * `deploymnet`); names of 3 letters (`vex`) are too short to tell a typo from another word (`dev`).
 * 16 names of at most 11 letters: a few microseconds per put.
 */
import { wellKnownTypeNames } from './well-known.ts';

/** Optimal string alignment distance (Damerau-Levenshtein without repeated edits of a substring). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++)
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  return d[a.length]![b.length]!;
}

/** The well-known type name `name` is probably a typo of, or undefined (also for well-known names). */
export function suggestTypeName(name: string): string | undefined {
  const known = wellKnownTypeNames();
  if (known.includes(name)) return undefined;
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    const limit = candidate.length <= 3 ? 0 : candidate.length <= 6 ? 1 : 2;
    if (distance <= limit && (best === undefined || distance < best.distance))
      best = { name: candidate, distance };
  }
  return best?.name;
}
