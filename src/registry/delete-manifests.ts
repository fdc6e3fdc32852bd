/**
 * Deletes many manifests of one repository by digest, a few at a time: the first step of a batch
 * removal of referrers (registry-repository.ts `deleteManifests`), whose one referrers-index update
 * follows once every DELETE has answered.
 */

import { forEachLimit } from '../util/pool.ts';
import { type DeleteOutcome, deleteManifestReference } from './manifests.ts';
import type { RegistryTarget } from './registry-target.ts';

/** DELETEs in flight at once: enough to hide round trips, few enough not to load the registry. */
export const DELETE_CONCURRENCY = 4;

export interface ManifestDeletions {
  /** Outcome per digest that was answered ('deleted' or 'absent'). */
  outcomes: Map<string, Exclude<DeleteOutcome, 'unsupported'>>;
  /** The registry refused deletes (405 and the like): no further DELETE was sent. */
  unsupported: string | undefined;
  /** The first error; no further DELETE was started after it. */
  failure: { error: unknown } | undefined;
}

export async function deleteManifestsByDigest(
  target: RegistryTarget,
  digests: readonly string[],
  concurrency: number | undefined = DELETE_CONCURRENCY,
  onDeleted?: (digest: string) => void,
): Promise<ManifestDeletions> {
  const result: ManifestDeletions = { outcomes: new Map(), unsupported: undefined, failure: undefined };
  // The first refusal or error stops further DELETEs; those in flight finish and are recorded.
  const stop = new AbortController();
  const deleteOne = async (digest: string): Promise<void> => {
    try {
      const outcome = await deleteManifestReference(target, digest);
      if (outcome === 'unsupported') {
        result.unsupported ??= digest;
        stop.abort();
      } else {
        result.outcomes.set(digest, outcome);
        if (outcome === 'deleted') onDeleted?.(digest);
      }
    } catch (error) {
      result.failure ??= { error };
      stop.abort();
    }
  };
  await forEachLimit(digests, concurrency ?? DELETE_CONCURRENCY, deleteOne, { signal: stop.signal });
  return result;
}
