/**
 * The version an entry of merged content came from, as the summaries of `approvals` and
 * `deployments` print it. Its own file because the kinds print it and records.ts (the merge) reads
 * the kinds' types: one file for both would make a cycle.
 */

/** ` [sha256:0123456789ab]` for an entry of merged content, '' for one version's own entries. */
export function fromVersion(entry: object): string {
  const version = (entry as { version?: unknown }).version;
  return typeof version === 'string' ? ` [${version.slice(0, 19)}]` : '';
}
