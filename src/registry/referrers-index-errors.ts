/**
 * The two ways a tag-schema index update refuses or gives up, as ManifestoErrors: a full index (the
 * 4 MiB manifest limit, checked before anything is written) and a change that could not be confirmed
 * (other writers kept changing the index; success is never reported for a lost write).
 */
import { conflictError, type ManifestoError, unsupportedError } from '../errors/errors.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { MAX_MANIFEST_BYTES } from '../oci/media-types.ts';
import { describeChange, oversizeIndex, type ReferrerChange } from './referrers-index-model.ts';
import { indexLocation } from './referrers-index-read.ts';
import type { RegistryTarget } from './registry-target.ts';

/**
 * Refuses a change that adds entries when the merged index would exceed the manifest limit (4 MiB):
 * distribution refuses larger manifests and readers stop at the limit, so the image's metadata could
 * no longer be read, pruned or written (about 8.5k versions of 500-byte entries). Removals always pass:
 * they are how the index shrinks again.
 */
export function checkIndexRoom(
  target: RegistryTarget,
  tag: string,
  current: readonly Descriptor[],
  merged: readonly Descriptor[],
  change: ReferrerChange,
): void {
  const size = oversizeIndex(current, merged, change, MAX_MANIFEST_BYTES);
  if (size === undefined) return;
  throw indexFull(target, tag, current.length, size);
}

/** The error of a full referrers index; `code` REFERRERS_INDEX_FULL, exit 12. */
export function indexFull(
  target: RegistryTarget,
  tag: string,
  entries: number,
  size: number,
): ManifestoError {
  return unsupportedError(
    'REFERRERS_INDEX_FULL',
    `the referrers index ${indexLocation(target, tag)} holds ${entries} entries; one more would make it ${size} bytes, over the ${MAX_MANIFEST_BYTES}-byte manifest limit`,
    'Delete old versions first (manifesto prune IMAGE --keep N); nothing was written.',
  );
}

/** The error of a change that could not be confirmed; `code` REFERRERS_UPDATE_UNCONFIRMED, exit 5. */
export function unconfirmed(
  target: RegistryTarget,
  tag: string,
  change: ReferrerChange,
  writes: number,
): ManifestoError {
  return conflictError(
    'REFERRERS_UPDATE_UNCONFIRMED',
    `${describeChange(change)} the referrers index ${indexLocation(target, tag)} could not be confirmed after ${writes} write(s): other writers kept changing it`,
    'Retry the command; the operation is idempotent. If it persists, fewer concurrent writers or a registry with the OCI referrers API help.',
  );
}
