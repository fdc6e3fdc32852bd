/** Values of options that need more than a parser: `--annotation k=v` pairs. */
import { usageError } from '../errors/errors.ts';

/** `--annotation k=v` values into a record. */
export function parseAnnotations(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of values) {
    const eq = entry.indexOf('=');
    if (eq <= 0) {
      throw usageError('ANNOTATION_INVALID', `invalid annotation "${entry}"`, 'Use --annotation key=value.');
    }
    out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}
