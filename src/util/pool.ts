/**
 * The one bounded-concurrency pool: at most `limit` items at work at a time, started in list order.
 * Used wherever many small requests are sent at once (signatures and records of a subject, layout
 * manifests, referrer repairs, batch DELETEs): a few in flight hide round trips (~1-30 ms each) while
 * the registry and the connection pool (8 per host by default) are not flooded.
 *
 * - `mapLimit` returns the results in the order of `items`, whatever order they finish in.
 * - The first error stops the pool: no further item starts, and once the items already started have
 *   settled the call rejects with that error (later errors are dropped). Nothing keeps running behind
 *   the caller's back after the call returns.
 * - `signal`: once aborted, no further item starts and the call resolves when the started ones have
 *   settled; for callers that record their own outcomes and stop early (deletes stop at the first
 *   refusal).
 */

export interface PoolOptions {
  /** Aborted: start no further item. */
  signal?: AbortSignal | undefined;
}

/** Runs `work` for every item, at most `limit` at a time (a limit below 1 counts as 1). */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
  options: PoolOptions = {},
): Promise<void> {
  const { signal } = options;
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && failure === undefined && signal?.aborted !== true) {
      const index = next++;
      try {
        await work(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const width = Math.min(items.length, limit >= 1 ? Math.floor(limit) : 1);
  await Promise.all(Array.from({ length: width }, worker));
  if (failure !== undefined) throw failure.error;
}

/** `work` applied to every item, at most `limit` at a time; the results in the order of `items`. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  await forEachLimit(items, limit, async (item, index) => {
    results[index] = await work(item, index);
  });
  return results;
}
