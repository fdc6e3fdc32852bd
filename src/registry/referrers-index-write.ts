/**
 * The write steps of a tag-schema index update (referrers-index-update.ts): when the change is not in
 * the snapshot, make sure the read is fresh enough to write from (the accepted read age W of
 * tag-schema-timing.ts), merge the change into it, and either delete the emptied index or PUT the
 * merged one; a write the registry rejects is turned into a new read or a smaller index. Each step
 * returns the digest to watch, or undefined when it read the index again instead of writing.
 */
import { isManifestoError } from '../errors/errors.ts';
import { digestOf } from '../oci/digest.ts';
import { OCI_INDEX } from '../oci/media-types.ts';
import { deleteManifestReference, putManifest } from './manifests.ts';
import { checkIndexRoom, unconfirmed } from './referrers-index-errors.ts';
import { changeParts, digestsReportedMissing, mergeChange, serializeIndex } from './referrers-index-model.ts';
import {
  latency,
  observe,
  readIndex,
  type UpdateContext,
  type UpdateState,
  type Watch,
} from './referrers-index-update-state.ts';
import { CONDITIONAL_412_LIMIT, MAX_STALE_REREADS } from './tag-schema-timing.ts';

/**
 * Step 2: writes the snapshot merged with the change, and returns what to watch; undefined when it
 * read the index again instead (the read was too old, or the write was rejected as stale).
 */
export async function writeChange(context: UpdateContext, state: UpdateState): Promise<Watch | undefined> {
  const { target, tag, change, rules } = context;
  if (state.writes >= rules.maxWrites) throw unconfirmed(target, tag, change, state.writes);
  if (await readAgainIfStale(context, state)) return undefined;
  const merged = mergeChange(state.snapshot.manifests, change);
  checkIndexRoom(target, tag, state.snapshot.manifests, merged, change);
  state.writes++;
  if (merged.length === 0) {
    const gone = await deleteEmptyIndex(context, state);
    if (gone !== undefined) return gone;
  }
  return putMergedIndex(context, state, merged);
}

/**
 * Guards the read-to-write window (a stale read could overwrite someone's confirmed change): when the
 * snapshot is older than the accepted read age, reads again and returns true.
 */
export async function readAgainIfStale(context: UpdateContext, state: UpdateState): Promise<boolean> {
  const age = context.rules.clock.now() - state.snapshot.readStartedAt;
  if (age <= context.rules.maxReadAge(latency(context, state))) {
    state.staleRereads = 0;
    return false;
  }
  context.trace({ step: 'stale-read', ageMs: age });
  if (++state.staleRereads > MAX_STALE_REREADS) {
    throw unconfirmed(context.target, context.tag, context.change, state.writes);
  }
  state.snapshot = await readIndex(context, state);
  return true;
}

/**
 * The index became empty: deletes it (by digest, so a newer index under the tag is untouched) and
 * watches the tag's absence. Undefined when it cannot (no index, already deleted by us, or the registry
 * refuses DELETE, which is remembered): the caller writes the empty index instead.
 */
export async function deleteEmptyIndex(
  context: UpdateContext,
  state: UpdateState,
): Promise<Watch | undefined> {
  const { clock } = context.rules;
  const digest = state.snapshot.digest;
  if (digest === undefined || state.deletedByUs.has(digest) || context.quirks.deletesRefused)
    return undefined;
  const started = clock.now();
  const outcome = await deleteManifestReference(context.target, digest);
  observe(context, state, clock.now() - started);
  context.trace({ step: 'delete-empty', digest, outcome });
  if (outcome === 'unsupported') {
    context.quirks.deletesRefused = true;
    return undefined;
  }
  state.deletedByUs.add(digest);
  return { digest: undefined, at: clock.now() };
}

/** PUTs the merged index by tag (If-Match where an ETag is known) and watches its digest. */
export async function putMergedIndex(
  context: UpdateContext,
  state: UpdateState,
  merged: ReturnType<typeof mergeChange>,
): Promise<Watch | undefined> {
  const { clock } = context.rules;
  const { snapshot } = state;
  const bytes = serializeIndex(merged);
  const digest = digestOf(bytes);
  const headers: Record<string, string> = {};
  if (
    snapshot.etag !== undefined &&
    snapshot.digest !== undefined &&
    !context.quirks.conditionalWritesBroken
  ) {
    headers['If-Match'] = snapshot.etag;
  }
  const started = clock.now();
  try {
    await putManifest(context.target, bytes, OCI_INDEX, context.tag, headers);
  } catch (error) {
    observe(context, state, clock.now() - started);
    await recoverRejectedWrite(context, state, error);
    return undefined;
  }
  state.conditional412 = 0;
  observe(context, state, clock.now() - started);
  context.trace({
    step: 'write',
    from: snapshot.digest,
    digest,
    entries: merged.length,
    ms: clock.now() - started,
    windowMs: clock.now() - snapshot.readStartedAt,
  });
  if (snapshot.digest !== undefined && snapshot.digest !== digest) state.replaced.add(snapshot.digest);
  return { digest, at: clock.now() };
}

/**
 * A write the registry rejected: 412 (it honours If-Match and our read was stale) reads again, and
 * after three in a row If-Match is given up for the registry; entries naming manifests deleted
 * meanwhile (distribution: MANIFEST_BLOB_UNKNOWN with the digest) are dropped for the next write.
 * Anything else, or our own added manifest reported missing, is rethrown.
 */
export async function recoverRejectedWrite(
  context: UpdateContext,
  state: UpdateState,
  error: unknown,
): Promise<void> {
  if (isManifestoError(error) && error.status === 412) {
    if (++state.conditional412 >= CONDITIONAL_412_LIMIT) context.quirks.conditionalWritesBroken = true;
    state.snapshot = await readIndex(context, state);
    return;
  }
  const gone = digestsReportedMissing(error);
  const ours = changeParts(context.change).add.map((d) => d.digest);
  if (gone.size > 0 && !ours.some((digest) => gone.has(digest))) {
    state.snapshot = {
      ...state.snapshot,
      manifests: state.snapshot.manifests.filter((d) => !gone.has(d.digest)),
    };
    return;
  }
  throw error;
}
