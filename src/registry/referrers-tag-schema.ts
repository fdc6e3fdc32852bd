/**
 * The OCI referrers tag schema, for registries without the referrers API: the referrers of a subject
 * `<alg>:<hex>` are listed in an OCI image index tagged `<alg>-<hex>` (alg cut to 32 characters, hex to
 * 64, other characters than [A-Za-z0-9._-] replaced by "-") in the same repository.
 *
 * ## Updating the index without lost writes
 *
 * Registries like distribution 2.8 have no conditional requests, and many manifesto processes may add
 * or remove referrers of one subject at once. A plain read-modify-write loses updates: A and B read
 * index I, A writes I+a, B writes I+b, and a is gone. The algorithm:
 *
 * 1. Read the index (GET the tag; a missing tag is an empty index), or take the snapshot the caller
 *    read moments ago (`referrersState`). Refuse to touch a tag that holds anything but an OCI index
 *    of referrers (another manifest, or an image index whose entries name platforms), or that
 *    resolves to the subject itself (some registries answer `sha256-<hex>` tags with the manifest of
 *    that digest): conflict error, nothing written. Listings read through such a tag (no metadata
 *    from it, a warning) rather than fail.
 * 2. If the change (entry present for an add, every entry absent for a remove) is already in the
 *    snapshot, go to step 4 watching the snapshot's digest. Otherwise merge: keep the existing entries
 *    in their order, append the new descriptor / drop the removed digests (matching by digest), and
 *    write: PUT the index by tag (with `If-Match` where we have the ETag; a registry that honours it
 *    answers 412 to a stale write, which is a re-read), or, when the index became empty, DELETE the
 *    old index by digest (on distribution that removes the tag). Before writing, check the read is fresh: if more than
 *    the accepted read age passed since the read was sent (an event-loop stall, a stale caller
 *    snapshot), read again first. The written digest is watched in step 4.
 * 3. A write distribution rejects because the index names a manifest deleted meanwhile
 *    (MANIFEST_BLOB_UNKNOWN with the digest as detail) drops that entry and writes again.
 * 4. Verify: wait the settle time (plus random jitter), then HEAD the tag.
 *    - Same digest as watched: confirmed.
 *    - Otherwise GET the index. If our change is reflected in it (another writer merged it), watch
 *      that digest: wait another settle time and HEAD again. If it is not reflected (a concurrent
 *      writer overwrote us from an older read), back off (random, growing with attempts), read, merge
 *      and write again (step 2). At most `maxWrites` writes and `maxObservations` verifications; a
 *      change that cannot be confirmed throws a 'conflict' ManifestoError: success is never reported
 *      for a lost write.
 * 5. After confirmation, delete the indexes our writes replaced, by digest, unless the tag points to
 *    them (best effort: 404/405 and failures tolerated, a registry answering 405 is not asked again).
 *
 * ## Timing
 *
 * L = the slowest index request (GET, HEAD, PUT, DELETE) of this update, or of recent updates through
 * the same transport (remembered with a 10 s half-life). Accepted read age W = max(`maxReadAgeMs`,
 * 2L); settle time S = max(`settleMs`, W + 3L) + random(0..`jitterMs`). Defaults: settleMs 250,
 * maxReadAgeMs 125, jitterMs 100, so on a responsive registry (L < 25 ms) S = 250..350 ms and W =
 * 125 ms; on a loaded one both grow. Retries back off random(0..jitterMs * 2^(writes-1)), at most 2 s.
 * At most `maxWrites` (10) writes and `maxObservations` (60) verifications.
 *
 * ## Why it is safe
 *
 * Every write is the merge of a read with one change, so a write can lose someone's entry only if
 * its read predates that entry's arrival in the tag ("stale" write). A change is one added descriptor
 * or a set of removed digests fixed before the update starts (a batch delete): the merge drops exactly
 * the entries of that set and keeps every other entry of the read, so the argument is the same for
 * one removed digest or a hundred, and "our change is reflected" means all of the set is gone. A writer sends its write at most
 * W after sending its read, and the write takes effect within about L after that. Confirmation means:
 * the tag held the same index D, containing our change, at two moments h1 and h2 with h2 - h1 >= S
 * (h1 = our own write, or an observation; h2 = the HEAD). Barring the tag returning to byte-identical
 * content in between (an ABA that needs another writer to produce exactly D), the tag did not change
 * during [h1, h2], so every read in that interval saw D. A later write that drops our entry would need
 * a read from before h1, i.e. a read-to-effect window longer than S >= W + 3L, which writers do not
 * allow themselves (W) and the registry does not take (L, with margin). So once confirmed, our change
 * stays (until someone removes it on purpose). A change seen only once in another writer's index is
 * not confirmed: that index could itself be a stale write about to be overwritten, hence the second
 * observation.
 *
 * Writers in one process do not even rely on this timing: RegistryRepository sends its changes through
 * referrers-index-queue.ts, which runs one update per index at a time and coalesces the changes that
 * arrive meanwhile into the next one (a 'batch' change: adds and removes of distinct digests, merged
 * like their single forms).
 *
 * The residual assumption, documented rather than hidden: without conditional requests nothing bounds
 * how late a registry applies a PUT it has received. The settle time covers delays up to about 3x the
 * slowest request this process has seen; a writer on a much slower path than the confirming writer
 * (another machine, a starved process) can still overwrite a confirmed entry. Writers should use the
 * same settings; for remote registries with long round trips raise `settleMs`. Clocks are monotonic per
 * process and never compared across machines. Registries with the referrers API need none of this.
 *
 * Request counts (uncontended, distribution): with a fresh caller snapshot, PUT index + 1 HEAD (+ 1
 * DELETE of the replaced index); without one, 1 GET more. Removing N referrers in one change costs the
 * same, and one settle time, instead of N of each.
 */
import { conflictError, isManifestoError, type ManifestoError, unsupportedError } from '../errors/errors.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { digestOf, parseDigest } from '../oci/digest.ts';
import { MAX_MANIFEST_BYTES, OCI_INDEX } from '../oci/media-types.ts';
import { errorFromResponse } from './http/response-errors.ts';
import type { RegistryTransport } from './http/types.ts';
import { asDescriptor, MANIFEST_ACCEPT, mediaTypeOfHeader } from './manifest-info.ts';
import { deleteManifestReference, headManifestDigest, putManifest } from './manifests.ts';
import { manifestPath, type RegistryTarget, replyContext } from './registry-target.ts';
import { discardBody, parseJsonObject, readLimited } from './response-body.ts';

/** Time source of the algorithm, injectable for tests. `now` is monotonic milliseconds. */
export interface TagSchemaClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Uniform in [0, 1). */
  random(): number;
  /**
   * Waits for this process's update of the same index to finish (referrers-index-queue.ts); default:
   * just awaits. Like `sleep`, a wait a scheduler may use to run other work meanwhile.
   */
  wait?<T>(promise: Promise<T>): Promise<T>;
}

export interface TagSchemaOptions {
  /** Wait after a write before verifying it. Default 250 ms. All writers should use the same value. */
  settleMs?: number | undefined;
  /** Random extra wait added to each settle (0..jitterMs), and the base of the retry backoff. Default 100 ms. */
  jitterMs?: number | undefined;
  /** Longest accepted time between sending the read and sending the write. Default settleMs / 2. */
  maxReadAgeMs?: number | undefined;
  /** Writes per change before giving up with a conflict error. Default 10. */
  maxWrites?: number | undefined;
  /** Verifications per change before giving up with a conflict error. Default 60. */
  maxObservations?: number | undefined;
  clock?: TagSchemaClock | undefined;
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

export const DEFAULT_SETTLE_MS = 250;
export const DEFAULT_JITTER_MS = 100;
export const DEFAULT_MAX_WRITES = 10;
export const DEFAULT_MAX_OBSERVATIONS = 60;
const MAX_BACKOFF_MS = 2000;
const MAX_STALE_REREADS = 5;
/** Re-checks of a 404 on a tag known to exist (distribution's tag links are not written atomically). */
const MISSING_TAG_RECHECKS = 2;
const MISSING_TAG_RECHECK_MS = 40;
const GENERIC_CONTENT_TYPES = new Set(['application/json', 'application/octet-stream', 'text/plain']);

export const systemClock: TagSchemaClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
  random: () => Math.random(),
};

/** The fallback tag of a subject digest: `<alg>-<hex>`, alg ≤ 32 and hex ≤ 64 characters. */
export function referrersTag(subjectDigest: string): string {
  const colon = subjectDigest.indexOf(':');
  const algorithm = subjectDigest
    .slice(0, colon)
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 32);
  const encoded = subjectDigest
    .slice(colon + 1)
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 64);
  return `${algorithm}-${encoded}`;
}

/** The fallback index as read at one moment. */
export interface IndexSnapshot {
  /** Digest of the index; undefined when the tag did not exist. */
  readonly digest: string | undefined;
  readonly etag: string | undefined;
  readonly manifests: readonly Descriptor[];
  /** clock.now() when the read was sent, and when its reply arrived. */
  readonly readStartedAt: number;
  readonly observedAt: number;
  /**
   * Set when the tag holds something other than a referrers index (read for listing, which goes on
   * without metadata from it): the error any write through this snapshot throws.
   */
  readonly notReferrers?: ManifestoError | undefined;
}

/**
 * One change to the index: add one descriptor, or remove a set of digests at once (a batch delete
 * makes one merge, one write and one verification for all of them).
 */
export type ReferrerChange =
  | { kind: 'add'; descriptor: Descriptor }
  | { kind: 'remove'; digests: readonly string[] }
  /** Several changes at once (one process's concurrent changes, coalesced): adds and removes of distinct digests. */
  | { kind: 'batch'; add: readonly Descriptor[]; remove: readonly string[] };

/** The descriptors a change adds and the digests it removes. */
export function changeParts(change: ReferrerChange): {
  add: readonly Descriptor[];
  remove: readonly string[];
} {
  if (change.kind === 'add') return { add: [change.descriptor], remove: [] };
  if (change.kind === 'remove') return { add: [], remove: change.digests };
  return { add: change.add, remove: change.remove };
}

export interface UpdateResult {
  /** The change was already in the first snapshot (for a remove: the entry was not listed). */
  alreadyReflected: boolean;
  /** The digests the first snapshot listed (which of several removed digests were listed at all). */
  firstListed: ReadonlySet<string>;
  /** Digest of the confirmed index (undefined: the tag is gone). */
  confirmedDigest: string | undefined;
  writes: number;
}

/** Reads the fallback index of a subject. */
export async function readReferrersIndex(
  target: RegistryTarget,
  subjectDigest: string,
  clock: TagSchemaClock = systemClock,
  forWrite = false,
  expectExisting = false,
): Promise<IndexSnapshot> {
  const tag = referrersTag(subjectDigest);
  for (let recheck = 0; ; recheck++) {
    const readStartedAt = clock.now();
    const res = await target.transport.request({
      method: 'GET',
      path: manifestPath(target, tag),
      repository: target.repository,
      // A writer asks for push up front so the token covers the write without a token round trip.
      actions: forWrite ? ['pull', 'push'] : ['pull'],
      headers: { Accept: MANIFEST_ACCEPT },
      idempotent: true,
      requestClass: 'referrers',
    });
    if (res.status === 404) {
      await discardBody(res);
      if (expectExisting && recheck < MISSING_TAG_RECHECKS) {
        await clock.sleep(MISSING_TAG_RECHECK_MS);
        continue;
      }
      const observedAt = clock.now();
      rememberLatency(target.transport, observedAt - readStartedAt, observedAt);
      return { digest: undefined, etag: undefined, manifests: [], readStartedAt, observedAt };
    }
    if (res.status !== 200) {
      throw await errorFromResponse(
        res,
        replyContext(target, 'read referrers index', { reference: tag, kind: 'manifest' }),
      );
    }
    const bytes = await readLimited(res, MAX_MANIFEST_BYTES, `referrers index ${where(target, tag)}`);
    const observedAt = clock.now();
    rememberLatency(target.transport, observedAt - readStartedAt, observedAt);
    const headerDigest = res.headers.get('docker-content-digest')?.trim();
    const digest = digestOf(bytes);
    if (headerDigest?.startsWith('sha256:') && headerDigest !== digest) {
      throw conflictError(
        'REFERRERS_TAG_INCONSISTENT',
        `the referrers tag ${where(target, tag)} answered with digest ${headerDigest} but content ${digest}`,
        'The registry returned inconsistent data; retry.',
      );
    }
    if (headerDigest === subjectDigest || digest === subjectDigest) {
      throw conflictError(
        'REFERRERS_TAG_CONFLICT',
        `the registry resolves the referrers tag ${where(target, tag)} to the subject ${subjectDigest} itself`,
        'This registry treats "<alg>-<hex>" tags as digests, so the referrers tag schema cannot be used on it; use a registry with the OCI referrers API.',
      );
    }
    const body = parseJsonObject(bytes);
    const contentType = mediaTypeOfHeader(res.headers.get('content-type'));
    const declared = typeof body?.mediaType === 'string' ? body.mediaType : undefined;
    const mediaType = declared ?? contentType;
    const headerAgrees =
      contentType === undefined || contentType === OCI_INDEX || GENERIC_CONTENT_TYPES.has(contentType);
    const isIndex =
      body !== undefined && Array.isArray(body.manifests) && mediaType === OCI_INDEX && headerAgrees;
    // An index whose entries name platforms is an image (someone tagged it "sha256-<hex>"), not a list
    // of referrers: rewriting it as one would drop its platforms.
    const isImage =
      isIndex &&
      (body.manifests as unknown[]).some((e) => typeof e === 'object' && e !== null && 'platform' in e);
    if (!isIndex || isImage || body === undefined) {
      const holds = isImage
        ? 'an image index with platform entries'
        : contentType !== undefined && !headerAgrees
          ? contentType
          : (mediaType ?? 'something');
      const notReferrers = conflictError(
        'REFERRERS_TAG_CONFLICT',
        `the referrers tag ${where(target, tag)} holds ${holds}, not a referrers index; manifesto will not overwrite it`,
        `Something else uses the tag "${tag}". Move that content to another tag, then retry.`,
      );
      if (forWrite) throw notReferrers;
      // Reads go through it: no metadata comes from it, and the command goes on.
      target.warn?.(`${notReferrers.message}: no metadata read from it`);
      return { digest, etag: undefined, manifests: [], readStartedAt, observedAt, notReferrers };
    }
    const manifests: Descriptor[] = [];
    for (const entry of body.manifests as unknown[]) {
      const descriptor = asDescriptor(entry);
      if (descriptor !== undefined) manifests.push(descriptor);
    }
    return { digest, etag: res.headers.get('etag') ?? undefined, manifests, readStartedAt, observedAt };
  }
}

/** Index bytes as written: deterministic JSON of the entries in order. */
export function serializeIndex(manifests: readonly Descriptor[]): Uint8Array {
  const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: manifests.map(entryOf) };
  return new TextEncoder().encode(JSON.stringify(index));
}

/** The fields an index entry keeps: mediaType, digest, size, artifactType, annotations. */
function entryOf(d: Descriptor): Descriptor {
  const entry: Descriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.artifactType !== undefined) entry.artifactType = d.artifactType;
  if (d.annotations !== undefined && Object.keys(d.annotations).length > 0) entry.annotations = d.annotations;
  return entry;
}

/** Whether the entries show the change: the added digest listed, or none of the removed ones. */
export function reflects(manifests: readonly Descriptor[], change: ReferrerChange): boolean {
  return reflectsListed(new Set(manifests.map((d) => d.digest)), change);
}

/** Whether a set of listed digests shows the change. */
export function reflectsListed(listed: ReadonlySet<string>, change: ReferrerChange): boolean {
  const { add, remove } = changeParts(change);
  return add.every((d) => listed.has(d.digest)) && !remove.some((digest) => listed.has(digest));
}

/** Keeps the existing order; drops every removed digest, appends the added descriptors not listed yet. */
export function mergeChange(manifests: readonly Descriptor[], change: ReferrerChange): Descriptor[] {
  const { add, remove } = changeParts(change);
  const removed = new Set(remove);
  const merged = manifests.filter((d) => !removed.has(d.digest));
  const listed = new Set(merged.map((d) => d.digest));
  for (const d of add) {
    if (listed.has(d.digest)) continue;
    listed.add(d.digest);
    merged.push(entryOf(d));
  }
  return merged;
}

/** Transports whose registry refused (405) to delete manifests: not asked again. */
const deletesRefused = new WeakSet<RegistryTransport>();
/** Transports whose registry answered 412 to fresh conditional writes: If-Match not sent again. */
const conditionalBroken = new WeakSet<RegistryTransport>();

/** How long the index requests to a registry took recently: the slowest, decaying (half-life 10 s). */
interface LatencyMemory {
  ms: number;
  at: number;
}
const LATENCY_HALF_LIFE_MS = 10_000;
const recentLatency = new WeakMap<RegistryTransport, LatencyMemory>();

function rememberedLatency(transport: RegistryTransport, now: number): number {
  const memory = recentLatency.get(transport);
  if (memory === undefined) return 0;
  return memory.ms * 0.5 ** (Math.max(0, now - memory.at) / LATENCY_HALF_LIFE_MS);
}

function rememberLatency(transport: RegistryTransport, ms: number, now: number): void {
  if (ms >= rememberedLatency(transport, now)) recentLatency.set(transport, { ms, at: now });
}

/**
 * The timing of one update. `latency` is the slowest index request seen (this update, or recently on
 * this transport): a loaded registry or client stretches every writer's read-to-write window, so both
 * the accepted read age and the settle time grow with it (see "Why it is safe").
 */
function timing(options: TagSchemaOptions) {
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const maxReadAge = options.maxReadAgeMs ?? settleMs / 2;
  return {
    jitterMs: options.jitterMs ?? DEFAULT_JITTER_MS,
    maxReadAge: (latency: number) => Math.max(maxReadAge, 2 * latency),
    settle: (latency: number) => Math.max(settleMs, Math.max(maxReadAge, 2 * latency) + 3 * latency),
  };
}

interface Watch {
  digest: string | undefined;
  at: number;
}

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
  const clock = options.clock ?? systemClock;
  const { jitterMs, maxReadAge, settle } = timing(options);
  const maxWrites = options.maxWrites ?? DEFAULT_MAX_WRITES;
  const maxObservations = options.maxObservations ?? DEFAULT_MAX_OBSERVATIONS;
  const tag = referrersTag(subjectDigest);
  const transport = target.transport;
  const trace = (event: TraceStep) =>
    options.trace?.({
      ...event,
      wall: performance.timeOrigin + performance.now(),
      subject: subjectDigest,
    } as TagSchemaTraceEvent);

  let slowest = 0;
  const observe = (ms: number) => {
    slowest = Math.max(slowest, ms);
    rememberLatency(transport, ms, clock.now());
  };
  const latency = () => Math.max(slowest, rememberedLatency(transport, clock.now()));

  let knownToExist = initial?.digest !== undefined;
  const read = async (): Promise<IndexSnapshot> => {
    const snapshot = await readReferrersIndex(target, subjectDigest, clock, true, knownToExist);
    observe(snapshot.observedAt - snapshot.readStartedAt);
    trace({
      step: 'read',
      digest: snapshot.digest,
      entries: snapshot.manifests.length,
      ms: snapshot.observedAt - snapshot.readStartedAt,
    });
    if (snapshot.digest !== undefined) knownToExist = true;
    return snapshot;
  };

  if (initial !== undefined) {
    observe(initial.observedAt - initial.readStartedAt);
    trace({
      step: 'caller-state',
      digest: initial.digest,
      entries: initial.manifests.length,
      ageMs: clock.now() - initial.readStartedAt,
    });
  }
  if (initial?.notReferrers !== undefined) throw initial.notReferrers;
  let snapshot = initial ?? (await read());
  const alreadyReflected = reflects(snapshot.manifests, change);
  const firstListed: ReadonlySet<string> = new Set(snapshot.manifests.map((d) => d.digest));
  let writes = 0;
  let observations = 0;
  let staleRereads = 0;
  let conditional412 = 0;
  const replaced = new Set<string>();
  const deletedByUs = new Set<string>();

  for (;;) {
    let watch: Watch | undefined;
    if (reflects(snapshot.manifests, change)) {
      watch = { digest: snapshot.digest, at: snapshot.observedAt };
    } else {
      if (writes >= maxWrites) throw unconfirmed(target, tag, change, writes);
      // Guard the read-to-write window: a stale read could overwrite someone's confirmed change.
      const age = clock.now() - snapshot.readStartedAt;
      if (age > maxReadAge(latency())) {
        trace({ step: 'stale-read', ageMs: age });
        if (++staleRereads > MAX_STALE_REREADS) throw unconfirmed(target, tag, change, writes);
        snapshot = await read();
        continue;
      }
      staleRereads = 0;
      const merged = mergeChange(snapshot.manifests, change);
      checkIndexRoom(target, tag, snapshot.manifests, merged, change);
      writes++;
      if (
        merged.length === 0 &&
        snapshot.digest !== undefined &&
        !deletedByUs.has(snapshot.digest) &&
        !deletesRefused.has(transport)
      ) {
        // The index became empty: delete it (by digest, so a newer index under the tag is untouched).
        const started = clock.now();
        const outcome = await deleteManifestReference(target, snapshot.digest);
        observe(clock.now() - started);
        trace({ step: 'delete-empty', digest: snapshot.digest, outcome });
        if (outcome === 'unsupported') deletesRefused.add(transport);
        else {
          deletedByUs.add(snapshot.digest);
          watch = { digest: undefined, at: clock.now() };
        }
      }
      if (watch === undefined) {
        const bytes = serializeIndex(merged);
        const digest = digestOf(bytes);
        const headers: Record<string, string> = {};
        if (
          snapshot.etag !== undefined &&
          snapshot.digest !== undefined &&
          !conditionalBroken.has(transport)
        ) {
          headers['If-Match'] = snapshot.etag;
        }
        const started = clock.now();
        try {
          await putManifest(target, bytes, OCI_INDEX, tag, headers);
        } catch (error) {
          observe(clock.now() - started);
          if (isManifestoError(error) && error.status === 412) {
            // The registry honours conditional requests and our read was stale: read again.
            if (++conditional412 >= 3) conditionalBroken.add(transport);
            snapshot = await read();
            continue;
          }
          const gone = missingManifests(error);
          const ours = changeParts(change).add.map((d) => d.digest);
          if (gone.size > 0 && !ours.some((digest) => gone.has(digest))) {
            // Entries naming manifests deleted meanwhile: drop them, write again.
            snapshot = { ...snapshot, manifests: snapshot.manifests.filter((d) => !gone.has(d.digest)) };
            continue;
          }
          throw error;
        }
        conditional412 = 0;
        observe(clock.now() - started);
        trace({
          step: 'write',
          from: snapshot.digest,
          digest,
          entries: merged.length,
          ms: clock.now() - started,
          windowMs: clock.now() - snapshot.readStartedAt,
        });
        if (snapshot.digest !== undefined && snapshot.digest !== digest) replaced.add(snapshot.digest);
        watch = { digest, at: clock.now() };
      }
    }

    // Verify: the tag must still hold the watched digest a settle time later.
    if (++observations > maxObservations) throw unconfirmed(target, tag, change, writes);
    await clock.sleep(watch.at + settle(latency()) + clock.random() * jitterMs - clock.now());
    const started = clock.now();
    const head = await headManifestDigest(target, tag, ['pull', 'push']);
    observe(clock.now() - started);
    trace({ step: 'verify', watched: watch.digest, seen: head.digest, ms: clock.now() - started });
    if (head.status === 200 && head.digest === undefined) {
      // This registry's HEAD lacks Docker-Content-Digest: compare by GET instead.
      snapshot = await read();
      if (snapshot.digest === watch.digest) return confirm(watch.digest);
      continue;
    }
    if (head.digest === watch.digest) {
      if (head.digest !== undefined || !knownToExist || deletedByUs.size > 0) return confirm(watch.digest);
      // A 404 for an index that existed and that we did not delete: re-check before believing it.
      snapshot = await read();
      if (snapshot.digest === undefined) return confirm(undefined);
      continue;
    }
    snapshot = await read();
    if (!reflects(snapshot.manifests, change)) {
      // Overwritten from an older read. Back off (more after each of our writes) so writers that
      // collided spread out, then read again: that read is the base of the next write.
      const backoff = Math.min(MAX_BACKOFF_MS, jitterMs * 2 ** Math.max(0, writes - 1));
      await clock.sleep(clock.random() * backoff);
      snapshot = await read();
    }
  }

  async function confirm(digest: string | undefined): Promise<UpdateResult> {
    trace({ step: 'confirmed', digest, writes });
    for (const old of replaced) {
      if (old === digest || deletesRefused.has(transport)) continue;
      try {
        const outcome = await deleteManifestReference(target, old);
        trace({ step: 'cleanup', digest: old, outcome });
        if (outcome === 'unsupported') deletesRefused.add(transport);
      } catch {
        // Best effort: an unreferenced index left behind is garbage for the registry's collector.
      }
    }
    return { alreadyReflected, firstListed, confirmedDigest: digest, writes };
  }
}

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
  if (changeParts(change).add.length === 0 || merged.length <= current.length) return;
  const size = serializeIndex(merged).byteLength;
  if (size <= MAX_MANIFEST_BYTES) return;
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
    `the referrers index ${where(target, tag)} holds ${entries} entries; one more would make it ${size} bytes, over the ${MAX_MANIFEST_BYTES}-byte manifest limit`,
    'Delete old versions first (manifesto prune IMAGE --keep N); nothing was written.',
  );
}

/** Digests a registry reported missing when it rejected an index (MANIFEST_BLOB_UNKNOWN / MANIFEST_UNKNOWN). */
function missingManifests(error: unknown): Set<string> {
  const out = new Set<string>();
  if (!isManifestoError(error) || (error.status !== 400 && error.status !== 404)) return out;
  for (const e of error.registryErrors) {
    if (e.code !== 'MANIFEST_BLOB_UNKNOWN' && e.code !== 'MANIFEST_UNKNOWN' && e.code !== 'BLOB_UNKNOWN')
      continue;
    const text =
      typeof e.detail === 'string' ? e.detail : `${JSON.stringify(e.detail ?? '')} ${e.message ?? ''}`;
    for (const match of text.matchAll(/sha(?:256:[a-f0-9]{64}|512:[a-f0-9]{128})/g)) out.add(match[0]);
  }
  return out;
}

function unconfirmed(
  target: RegistryTarget,
  tag: string,
  change: ReferrerChange,
  writes: number,
): ManifestoError {
  const what =
    change.kind === 'add'
      ? `adding ${change.descriptor.digest} to`
      : change.kind === 'remove'
        ? change.digests.length === 1
          ? `removing ${change.digests[0]} from`
          : `removing ${change.digests.length} referrers from`
        : `adding ${change.add.length} and removing ${change.remove.length} referrers in`;
  return conflictError(
    'REFERRERS_UPDATE_UNCONFIRMED',
    `${what} the referrers index ${where(target, tag)} could not be confirmed after ${writes} write(s): other writers kept changing it`,
    'Retry the command; the operation is idempotent. If it persists, fewer concurrent writers or a registry with the OCI referrers API help.',
  );
}

function where(target: RegistryTarget, tag: string): string {
  return `${target.transport.registry}/${target.repository}:${tag}`;
}
