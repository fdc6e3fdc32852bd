/**
 * One process's changes to one referrers tag-schema index, coalesced: at most one update of an index
 * runs at a time per transport (registry), and the changes that arrive meanwhile are applied together
 * by the next update, as one merge, one write and one verification.
 *
 * Concurrent writers in different processes stay safe by the verify-after-write protocol of
 * referrers-tag-schema.ts, which relies on timing (every writer's read-to-write window is shorter than
 * the settle time). Writers in the same process need no such assumption: a stalled event loop or a
 * connection queue cannot make one of this process's updates overwrite another's, because they never
 * overlap. It is also cheaper: N concurrent changes to one index (a library user storing several
 * types on one image at once, a server) cost two updates instead of N racing ones.
 *
 * The timing-free guarantee needs one more rule: a caller's snapshot (the listing it read before its
 * put, possibly before this process's previous update of the index) is used only when it was read
 * after that update ended; an older one is read again. Otherwise the read-age guard of the update
 * (2x the slowest recent request) would decide, and a slow request under load raises it: two puts of
 * one image that read the listing together lost the first one's confirmed entry that way.
 *
 * Each update runs in the call of one of the changes it carries (the batch's leader), never in a
 * detached task: whatever the caller's context holds (a bulk command's work slot) is what the update
 * works under. The others wait (`clock.wait`, which a scheduler may use to run other work); when an
 * update is done, the first change queued meanwhile is woken to lead the next one.
 */
import {
  combine,
  type IndexSnapshot,
  type ReferrerChange,
  reflectsListed,
  type UpdateResult,
} from './referrers-index-model.ts';
import { type TagSchemaOptions, updateReferrersIndex } from './referrers-index-update.ts';
import {
  type IndexUpdates,
  type QueuedChange,
  type QueueOutcome,
  registryQuirks,
} from './registry-quirks.ts';
import type { RegistryTarget } from './registry-target.ts';
import { systemClock } from './tag-schema-timing.ts';

/** Update ends remembered per transport; older ones are folded into `evictedUpTo`. */
const MAX_REMEMBERED_ENDS = 4096;

function recordUpdateEnd(updates: IndexUpdates, key: string, at: number): void {
  updates.finished++;
  updates.ends.delete(key);
  updates.ends.set(key, at);
  while (updates.ends.size > MAX_REMEMBERED_ENDS) {
    const [oldest, end] = updates.ends.entries().next().value as [string, number];
    updates.ends.delete(oldest);
    updates.evictedUpTo = Math.max(updates.evictedUpTo, end);
  }
}

/**
 * The snapshot, unless it was read before this process's last update of the index ended (an index
 * with no remembered end: before the latest evicted end; conservative, at worst one GET more).
 */
function unlessOutdated(
  updates: IndexUpdates,
  key: string,
  snapshot: IndexSnapshot | undefined,
): IndexSnapshot | undefined {
  if (snapshot === undefined) return undefined;
  const end = updates.ends.get(key) ?? updates.evictedUpTo;
  return snapshot.readStartedAt >= end ? snapshot : undefined;
}

/**
 * Applies `change` to the fallback index of `subjectDigest` like updateReferrersIndex, after this
 * process's update of that index already running, together with the changes queued meanwhile. The
 * result's `alreadyReflected` is this change's own.
 */
export async function queueReferrersUpdate(
  target: RegistryTarget,
  subjectDigest: string,
  change: ReferrerChange,
  initial: IndexSnapshot | undefined,
  options: TagSchemaOptions = {},
): Promise<UpdateResult> {
  const updates = registryQuirks(target.transport).indexUpdates;
  const byIndex = updates.running;
  const key = `${target.repository}@${subjectDigest}`;
  let queue = byIndex.get(key);
  let self: QueuedChange;
  if (queue === undefined) {
    queue = { waiting: [] };
    byIndex.set(key, queue);
    self = { change, initial, wake: () => undefined };
    queue.waiting.push(self);
  } else {
    let wake: (outcome: QueueOutcome) => void = () => undefined;
    const promise = new Promise<QueueOutcome>((resolve) => {
      wake = resolve;
    });
    self = { change, initial, wake: (outcome) => wake(outcome) };
    queue.waiting.push(self);
    const wait = options.clock?.wait;
    const outcome = await (wait === undefined ? promise : wait(promise));
    if (outcome.kind === 'done') return outcome.result;
    if (outcome.kind === 'failed') throw outcome.error;
  }
  // This call leads the next update: it carries every change waiting now (this one first).
  const batch = queue.waiting.splice(0);
  const now = () => (options.clock ?? systemClock).now();
  try {
    const result = await updateReferrersIndex(
      target,
      subjectDigest,
      batch.length === 1 ? change : combine(batch.map((w) => w.change)),
      unlessOutdated(updates, key, freshest(batch.map((w) => w.initial))),
      options,
    );
    const own = (w: QueuedChange): UpdateResult => ({
      ...result,
      alreadyReflected: reflectsListed(result.firstListed, w.change),
    });
    for (const w of batch) if (w !== self) w.wake({ kind: 'done', result: own(w) });
    return own(self);
  } catch (error) {
    for (const w of batch) if (w !== self) w.wake({ kind: 'failed', error });
    throw error;
  } finally {
    recordUpdateEnd(updates, key, now());
    const next = queue.waiting[0];
    if (next === undefined) byIndex.delete(key);
    else next.wake({ kind: 'lead' });
  }
}

/** The most recently read of the callers' snapshots (the update re-reads one that is too old). */
function freshest(snapshots: ReadonlyArray<IndexSnapshot | undefined>): IndexSnapshot | undefined {
  let best: IndexSnapshot | undefined;
  for (const s of snapshots) {
    if (s !== undefined && (best === undefined || s.readStartedAt > best.readStartedAt)) best = s;
  }
  return best;
}
