/**
 * Token scopes (`repository:team/app:pull,push`, `registry:catalog:*`): building, merging (one entry
 * per resource, actions unioned and sorted) and checking that a granted set covers a needed one.
 */
import type { ScopeAction } from '../types.ts';

interface ParsedScope {
  /** `repository:team/app` (resource type and name). */
  resource: string;
  actions: Set<string>;
}

function parseScope(scope: string): ParsedScope | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  const resource = scope.slice(0, last);
  const actions = scope
    .slice(last + 1)
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  return { resource, actions: new Set(actions) };
}

function formatScope(resource: string, actions: Iterable<string>): string {
  return `${resource}:${[...actions].sort().join(',')}`;
}

/** `repository:<name>:<actions sorted, comma-joined>`. */
export function repositoryScope(repository: string, actions: readonly ScopeAction[]): string {
  return formatScope(`repository:${repository}`, new Set(actions));
}

/**
 * Merges scope lists: one scope per resource with the union of actions, sorted by resource.
 * Unparseable scopes are kept verbatim.
 */
export function mergeScopes(...lists: readonly (readonly string[])[]): string[] {
  const byResource = new Map<string, Set<string>>();
  const opaque = new Set<string>();
  for (const list of lists) {
    for (const scope of list) {
      const parsed = parseScope(scope);
      if (!parsed) {
        if (scope.trim() !== '') opaque.add(scope.trim());
        continue;
      }
      const actions = byResource.get(parsed.resource) ?? new Set<string>();
      for (const action of parsed.actions) actions.add(action);
      byResource.set(parsed.resource, actions);
    }
  }
  const merged = [...byResource.entries()].map(([resource, actions]) => formatScope(resource, actions));
  return [...merged, ...opaque].sort();
}

/** Every action of every needed scope is granted (`*` grants all actions of its resource). */
export function scopesCover(granted: readonly string[], needed: readonly string[]): boolean {
  const grants = new Map<string, Set<string>>();
  const opaque = new Set<string>();
  for (const scope of granted) {
    const parsed = parseScope(scope);
    if (!parsed) {
      opaque.add(scope);
      continue;
    }
    const actions = grants.get(parsed.resource) ?? new Set<string>();
    for (const action of parsed.actions) actions.add(action);
    grants.set(parsed.resource, actions);
  }
  for (const scope of needed) {
    const parsed = parseScope(scope);
    if (!parsed) {
      if (!opaque.has(scope)) return false;
      continue;
    }
    const have = grants.get(parsed.resource);
    if (!have) return false;
    if (have.has('*')) continue;
    for (const action of parsed.actions) if (!have.has(action)) return false;
  }
  return true;
}
