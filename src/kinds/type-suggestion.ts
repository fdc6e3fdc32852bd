/**
 * Did-you-mean for type names: `secomp` is almost certainly `seccomp`, and stored under the typo it
 * would be a free-form type nobody validates and no policy rule finds. A name is suggested when it
 * is within an edit distance (insertions, deletions, substitutions and swaps of adjacent letters) of
 * 1 of a well-known name of 4 to 6 letters (`vulns`, `secomp`), or 2 of a longer one (`provenence`,
 * `deploymnet`); names of 3 letters (`vex`) are too short to tell a typo from another word (`dev`).
 * 16 names of at most 11 letters: a few microseconds per put.
 */

import { editDistance } from '../util/edit-distance.ts';
import { wellKnownTypeNames } from './well-known.ts';

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
