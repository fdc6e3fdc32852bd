/**
 * One change to a referrers tag-schema index, confirmed before it is reported: registries like
 * distribution 2.8 have no conditional requests, and many processes may change one subject's index at
 * once, so a plain read-modify-write loses updates (A and B read I, A writes I+a, B writes I+b: a is
 * gone). The update is a loop of named steps over one small state object (UpdateState, in
 * referrers-index-update-state.ts):
 *
 *   startUpdate     take the caller's snapshot or read the index (referrers-index-read.ts)
 *   writeChange     (referrers-index-write.ts) if the change is not in the snapshot: check the read is
 *                   fresh (readAgainIfStale), merge (referrers-index-model.ts), then deleteEmptyIndex
 *                   or putMergedIndex; a rejected write is handled by recoverRejectedWrite (412: read
 *                   again; entries naming manifests deleted meanwhile: drop them, write again)
 *   verifyWatch     (referrers-index-verify.ts) wait the settle time, HEAD the tag: the same digest
 *                   twice a settle time apart confirms; an index that still reflects the change is
 *                   watched again; otherwise backOffAndReadAgain, and the loop writes again
 *   confirmUpdate   delete the indexes our writes replaced (best effort)
 *
 * Why confirmation means the change stays, and the residual timing assumption, are in docs/format.md
 * ("Why the tag-schema index update is safe"); the timing rules are in tag-schema-timing.ts. At most
 * `maxWrites` writes and `maxObservations` verifications; a change that cannot be confirmed throws a
 * 'conflict' ManifestoError. Registries learned to refuse DELETE or to ignore If-Match are remembered in
 * the transport's record (registry-quirks.ts).
 *
 * Request counts (uncontended, distribution): with a fresh caller snapshot, PUT index + 1 HEAD (+ 1
 * DELETE of the replaced index); without one, 1 GET more. Removing N referrers in one change costs the
 * same, and one settle time, instead of N of each.
 */
import { parseDigest } from '../oci/digest.ts';
import { deleteManifestReference } from './manifests.ts';
import {
  type IndexSnapshot,
  type ReferrerChange,
  reflects,
  type UpdateResult,
} from './referrers-index-model.ts';
import {
  observe,
  readIndex,
  type TagSchemaOptions,
  type UpdateContext,
  type UpdateProgress,
  type UpdateState,
  updateContext,
} from './referrers-index-update-state.ts';
import { verifyWatch } from './referrers-index-verify.ts';
import { writeChange } from './referrers-index-write.ts';
import type { RegistryTarget } from './registry-target.ts';

export type { TagSchemaOptions, TagSchemaTraceEvent } from './referrers-index-update-state.ts';

/**
 * Applies one change to the fallback index of `subjectDigest` and returns once it is confirmed (see the
 * file comment); throws a conflict error when it cannot be.
 */
export async function updateReferrersIndex(
  target: RegistryTarget,
  subjectDigest: string,
  change: ReferrerChange,
  initial: IndexSnapshot | undefined,
  options: TagSchemaOptions = {},
): Promise<UpdateResult> {
  parseDigest(subjectDigest);
  const context = updateContext(target, subjectDigest, change, options);
  const state = await startUpdate(context, initial);
  for (;;) {
    const watch = reflects(state.snapshot.manifests, change)
      ? { digest: state.snapshot.digest, at: state.snapshot.observedAt }
      : await writeChange(context, state);
    // No watch: the step read the index again instead of writing; decide again from that read.
    if (watch === undefined) continue;
    const verdict = await verifyWatch(context, state, watch);
    if (verdict.confirmed) return confirmUpdate(context, state, verdict.digest);
  }
}

/** Step 1: the caller's snapshot (refused when the tag is not a referrers index) or a fresh read. */
export async function startUpdate(
  context: UpdateContext,
  initial: IndexSnapshot | undefined,
): Promise<UpdateState> {
  const progress: UpdateProgress = {
    writes: 0,
    observations: 0,
    staleRereads: 0,
    conditional412: 0,
    slowest: 0,
    knownToExist: initial?.digest !== undefined,
    replaced: new Set(),
    deletedByUs: new Set(),
  };
  if (initial !== undefined) {
    observe(context, progress, initial.observedAt - initial.readStartedAt);
    context.trace({
      step: 'caller-state',
      digest: initial.digest,
      entries: initial.manifests.length,
      ageMs: context.rules.clock.now() - initial.readStartedAt,
    });
  }
  if (initial?.notReferrers !== undefined) throw initial.notReferrers;
  const snapshot = initial ?? (await readIndex(context, progress));
  return Object.assign(progress, {
    snapshot,
    alreadyReflected: reflects(snapshot.manifests, context.change),
    firstListed: new Set(snapshot.manifests.map((d) => d.digest)),
  });
}

/** Step 4: confirmed; deletes the indexes our writes replaced unless the tag names them (best effort). */
export async function confirmUpdate(
  context: UpdateContext,
  state: UpdateState,
  digest: string | undefined,
): Promise<UpdateResult> {
  context.trace({ step: 'confirmed', digest, writes: state.writes });
  for (const old of state.replaced) {
    if (old === digest || context.quirks.deletesRefused) continue;
    try {
      const outcome = await deleteManifestReference(context.target, old);
      context.trace({ step: 'cleanup', digest: old, outcome });
      if (outcome === 'unsupported') context.quirks.deletesRefused = true;
    } catch {
      // Best effort: an unreferenced index left behind is garbage for the registry's collector.
    }
  }
  return {
    alreadyReflected: state.alreadyReflected,
    firstListed: state.firstListed,
    confirmedDigest: digest,
    writes: state.writes,
  };
}
