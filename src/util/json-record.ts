/**
 * The one guard for a parsed JSON (or YAML) object: manifests, index.json entries, envelopes,
 * policies and kind documents are all read from `unknown` through it. Arrays are not records
 * (`typeof [] === 'object'`), so a list where a mapping belongs is refused, not indexed by name.
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON object in `bytes` (strict UTF-8), or undefined when they do not hold one. */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
