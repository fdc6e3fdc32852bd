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
import type { Descriptor } from '../oci/descriptor.ts';
import type { RegistryTransport } from './http/types.ts';
import {
  changeParts,
  type IndexSnapshot,
  type ReferrerChange,
  reflectsListed,
  systemClock,
  type TagSchemaOptions,
  type UpdateResult,
  updateReferrersIndex,
} from './referrers-tag-schema.ts';
import type { RegistryTarget } from './registry-target.ts';

type Outcome = { kind: 'done'; result: UpdateResult } | { kind: 'failed'; error: unknown } | { kind: 'lead' };

interface Waiter {
  change: ReferrerChange;
  initial: IndexSnapshot | undefined;
  wake(outcome: Outcome): void;
}

interface IndexQueue {
  /** Changes waiting for the next update (the first of them leads it once woken). */
  waiting: Waiter[];
}

/** The queues of the indexes being updated now, per transport, by `repository@subject`. */
const queues = new WeakMap<RegistryTransport, Map<string, IndexQueue>>();

/**
 * When (clock.now()) this process's last update of each index ended, per transport. Bounded: when
 * entries are evicted, `evictedUpTo` keeps the latest end among them, and a snapshot of an index with
 * no entry is trusted only when read after it (conservative: at worst one GET more).
 */
interface UpdateEnds {
  ends: Map<string, number>;
  evictedUpTo: number;
}
const updateEnds = new WeakMap<RegistryTransport, UpdateEnds>();
const MAX_REMEMBERED_ENDS = 4096;

function recordUpdateEnd(transport: RegistryTransport, key: string, at: number): void {
  let record = updateEnds.get(transport);
  if (record === undefined) {
    record = { ends: new Map(), evictedUpTo: Number.NEGATIVE_INFINITY };
    updateEnds.set(transport, record);
  }
  record.ends.delete(key);
  record.ends.set(key, at);
  while (record.ends.size > MAX_REMEMBERED_ENDS) {
    const [oldest, end] = record.ends.entries().next().value as [string, number];
    record.ends.delete(oldest);
    record.evictedUpTo = Math.max(record.evictedUpTo, end);
  }
}

/** The snapshot, unless it was read before this process's last update of the index ended. */
function unlessOutdated(
  transport: RegistryTransport,
  key: string,
  snapshot: IndexSnapshot | undefined,
): IndexSnapshot | undefined {
  if (snapshot === undefined) return undefined;
  const record = updateEnds.get(transport);
  if (record === undefined) return snapshot;
  const end = record.ends.get(key) ?? record.evictedUpTo;
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
  let byIndex = queues.get(target.transport);
  if (byIndex === undefined) {
    byIndex = new Map();
    queues.set(target.transport, byIndex);
  }
  const key = `${target.repository}@${subjectDigest}`;
  let queue = byIndex.get(key);
  let self: Waiter;
  if (queue === undefined) {
    queue = { waiting: [] };
    byIndex.set(key, queue);
    self = { change, initial, wake: () => undefined };
    queue.waiting.push(self);
  } else {
    let wake: (outcome: Outcome) => void = () => undefined;
    const promise = new Promise<Outcome>((resolve) => {
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
      unlessOutdated(target.transport, key, freshest(batch.map((w) => w.initial))),
      options,
    );
    const own = (w: Waiter): UpdateResult => ({
      ...result,
      alreadyReflected: reflectsListed(result.firstListed, w.change),
    });
    for (const w of batch) if (w !== self) w.wake({ kind: 'done', result: own(w) });
    return own(self);
  } catch (error) {
    for (const w of batch) if (w !== self) w.wake({ kind: 'failed', error });
    throw error;
  } finally {
    recordUpdateEnd(target.transport, key, now());
    const next = queue.waiting[0];
    if (next === undefined) byIndex.delete(key);
    else next.wake({ kind: 'lead' });
  }
}

/** Changes in arrival order as one: the last change of a digest wins (add then remove: removed). */
export function combine(changes: readonly ReferrerChange[]): ReferrerChange {
  const last = new Map<string, Descriptor | 'remove'>();
  for (const change of changes) {
    const { add, remove } = changeParts(change);
    for (const digest of remove) {
      last.delete(digest);
      last.set(digest, 'remove');
    }
    for (const descriptor of add) {
      last.delete(descriptor.digest);
      last.set(descriptor.digest, descriptor);
    }
  }
  const add: Descriptor[] = [];
  const remove: string[] = [];
  for (const [digest, outcome] of last) {
    if (outcome === 'remove') remove.push(digest);
    else add.push(outcome);
  }
  return { kind: 'batch', add, remove };
}

/** The most recently read of the callers' snapshots (the update re-reads one that is too old). */
function freshest(snapshots: ReadonlyArray<IndexSnapshot | undefined>): IndexSnapshot | undefined {
  let best: IndexSnapshot | undefined;
  for (const s of snapshots) {
    if (s !== undefined && (best === undefined || s.readStartedAt > best.readStartedAt)) best = s;
  }
  return best;
}
