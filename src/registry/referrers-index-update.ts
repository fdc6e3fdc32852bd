/**
 * One change to a referrers tag-schema index, confirmed before it is reported: registries like
 * distribution 2.8 have no conditional requests, and many processes may change one subject's index at
 * once, so a plain read-modify-write loses updates (A and B read I, A writes I+a, B writes I+b: a is
 * gone). The update is a loop of named steps over one small state object (UpdateState):
 *
 *   startUpdate     take the caller's snapshot or read the index (referrers-index-read.ts)
 *   writeChange     if the change is not in the snapshot: check the read is fresh (readAgainIfStale),
 *                   merge (referrers-index-model.ts), then deleteEmptyIndex or putMergedIndex;
 *                   a rejected write is handled by recoverRejectedWrite (412: read again; entries
 *                   naming manifests deleted meanwhile: drop them, write again)
 *   verifyWatch     wait the settle time, HEAD the tag: the same digest twice a settle time apart
 *                   confirms; an index that still reflects the change is watched again; otherwise
 *                   backOffAndReadAgain, and the loop writes again
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
import { isManifestoError } from '../errors/errors.ts';
import { digestOf, parseDigest } from '../oci/digest.ts';
import { OCI_INDEX } from '../oci/media-types.ts';
import { deleteManifestReference, headManifestDigest, putManifest } from './manifests.ts';
import { checkIndexRoom, unconfirmed } from './referrers-index-errors.ts';
import {
  changeParts,
  digestsReportedMissing,
  type IndexSnapshot,
  mergeChange,
  type ReferrerChange,
  referrersTag,
  reflects,
  serializeIndex,
  type UpdateResult,
} from './referrers-index-model.ts';
import { readReferrersIndex } from './referrers-index-read.ts';
import { type RegistryQuirks, registryQuirks } from './registry-quirks.ts';
import type { RegistryTarget } from './registry-target.ts';
import {
  CONDITIONAL_412_LIMIT,
  MAX_STALE_REREADS,
  rememberedLatency,
  rememberLatency,
  type TagSchemaTimingOptions,
  type TimingRules,
  timingRules,
} from './tag-schema-timing.ts';

export interface TagSchemaOptions extends TagSchemaTimingOptions {
  /** Receives every step of an update (reads, writes, verifications), for debugging. */
  trace?: ((event: TagSchemaTraceEvent) => void) | undefined;
}

/** One step of an index update; `wall` is epoch milliseconds (comparable across processes). */
export type TagSchemaTraceEvent = { wall: number; subject: string } & (
  | { step: 'read'; digest: string | undefined; entries: number; ms: number }
  | { step: 'write'; from: string | undefined; digest: string; entries: number; ms: number; windowMs: number }
  | { step: 'delete-empty'; digest: string; outcome: string }
  | { step: 'verify'; watched: string | undefined; seen: string | undefined; ms: number }
  | { step: 'stale-read'; ageMs: number }
  | { step: 'caller-state'; digest: string | undefined; entries: number; ageMs: number }
  | { step: 'confirmed'; digest: string | undefined; writes: number }
  | { step: 'cleanup'; digest: string; outcome: string }
);

type TraceStep = TagSchemaTraceEvent extends infer E
  ? E extends { step: string }
    ? Omit<E, 'wall' | 'subject'>
    : never
  : never;

/** What one update works with; fixed for its duration. */
export interface UpdateContext {
  readonly target: RegistryTarget;
  readonly subject: string;
  readonly tag: string;
  readonly change: ReferrerChange;
  readonly rules: TimingRules;
  /** The registry's record: latency memory, refused DELETEs, ignored If-Match. */
  readonly quirks: RegistryQuirks;
  trace(event: TraceStep): void;
}

/** The counters and sets of one update, changed only by the steps. */
export interface UpdateProgress {
  writes: number;
  observations: number;
  /** Reads in a row that were too old to write from. */
  staleRereads: number;
  /** 412 answers in a row to our conditional writes. */
  conditional412: number;
  /** The slowest index request of this update (ms). */
  slowest: number;
  /** The tag existed at some read: a 404 is re-checked before it is believed. */
  knownToExist: boolean;
  /** Indexes our writes replaced: deleted once the change is confirmed. */
  readonly replaced: Set<string>;
  /** Emptied indexes we deleted. */
  readonly deletedByUs: Set<string>;
}

/** The state of one update. */
export interface UpdateState extends UpdateProgress {
  /** The index as last read (or the caller's snapshot): the base of the next write. */
  snapshot: IndexSnapshot;
  /** Whether the first snapshot already showed the change, and what it listed. */
  readonly alreadyReflected: boolean;
  readonly firstListed: ReadonlySet<string>;
}

/** A digest the tag must still hold a settle time after `at` (undefined: the tag must be gone). */
export interface Watch {
  digest: string | undefined;
  at: number;
}

/** A verification's verdict: confirmed with the tag's digest, or not yet. */
export type Verdict = { confirmed: true; digest: string | undefined } | { confirmed: false };

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

export function updateContext(
  target: RegistryTarget,
  subjectDigest: string,
  change: ReferrerChange,
  options: TagSchemaOptions,
): UpdateContext {
  return {
    target,
    subject: subjectDigest,
    tag: referrersTag(subjectDigest),
    change,
    rules: timingRules(options),
    quirks: registryQuirks(target.transport),
    trace: (event) =>
      options.trace?.({
        ...event,
        wall: performance.timeOrigin + performance.now(),
        subject: subjectDigest,
      } as TagSchemaTraceEvent),
  };
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

/**
 * Step 3: the tag must still hold the watched digest a settle time (plus jitter) later. Confirmed when
 * it does (a 404 for an index that existed and that we did not delete is re-checked first); when it
 * holds another index, that one is read: if it still reflects the change it is the next snapshot (and
 * gets watched), else the change was overwritten from an older read (backOffAndReadAgain).
 */
export async function verifyWatch(
  context: UpdateContext,
  state: UpdateState,
  watch: Watch,
): Promise<Verdict> {
  const { clock, jitterMs } = context.rules;
  if (++state.observations > context.rules.maxObservations) {
    throw unconfirmed(context.target, context.tag, context.change, state.writes);
  }
  await clock.sleep(
    watch.at + context.rules.settle(latency(context, state)) + clock.random() * jitterMs - clock.now(),
  );
  const started = clock.now();
  const head = await headManifestDigest(context.target, context.tag, ['pull', 'push']);
  observe(context, state, clock.now() - started);
  context.trace({ step: 'verify', watched: watch.digest, seen: head.digest, ms: clock.now() - started });
  if (head.status === 200 && head.digest === undefined) {
    // This registry's HEAD lacks Docker-Content-Digest: compare by GET instead.
    state.snapshot = await readIndex(context, state);
    return state.snapshot.digest === watch.digest ? { confirmed: true, digest: watch.digest } : NOT_YET;
  }
  if (head.digest === watch.digest) {
    if (head.digest !== undefined || !state.knownToExist || state.deletedByUs.size > 0) {
      return { confirmed: true, digest: watch.digest };
    }
    // A 404 for an index that existed and that we did not delete: re-check before believing it.
    state.snapshot = await readIndex(context, state);
    return state.snapshot.digest === undefined ? { confirmed: true, digest: undefined } : NOT_YET;
  }
  state.snapshot = await readIndex(context, state);
  if (!reflects(state.snapshot.manifests, context.change)) await backOffAndReadAgain(context, state);
  return NOT_YET;
}

const NOT_YET: Verdict = { confirmed: false };

/**
 * Overwritten from an older read. Backs off (more after each of our writes) so writers that collided
 * spread out, then reads again: that read is the base of the next write.
 */
export async function backOffAndReadAgain(context: UpdateContext, state: UpdateState): Promise<void> {
  const { clock } = context.rules;
  await clock.sleep(clock.random() * context.rules.backoff(state.writes));
  state.snapshot = await readIndex(context, state);
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

/** Reads the index for a write (asking for push up front), noting its duration. */
async function readIndex(context: UpdateContext, progress: UpdateProgress): Promise<IndexSnapshot> {
  const snapshot = await readReferrersIndex(
    context.target,
    context.subject,
    context.rules.clock,
    true,
    progress.knownToExist,
  );
  observe(context, progress, snapshot.observedAt - snapshot.readStartedAt);
  context.trace({
    step: 'read',
    digest: snapshot.digest,
    entries: snapshot.manifests.length,
    ms: snapshot.observedAt - snapshot.readStartedAt,
  });
  if (snapshot.digest !== undefined) progress.knownToExist = true;
  return snapshot;
}

/** Notes an index request's duration: this update's slowest, and the registry's recent slowest. */
function observe(context: UpdateContext, progress: UpdateProgress, ms: number): void {
  progress.slowest = Math.max(progress.slowest, ms);
  rememberLatency(context.quirks, ms, context.rules.clock.now());
}

/** L of the timing rules: the slowest index request of this update or recently on this registry. */
function latency(context: UpdateContext, progress: UpdateProgress): number {
  return Math.max(progress.slowest, rememberedLatency(context.quirks, context.rules.clock.now()));
}
