/**
 * Deletes many manifests of one repository by digest, a few at a time: the first step of a batch
 * removal of referrers (registry-repository.ts `deleteManifests`), whose one referrers-index update
 * follows once every DELETE has answered.
 */
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
  let next = 0;
  const stopped = () => result.unsupported !== undefined || result.failure !== undefined;
  async function worker(): Promise<void> {
    while (next < digests.length && !stopped()) {
      const digest = digests[next++] as string;
      try {
        const outcome = await deleteManifestReference(target, digest);
        if (outcome === 'unsupported') result.unsupported ??= digest;
        else {
          result.outcomes.set(digest, outcome);
          if (outcome === 'deleted') onDeleted?.(digest);
        }
      } catch (error) {
        result.failure ??= { error };
      }
    }
  }
  await Promise.all(
    Array.from({ length: Math.min(concurrency ?? DELETE_CONCURRENCY, digests.length) }, worker),
  );
  return result;
}
