/**
 * Runs a fleet query: the compiled SQL narrows (compile.ts), the CEL expression decides whatever the
 * SQL could not. Results come in one deterministic order (by location, then digest) with keyset
 * pagination: a cursor is the last result's sort key, so a deep page costs what the first one does
 * (no OFFSET). In-process filtering reads candidates in batches of 500, so memory stays bounded by
 * the batch whatever the size of the result.
 */

import { checkQuery } from './cel-environment.ts';
import { type CompiledQuery, compileQuery } from './compile.ts';
import { celContext } from './fields.ts';
import type { FactTable, FullImage, ImageRow, IndexStore } from './store.ts';

/** What a result row shows (its tags and types); the facts a query uses are loaded on top. */
const SHOWN: readonly FactTable[] = ['tags', 'versions'];

const BATCH = 500;

export interface QueryOptions {
  /** At most this many results (default 100). */
  limit?: number | undefined;
  /** Continue after this cursor (a previous page's `next`). */
  cursor?: string | undefined;
  /** Time for ages (tests); default now. */
  now?: Date | undefined;
}

export interface QueryResult {
  images: FullImage[];
  /** Pass as `cursor` for the next page; undefined on the last page. */
  next: string | undefined;
  plan: CompiledQuery;
}

export interface PreparedQuery {
  expression: string;
  plan: CompiledQuery;
  matches(image: FullImage, now: Date): boolean;
}

/** Parses, type-checks and compiles; throws QUERY_INVALID (usage) before touching the index. */
export async function prepareQuery(expression: string): Promise<PreparedQuery> {
  const checked = await checkQuery(expression);
  const plan = compileQuery(expression, checked.ast);
  return {
    expression,
    plan,
    matches(image, now) {
      try {
        return checked.evaluate(celContext(image, now.getTime())) === true;
      } catch {
        // CEL's runtime errors (a gate absent from approvals[...]): the image does not match.
        return false;
      }
    },
  };
}

export function runQuery(store: IndexStore, query: PreparedQuery, options: QueryOptions = {}): QueryResult {
  const limit = options.limit ?? 100;
  const now = options.now ?? new Date();
  const { plan } = query;
  const facts = new Set([...SHOWN, ...plan.facts]);
  const found: FullImage[] = [];
  let after = options.cursor;
  let exhausted = false;
  while (found.length < limit) {
    const want = plan.exact ? limit - found.length : BATCH;
    const batch: ImageRow[] = store.select(plan.filter, after, want);
    if (batch.length < want) exhausted = true;
    if (plan.exact) {
      found.push(...store.load(batch, facts));
    } else {
      for (const image of store.load(batch, facts)) {
        if (found.length === limit) {
          exhausted = false;
          break;
        }
        if (query.matches(image, now)) found.push(image);
      }
    }
    if (batch.length === 0 || exhausted) break;
    after = found.length === limit ? found.at(-1)!.sortKey : batch.at(-1)!.sortKey;
  }
  const next = !exhausted && found.length === limit ? found.at(-1)?.sortKey : undefined;
  return { images: found, next, plan };
}

/** The exact number of images matching (SQL COUNT when the SQL is exact, else counted in batches). */
export function countQuery(store: IndexStore, query: PreparedQuery, now: Date = new Date()): number {
  if (query.plan.exact) return store.count(query.plan.filter);
  let total = 0;
  let after: string | undefined;
  for (;;) {
    const batch = store.select(query.plan.filter, after, BATCH);
    for (const image of store.load(batch, new Set(query.plan.facts))) if (query.matches(image, now)) total++;
    if (batch.length < BATCH) return total;
    after = batch.at(-1)!.sortKey;
  }
}
